"""Properties of every run: money is conserved, caps hold, the past never sees the future."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.backtest.dsl import cmp, doc, ind, num, pos, rule
from tradertape.backtest.engine import BacktestSettings, run_backtest
from tradertape.backtest.synthetic import make_panel
from tradertape.candles.panel import Panel
from tradertape.strategies.builtins import builtin
from tradertape.strategies.compile import random_field
from tradertape.strategies.dsl import BaseModelId, StrategyDocument

SYMBOLS = ("NSE:A", "NSE:B", "NSE:C", "NSE:D")


def _walk(rng: np.random.Generator, days: int) -> dict[str, list[list[float]]]:
    out: dict[str, list[list[float]]] = {"close": [], "open": [], "high": [], "low": []}
    for _ in SYMBOLS:
        ticks = np.maximum(20, 2000 + np.cumsum(rng.integers(-60, 61, days)))
        close = ticks * 0.05
        gap = rng.integers(-30, 31, days) * 0.05
        open_ = np.maximum(0.05, np.round((np.roll(close, 1) + gap) * 20) / 20)
        open_[0] = close[0]
        high = np.maximum(open_, close) + rng.integers(0, 20, days) * 0.05
        low = np.maximum(0.05, np.minimum(open_, close) - rng.integers(0, 20, days) * 0.05)
        for name, values in (("close", close), ("open", open_), ("high", high), ("low", low)):
            out[name].append([round(float(v), 2) for v in values])
    return out


def _panel(seed: int, days: int) -> Panel:
    bars = _walk(np.random.default_rng(seed), days)
    by_symbol: dict[str, dict[str, list[float]]] = {
        f: dict(zip(SYMBOLS, bars[f], strict=True)) for f in bars
    }
    return make_panel(
        by_symbol["close"],
        open_=by_symbol["open"],
        high=by_symbol["high"],
        low=by_symbol["low"],
        sectors={"NSE:A": "IT", "NSE:B": "IT", "NSE:C": "Banks", "NSE:D": "Banks"},
    )


@st.composite
def _runs(draw: st.DrawFn) -> tuple[Panel, StrategyDocument, BacktestSettings]:
    panel = _panel(draw(st.integers(0, 10_000)), draw(st.integers(30, 70)))
    config: dict[str, Any] = {
        "min_hold": draw(st.integers(0, 3)),
        "max_hold": draw(st.sampled_from([None, 4, 8])),
        "atr_stop_mult": draw(st.sampled_from([0, 1.0, 2.5])),
    }
    addons = {
        "enabled": draw(st.booleans()),
        "condition": cmp(pos("unrealized_pct"), "<=", num(-3)),
        "max_addons": 2,
        "size_pct": 50,
    }
    strategy = doc(
        cmp(ind("close"), ">", ind("sma5")),
        [
            rule("target", cmp(pos("unrealized_pct"), ">=", num(4)), ignore_min_hold=True),
            rule("trend", cmp(ind("close"), "<", ind("sma5")), priority=1),
        ],
        config=config,
        addon_rules=addons,
        conviction_scoring=[{"type": "weighted", "operand": ind("close"), "weight": -1}],
    )
    run_settings = BacktestSettings(
        starting_capital=draw(st.sampled_from([50_000.0, 200_000.0])),
        position_size_pct=draw(st.sampled_from([10.0, 30.0, 60.0])),
        max_positions=draw(st.integers(1, 4)),
        max_per_sector=draw(st.sampled_from([None, 1])),
        slippage_bps=draw(st.sampled_from([0.0, 5.0, 50.0])),
        fill_at=draw(st.sampled_from(["next_open", "close"])),
        charges=draw(st.sampled_from(["zerodha", "none", 0.1])),
    )
    return panel, strategy, run_settings


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs())
def test_money_is_conserved_and_caps_hold(run):
    panel, strategy, run_settings = run
    result = run_backtest(strategy, panel, run_settings)
    pnl = sum(t.pnl for t in result.trades)
    assert result.equity[-1] == pytest.approx(run_settings.starting_capital + pnl, rel=1e-9)
    assert result.cash.min() >= -1e-6
    assert result.positions.max() <= run_settings.max_positions
    charges = sum(t.charges for t in result.trades)
    assert result.summary["total_charges"] == pytest.approx(charges)
    if run_settings.charges == "none":
        assert charges == 0
    for trade in result.trades:
        assert trade.quantity > 0
        assert trade.entry_date <= trade.exit_date


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(), cut=st.integers(10, 29))
def test_no_look_ahead(run, cut):
    """Truncating the future changes nothing that was decided before it."""
    panel, strategy, run_settings = run
    short = Panel(
        days=panel.days[:cut],
        keys=panel.keys,
        sectors=panel.sectors,
        sources=panel.sources,
        open=panel.open[:cut],
        high=panel.high[:cut],
        low=panel.low[:cut],
        close=panel.close[:cut],
        volume=panel.volume[:cut],
    )
    full = run_backtest(strategy, panel, run_settings)
    part = run_backtest(strategy, short, run_settings)
    np.testing.assert_array_equal(full.equity[:cut], part.equity)
    last = short.days[-1].astype(object)
    closed_full = [t for t in full.trades if t.exit_date < last]
    closed_part = [t for t in part.trades if t.exit_reason != "end_of_data" and t.exit_date < last]
    assert closed_full == closed_part


def test_dart_monkey_is_seeded():
    panel = _panel(3, 60)
    first = run_backtest(builtin(BaseModelId.V0), panel, BacktestSettings(charges="none"))
    again = run_backtest(builtin(BaseModelId.V0), panel, BacktestSettings(charges="none"))
    assert first.trades == again.trades
    assert len(first.trades) > 0


def test_random_draws_do_not_depend_on_the_range():
    days = np.arange(19_000, 19_100, dtype=np.int64)
    keys = ("NSE:A", "NSE:B")
    whole = random_field(7, days, keys)
    assert np.array_equal(whole[40:], random_field(7, days[40:], keys))
    assert np.array_equal(whole[:, 1:], random_field(7, days, keys[1:]))
    assert 0.45 < whole.mean() < 0.55
    assert not np.array_equal(whole, random_field(8, days, keys))
