"""Minute resolution by hand: a trailing stop that moves on one bar's low and fills on a
later bar's high, and a leg without stops squared off at the exit time's open."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import numpy as np

from tradertape.backtest.options.chain import MINUTES_PER_DAY, MinuteBars
from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.synthetic import InMemoryChains
from tradertape.domain.charges import Fill, Segment, Side, compute_charges

DAY, EXPIRY = date(2025, 1, 6), date(2025, 1, 9)
PREVIOUS = date(2025, 1, 3)


def _flat(price: float, changes: dict[int, tuple[float, float, float, float]]) -> MinuteBars:
    bars = np.full((4, MINUTES_PER_DAY), price)
    for minute, ohlc in changes.items():
        bars[:, minute] = ohlc
    return MinuteBars(np.arange(MINUTES_PER_DAY), *bars)


def source() -> InMemoryChains:
    rows = [
        {"day": d, "expiry": EXPIRY, "strike": float(k), "option_type": t, "open": 90.0,
         "high": 120.0, "low": 80.0, "close": 100.0, "underlying_close": 22510.0,
         "lot_size": 75}
        for d in (PREVIOUS, DAY) for k in (22400, 22500, 22600) for t in ("CE", "PE")
    ]  # fmt: skip
    base = InMemoryChains.from_rows("NIFTY", rows)
    minutes = {
        # the call: entry at 09:20's open 100; its low 88 at 09:21 moves the stop 120 → 110;
        # 09:22 trades up to 111: the stop fills at 110
        ("NIFTY", DAY, EXPIRY, 22500.0, "CE"): _flat(
            100.0, {5: (100, 102, 95, 96), 6: (96, 97, 88, 90), 7: (90, 111, 89, 105)}
        ),
        # the put: bought at 80, no stop, sold at 15:15's open, 70
        ("NIFTY", DAY, EXPIRY, 22500.0, "PE"): _flat(80.0, {360: (70, 71, 69, 70)}),
    }
    under = {("NIFTY", DAY): _flat(22510.0, {})}
    return InMemoryChains(
        {"NIFTY": {d: base.day_chain("NIFTY", d) for d in (PREVIOUS, DAY)}},
        minutes=minutes,
        underlying_minutes=under,
    )


def test_a_trailing_stop_and_a_time_exit_on_minute_bars():
    strategy = OptionStrategy.model_validate(
        {
            "name": "minute legs",
            "underlying": "NIFTY",
            "resolution": "minute",
            "entry": {"time": "09:20"},
            "exit": {"time": "15:15"},
            "legs": [
                {
                    "option_type": "CE",
                    "side": "sell",
                    "stop_loss": {"unit": "points", "value": 20},
                    "trailing": {
                        "every": {"unit": "points", "value": 10},
                        "by": {"unit": "points", "value": 10},
                    },
                },
                {"option_type": "PE", "side": "buy"},
            ],
        }  # fmt: skip
    )
    chains = source()
    run = OptionsBacktester(strategy, chains, chains).run(DAY, DAY)
    seen = [
        (t.option_type, t.entry_time, t.entry_price, t.exit_time, t.exit_price, t.reason, t.gross)
        for t in run.trades
    ]
    assert seen == [
        ("CE", time(9, 20), Decimal("100.00"), time(9, 22), Decimal("110.00"), "trailing_stop",
         Decimal("-750.00")),
        ("PE", time(9, 20), Decimal("80.00"), time(15, 15), Decimal("70.00"), "time",
         Decimal("-750.00")),
    ]  # fmt: skip
    fills = [
        Fill("a", Segment.OPTIONS, Side.SELL, 75, Decimal("100.00")),
        Fill("b", Segment.OPTIONS, Side.BUY, 75, Decimal("110.00")),
        Fill("c", Segment.OPTIONS, Side.BUY, 75, Decimal("80.00")),
        Fill("d", Segment.OPTIONS, Side.SELL, 75, Decimal("70.00")),
    ]
    expected = compute_charges(fills, DAY).total
    results = summarize(run)
    assert results.charges == expected
    assert results.net == Decimal("-1500.00") - expected
