"""`ImportedMinutes`: the imported minute candles (`candles.fo_minutes.FoMinuteStore`) as the
options engine's `MinuteSource`, beside `ImportedChains` (the day's chain, from the F&O
bhavcopy, chooses the strikes; the minutes price the legs)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from tradertape.backtest.options.chain import MinuteBars
from tradertape.candles.fo_minutes import FoMinuteStore, Kind, MinuteContract


def _bars(table: pa.Table | None) -> MinuteBars | None:
    if table is None:
        return None
    return MinuteBars(
        minute=np.asarray(table.column("minute").to_numpy(), dtype=np.int64),
        open=np.asarray(table.column("open").to_numpy(), dtype=np.float64),
        high=np.asarray(table.column("high").to_numpy(), dtype=np.float64),
        low=np.asarray(table.column("low").to_numpy(), dtype=np.float64),
        close=np.asarray(table.column("close").to_numpy(), dtype=np.float64),
    )


class ImportedMinutes:
    """Imported minute candles of an underlying's index and contracts (`MinuteSource`)."""

    def __init__(self, store: FoMinuteStore) -> None:
        self.store = store

    def underlying_minutes(self, underlying: str, on: date) -> MinuteBars | None:
        return _bars(self.store.bars(MinuteContract(underlying, "IDX"), on))

    def option_minutes(
        self, underlying: str, on: date, expiry: date, strike: float, option_type: str
    ) -> MinuteBars | None:
        """One option's bars (``XX``: the future of `expiry`, as the bhavcopy spells it)."""
        if option_type == "XX":
            return _bars(self.store.bars(MinuteContract(underlying, "FUT", expiry), on))
        kind: Kind = "CE" if option_type == "CE" else "PE"
        return _bars(self.store.bars(MinuteContract(underlying, kind, expiry, strike), on))
