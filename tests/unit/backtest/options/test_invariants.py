"""Invariants of any options run on generated chains (futures legs, profit locks, breakout
and momentum entries among them): the money adds up, and no fill lies outside its bar."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradertape.backtest.options.chain import dense
from tradertape.backtest.options.engine import OptionsBacktester, minute_index
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.synthetic import SyntheticChains

START, END = date(2025, 3, 3), date(2025, 3, 14)
SOURCE = SyntheticChains(START, END, seed=11, strikes_each_side=10)

amounts = st.one_of(
    st.none(),
    st.builds(
        lambda unit, value: {"unit": unit, "value": value},
        st.sampled_from(["points", "pct", "rupees"]),
        st.sampled_from([5.0, 20.0, 35.0, 60.0, 2500.0]),
    ),
)
WEEKDAYS = [["mon"], ["wed", "fri"], ["mon", "tue", "wed", "thu", "fri"]]
strikes = st.one_of(
    st.builds(lambda o: {"type": "atm", "offset": o}, st.integers(-3, 3)),
    st.builds(
        lambda t, p: {"type": t, "premium": p},
        st.sampled_from(["closest_premium", "premium_gte", "premium_lte"]),
        st.sampled_from([20.0, 80.0, 150.0]),
    ),
    st.builds(lambda p: {"type": "spot_pct", "pct": p}, st.sampled_from([-1.0, 0.0, 1.5])),
)


@st.composite
def legs(draw: Any) -> dict[str, Any]:
    stop = draw(amounts)
    kind = draw(st.sampled_from(["CE", "PE", "CE", "PE", "FUT"]))
    leg: dict[str, Any] = {
        "option_type": kind,
        "side": draw(st.sampled_from(["buy", "sell"])),
        "lots": draw(st.integers(1, 3)),
        "expiry": {"kind": "weekly", "nth": draw(st.integers(0, 1))},
        "strike": draw(strikes),
        "stop_loss": stop,
        "target": draw(amounts),
    }
    if kind == "FUT":
        del leg["strike"]
    if stop is not None:
        leg["reentry"] = {"times": draw(st.integers(0, 2))}
        if draw(st.booleans()):
            leg["trailing"] = {
                "every": {"unit": "points", "value": 10.0},
                "by": {"unit": "points", "value": 5.0},
            }
    return leg


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    resolution = draw(st.sampled_from(["daily", "minute"]))
    hold = draw(st.sampled_from(["intraday", "expiry"]))
    doc: dict[str, Any] = {
        "name": "fuzzed",
        "underlying": "NIFTY",
        "resolution": resolution,
        "hold": hold,
        "legs": draw(st.lists(legs(), min_size=1, max_size=3)),
        "slippage": {"unit": draw(st.sampled_from(["points", "pct"])),
                     "value": draw(st.sampled_from([0.0, 0.5, 1.0]))},
        "exit": {"move_sl_to_cost": draw(st.booleans())},
        "entry": {"weekdays": draw(st.sampled_from(WEEKDAYS))},
    }  # fmt: skip
    if draw(st.booleans()):
        doc["exit"]["stop_loss"] = {"unit": "rupees", "value": 3000.0}
    if draw(st.booleans()):
        doc["exit"]["lock_profit"] = {"reach": 2000.0, "lock": 500.0} | draw(
            st.sampled_from([{}, {"every": 400.0, "by": 250.0}])
        )
    if resolution == "minute":
        doc["entry"] |= draw(st.sampled_from([
            {},
            {"range_breakout": {"minutes": 15, "breaks": draw(st.sampled_from(["high", "low"]))}},
            {"momentum": {"on": draw(st.sampled_from(["underlying", "premium"])),
                          "move": draw(st.sampled_from(["up", "down"])), "unit": "pct",
                          "value": 0.2}},
        ]))  # fmt: skip
    if resolution == "daily":
        doc["daily"] = {
            "entry": "open" if hold == "intraday" else draw(st.sampled_from(["open", "close"]))
        }
    return doc


def _bar_range(trade: Any, day: date, at: Any, resolution: str) -> tuple[float, float]:
    code = "XX" if trade.option_type == "FUT" else trade.option_type
    if resolution == "daily":
        chain = SOURCE.day_chain("NIFTY", day)
        row = chain.row(trade.expiry, float(trade.strike), code)
        assert row is not None
        return float(chain.low[row]), float(chain.high[row])
    bars = SOURCE.option_minutes("NIFTY", day, trade.expiry, float(trade.strike), code)
    _, h, lo, _ = dense(bars)
    m = minute_index(at)
    return float(lo[m]), float(h[m])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_money_adds_up_and_every_fill_lies_in_its_bar(doc: dict[str, Any]) -> None:
    strategy = OptionStrategy.model_validate(doc)
    run = OptionsBacktester(strategy, SOURCE, SOURCE).run(START, END)
    results = summarize(run)
    gross = Decimal(0)
    slippage = Decimal(0)
    for t in run.trades:
        assert (t.entry_day, t.entry_time or t.entry_day) <= (t.exit_day, t.exit_time or t.exit_day)
        assert t.gross == t.sign * (t.exit_price - t.entry_price) * t.quantity
        # slippage is adverse: a buy fills at or above the market, a sell at or below
        for price, fill, buying in (
            (t.entry_price, t.entry_fill, t.sign > 0),
            (t.exit_price, t.exit_fill, t.sign < 0),
        ):
            assert fill >= price if buying else fill <= price
        gross += t.gross
        slippage += t.slippage
        low, high = _bar_range(t, t.entry_day, t.entry_time, strategy.resolution)
        assert low - 1e-9 <= float(t.entry_price) <= high + 1e-9
        if t.reason != "settlement":
            low, high = _bar_range(t, t.exit_day, t.exit_time, strategy.resolution)
            assert low - 1e-9 <= float(t.exit_price) <= high + 1e-9
    charges = sum((c.total for c in results.charges_by_day), Decimal(0))
    assert results.gross == gross
    assert results.slippage == slippage
    assert results.charges == charges
    assert results.net == gross - slippage - charges
    assert math.isclose(results.final_equity, float(results.capital + results.net), abs_tol=1e-6)
    assert all(p.drawdown <= 0 for p in results.curve)
    assert np.isclose(sum(p.pnl for p in results.curve), float(results.net), atol=1e-6)
