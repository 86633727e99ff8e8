"""Sweeps: the grid, the paths a variant changes, and the in-/out-of-sample split."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from tests.unit.backtest.dsl import cmp, doc, ind, num, rule
from tradertape.backtest.engine import BacktestSettings, run_backtest
from tradertape.backtest.executors import SerialExecutor
from tradertape.backtest.sweep import (
    METRICS,
    BadParameter,
    SweepMarket,
    SweepSpec,
    grid,
    inputs_of,
    run_variant,
    sweepables,
)
from tradertape.backtest.sweep_request import SweepParameter
from tradertape.backtest.synthetic import make_panel
from tradertape.indicators import IndicatorBook

SETTINGS = BacktestSettings(
    starting_capital=100_000, position_size_pct=30, max_positions=2, charges="none"
)
DAYS = 90


def _closes(phase: float, drift: float) -> list[float]:
    return [100 + drift * t + 8 * math.sin(t / 4 + phase) for t in range(DAYS)]


PANEL = make_panel(
    {"NSE:A": _closes(0.0, 0.2), "NSE:B": _closes(1.5, 0.1), "NSE:C": _closes(3.0, -0.05)}
)
STRATEGY = doc(
    cmp(ind("close"), ">", ind("sma5")),
    [rule("below", cmp(ind("rsi7"), "<", num(45)))],
    config={"min_hold": 2},
)
DAY = PANEL.days.astype("datetime64[D]").astype(object)
MARKET = SweepMarket(
    panel=PANEL, benchmark=None, benchmark_source=None, start=DAY[20], split=DAY[55], end=DAY[-1]
)


def _spec(*axes: tuple[str, tuple[float, ...]]) -> SweepSpec:
    return SweepSpec(document=STRATEGY.model_dump(mode="json"), settings=SETTINGS, axes=axes)


def _figures(summary: dict[str, object]) -> dict[str, object]:
    return {key: summary[key] for key in ("total_trades", "final_equity", "max_drawdown")}


def _rounded(row: dict[str, object]) -> dict[str, object]:
    return {key: row[key] for key in ("total_trades", "final_equity", "max_drawdown")}


def test_in_and_out_of_sample_are_two_runs_cut_at_the_split():
    spec = _spec(("config.min_hold", (2.0,)))
    row = run_variant(MARKET, IndicatorBook.from_panel(PANEL), spec, 0)
    inside, outside = row["in_sample"], row["out_of_sample"]
    # in-sample: from the start to the day before the split; out-of-sample: the split on
    assert (inside["first_day"], inside["last_day"]) == (DAY[20].isoformat(), DAY[54].isoformat())
    assert (outside["first_day"], outside["last_day"]) == (
        DAY[55].isoformat(),
        DAY[-1].isoformat(),
    )
    # each part equals a plain backtest of its own range: the in-sample one on a panel that
    # ends the day before the split (nothing after it leaks in), each from its own capital
    cut = make_panel({k: list(PANEL.close[:55, j]) for j, k in enumerate(PANEL.keys)}, start=DAY[0])
    alone_in = run_backtest(STRATEGY, cut, SETTINGS, trade_from=DAY[20])
    alone_out = run_backtest(STRATEGY, PANEL, SETTINGS, trade_from=DAY[55])
    assert alone_in.days[-1] == np.datetime64(DAY[54])
    assert _rounded(inside) == pytest.approx(_figures(dict(alone_in.summary)), abs=1e-4)
    assert _rounded(outside) == pytest.approx(_figures(dict(alone_out.summary)), abs=1e-4)
    assert alone_in.summary["total_trades"] + alone_out.summary["total_trades"] > 0
    assert set(METRICS) <= set(inside)


def test_a_variant_runs_the_document_its_values_make():
    spec = _spec(
        ("entry_rules.right.name", (5.0, 10.0)),
        ("exit_rules.0.condition.right.value", (40.0, 55.0)),
        ("settings.max_positions", (1.0, 3.0)),
    )
    assert spec.size == 8
    assert spec.variant(5) == {
        "entry_rules.right.name": 10.0,
        "exit_rules.0.condition.right.value": 40.0,
        "settings.max_positions": 3.0,
    }
    assert [spec.variant(i) for i in range(8)] == grid(spec.axes)
    document, settings = inputs_of(spec, spec.variant(5))
    assert document.entry_rules.right.name == "sma10"  # type: ignore[union-attr]
    assert document.exit_rules[0].condition.right.value == 40.0  # type: ignore[union-attr]
    assert settings.max_positions == 3
    assert STRATEGY.entry_rules.right.name == "sma5"  # type: ignore[union-attr]  # untouched

    book = IndicatorBook.from_panel(PANEL)
    row = run_variant(MARKET, book, spec, 5)
    direct = run_backtest(document, PANEL, settings, trade_from=MARKET.split)
    assert _rounded(row["out_of_sample"]) == pytest.approx(_figures(dict(direct.summary)), abs=1e-4)


def test_the_serial_executor_shares_one_book_across_variants():
    spec = _spec(("entry_rules.right.name", (5.0, 10.0, 15.0)), ("config.min_hold", (0.0, 4.0)))
    executor = SerialExecutor(MARKET, spec)
    rows = executor.submit(list(range(spec.size))).result()
    assert [r["index"] for r in rows] == list(range(6))
    assert all(r["error"] is None for r in rows)
    assert {"sma5", "sma10", "sma15"} <= set(executor._book.names())


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        pytest.param("entry_rules.nope", 1.0, "no 'nope'", id="unknown-key"),
        pytest.param("exit_rules.3.priority", 1.0, "no item 3", id="past-the-list"),
        pytest.param("entry_rules.left.name", 5.0, "no length", id="close-has-no-length"),
        pytest.param("entry_rules.right.name", 2.5, "not a whole number", id="fraction"),
        pytest.param("entry_rules.right.name", 5000.0, "sma", id="too-long"),
        pytest.param("config.min_hold", -1.0, "min_hold", id="refused-by-the-dsl"),
        pytest.param("settings.fill_at", 1.0, "not a sweepable setting", id="setting"),
        pytest.param("exit_rules.0.name", 1.0, "not a number", id="text"),
    ],
)
def test_paths_and_values_the_strategy_refuses(path: str, value: float, message: str):
    with pytest.raises(BadParameter, match=message):
        inputs_of(_spec((path, (value,))), {path: value})


def test_a_range_is_spelled_out_in_decimal_steps():
    values = SweepParameter(path="x", start=0.1, stop=0.5, step=0.1).expanded()
    assert values == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert SweepParameter(path="x", values=[3, 1, 3]).expanded() == (3.0, 1.0)


def test_sweepables_name_lengths_thresholds_holds_and_caps():
    found = {s.path: s for s in sweepables(STRATEGY.model_dump(mode="json"), SETTINGS)}
    assert found["entry_rules.right.name"].value == 5.0
    assert found["entry_rules.right.name"].kind == "indicator_length"
    assert found["entry_rules.right.name"].label == "Entry: SMA 5 length (close > SMA 5)"
    assert found["exit_rules.0.condition.right.value"].label == "Exit below: threshold (RSI 7 < 45)"
    assert found["config.min_hold"].value == 2.0
    assert found["settings.max_positions"].value == 2.0
    assert "entry_rules.left.name" not in found  # the close has no length
    for choice in found.values():
        if choice.value is not None:
            inputs_of(_spec((choice.path, (choice.value,))), {choice.path: choice.value})
    assert date(2024, 1, 1) <= DAY[0]
