"""Loading the instrument reference data shipped in ``tradertape/domain/data/instruments``.

Real NSE symbols, ISINs, sectors and industries for the NIFTY 500 and its sub-universes,
the main indices, and the F&O underlyings with lot sizes (see SOURCES.md there). Read
once per process; parsing is separate from file access so it is testable on strings.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib.resources import files

from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    synthetic_token,
)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def parse_reference_data(
    *, equities: str, indices: str, universes: str, fno: str
) -> InstrumentCatalog:
    """Build a catalog from the four shipped CSV texts."""
    lots = {row["symbol"]: int(row["lot_size"]) for row in _rows(fno)}
    instruments: list[Instrument] = []
    for row in _rows(equities):
        instruments.append(
            Instrument(
                exchange=Exchange.NSE,
                tradingsymbol=row["symbol"],
                instrument_type=InstrumentType.EQ,
                name=row["name"],
                instrument_token=synthetic_token(Exchange.NSE, row["symbol"]),
                isin=row["isin"],
                sector=row["sector"],
                industry=row["industry"],
            )
        )
    for row in _rows(indices):
        exchange = Exchange(row["exchange"])
        instruments.append(
            Instrument(
                exchange=exchange,
                tradingsymbol=row["kite_symbol"],
                instrument_type=InstrumentType.INDEX,
                name=row["name"],
                instrument_token=synthetic_token(exchange, row["kite_symbol"], index=True),
                tick_size=Decimal("0.05"),
                lot_size=lots.get(row["symbol"], 1),
                underlying=row["symbol"],
                upstox_key=row["upstox_key"],
            )
        )
    members: Mapping[str, list[str]] = defaultdict(list)
    for row in _rows(universes):
        members[row["universe"]].append(f"NSE:{row['symbol']}")
    return InstrumentCatalog(instruments, members)


def fno_lot_sizes(text: str) -> dict[str, int]:
    """Underlying → lot size, from ``fno_underlyings.csv``."""
    return {row["symbol"]: int(row["lot_size"]) for row in _rows(text)}


def _read(name: str) -> str:
    return (files("tradertape.domain") / "data" / "instruments" / name).read_text(encoding="utf-8")


@cache
def reference_catalog() -> InstrumentCatalog:
    """The shipped catalog (NSE equities of the NIFTY 500, indices, universes)."""
    return parse_reference_data(
        equities=_read("equities.csv"),
        indices=_read("indices.csv"),
        universes=_read("universes.csv"),
        fno=_read("fno_underlyings.csv"),
    )
