"""`ImportedChains`: the F&O bhavcopy store (`candles.fo_store.FoStore`) as a `ChainSource`.

A day's Arrow table becomes the `DayChain`'s numpy columns whole (no loop over rows), nulls
as the protocol reads them: a future's strike 0 and option type ``XX``, a price the exchange
did not print NaN, a missing count 0. A legacy-layout day (before July 2024) has no lot size
(0 here: the engine refuses to open a leg on it) and no underlying price: the underlying's
close is then the nearest future's settlement price, as the journal reads it (on an expiry
day the expiring future's final settlement price, which is the index's close; on other days
the near future's settle, a little off the spot by its basis).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

from tradertape.backtest.options.chain import DayChain, FloatArray, IntArray, empty_chain
from tradertape.candles.fo_store import FoStore

pc: Any = _compute  # pyarrow-stubs miss fill_null's overloads on chunked arrays


def _floats(table: pa.Table, name: str) -> FloatArray:
    column = pc.fill_null(table.column(name).cast(pa.float64()), float("nan"))
    return np.asarray(column.to_numpy(), dtype=np.float64)


def _ints(table: pa.Table, name: str) -> IntArray:
    column = pc.fill_null(table.column(name).cast(pa.int64()), 0)
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _texts(table: pa.Table, name: str, missing: str) -> Any:
    column = pc.fill_null(table.column(name), missing)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.str_)


def underlying_close(
    closes: FloatArray, futures: Any, expiry: Any, settle: FloatArray, on: date
) -> float:
    """The underlying's close of a day's rows: the files' (the value most rows give), else
    the nearest future's settlement price; NaN when neither is there."""
    given = closes[~np.isnan(closes)]
    if given.size:
        values, counts = np.unique(given, return_counts=True)
        return float(values[int(np.argmax(counts))])
    live = futures & (expiry >= np.datetime64(on, "D"))
    if not live.any():
        return float("nan")
    nearest = np.flatnonzero(live)[int(np.argmin(expiry[live]))]
    return float(settle[nearest])


def day_chain_of(table: pa.Table, on: date) -> DayChain:
    """A `CHAIN_SCHEMA` table of one day as the engine's `DayChain`."""
    if not table.num_rows:
        return empty_chain()
    instrument = _texts(table, "instrument", "")
    expiry = np.asarray(table.column("expiry").to_numpy(), dtype="datetime64[D]")
    settle = _floats(table, "settle")
    spot = underlying_close(
        _floats(table, "underlying_close"), np.char.startswith(instrument, "FUT"), expiry,
        settle, on,
    )  # fmt: skip
    return DayChain(
        instrument=instrument,
        expiry=expiry,
        strike=np.nan_to_num(_floats(table, "strike"), nan=0.0),
        option_type=_texts(table, "option_type", "XX"),
        open=_floats(table, "open"),
        high=_floats(table, "high"),
        low=_floats(table, "low"),
        close=_floats(table, "close"),
        settle=settle,
        underlying_close=np.full(table.num_rows, spot),
        open_interest=_ints(table, "open_interest"),
        volume=_ints(table, "volume"),
        lot_size=_ints(table, "lot_size"),
    )


class ImportedChains:
    """Imported NSE F&O bhavcopies as the options engine's chains (`ChainSource`)."""

    def __init__(self, store: FoStore) -> None:
        self.store = store

    def trading_days(self, underlying: str, start: date, end: date) -> list[date]:
        return self.store.trading_days(underlying, start, end)

    def expiries(self, underlying: str, on: date) -> list[date]:
        table = self.store.day_chain(underlying, on)
        options = table.filter(pc.is_valid(table.column("option_type")))
        return sorted(pc.unique(options.column("expiry")).to_pylist())

    def day_chain(self, underlying: str, on: date) -> DayChain:
        return day_chain_of(self.store.day_chain(underlying, on), on)
