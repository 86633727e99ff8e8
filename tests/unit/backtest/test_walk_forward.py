"""Walk-forward: the folds' days, a fold's choice and its runs, stitching and the verdict."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.backtest.dsl import cmp, doc, ind, num, rule
from tradertape.backtest.engine import BacktestSettings, run_backtest
from tradertape.backtest.executors import SerialExecutor
from tradertape.backtest.sweep import SweepMarket, SweepSpec
from tradertape.backtest.synthetic import make_panel
from tradertape.backtest.walk_forward import (
    Fold,
    FoldPlan,
    NoFolds,
    WalkForwardSpec,
    fold_result,
    make_folds,
    sample_variants,
    summarise,
    trading_days,
)
from tradertape.indicators import IndicatorBook

DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(20)]


def test_rolling_folds_move_the_in_sample_window_along():
    folds = make_folds(DAYS, FoldPlan(in_sample_days=6, out_of_sample_days=4))
    spans = [(f.in_start.day, f.in_end.day, f.out_start.day, f.out_end.day) for f in folds]
    # out-of-sample windows follow one another from day 7; each in-sample is the 6 before
    assert spans == [(1, 6, 7, 10), (5, 10, 11, 14), (9, 14, 15, 18), (13, 18, 19, 20)]


def test_anchored_folds_grow_from_the_first_day_and_gaps_leave_days_out():
    plan = FoldPlan(6, 5, anchored=True, purge_days=1, embargo_days=1)
    folds = make_folds(DAYS, plan)
    spans = [(f.in_start.day, f.in_end.day, f.out_start.day, f.out_end.day) for f in folds]
    # the purge leaves day 7 out of the first in-sample; the embargo leaves day 8 unscored;
    # the last window (18-20) is short but scores two days after its embargo: kept
    assert spans == [(1, 6, 9, 12), (1, 11, 14, 17), (1, 16, 19, 20)]


def test_a_last_window_too_short_to_score_is_dropped_and_no_fold_is_refused():
    folds = make_folds(DAYS, FoldPlan(in_sample_days=10, out_of_sample_days=9))
    assert [(f.out_start.day, f.out_end.day) for f in folds] == [(11, 19)]  # day 20 alone: dropped
    with pytest.raises(NoFolds, match="20 trading days"):
        make_folds(DAYS, FoldPlan(in_sample_days=19, out_of_sample_days=5))


@given(
    n=st.integers(5, 300),
    inside=st.integers(1, 60),
    outside=st.integers(1, 60),
    anchored=st.booleans(),
    purge=st.integers(0, 5),
    embargo=st.integers(0, 5),
)
def test_folds_never_look_ahead(n, inside, outside, anchored, purge, embargo):
    days = [date(2020, 1, 1) + timedelta(days=i) for i in range(n)]
    try:
        folds = make_folds(days, FoldPlan(inside, outside, anchored, purge, embargo))
    except NoFolds:
        return
    for fold in folds:
        assert fold.in_start <= fold.in_end
        assert (fold.out_start - fold.in_end).days == 1 + purge + embargo
        assert (fold.out_end - fold.out_start).days + 1 >= 2
    for before, after in zip(folds, folds[1:], strict=False):
        assert before.out_end < after.out_start  # scored windows never overlap


def test_random_search_draws_the_same_sample_each_time():
    assert sample_variants(5, None, 1) == (0, 1, 2, 3, 4)
    drawn = sample_variants(100, 7, 42)
    assert drawn == sample_variants(100, 7, 42)
    assert len(set(drawn)) == 7
    assert list(drawn) == sorted(drawn)


SETTINGS = BacktestSettings(
    starting_capital=100_000, position_size_pct=30, max_positions=2, charges="none"
)


def _closes(phase: float, drift: float, n: int) -> list[float]:
    return [100 + drift * t + 8 * math.sin(t / 4 + phase) for t in range(n)]


PANEL = make_panel(
    {
        "NSE:A": _closes(0.0, 0.2, 120),
        "NSE:B": _closes(1.5, 0.1, 120),
        "NSE:C": _closes(3.0, -0.05, 120),
    }
)
STRATEGY = doc(
    cmp(ind("close"), ">", ind("sma5")),
    [rule("below", cmp(ind("rsi7"), "<", num(45)))],
    config={"min_hold": 2},
)
DAY = PANEL.days.astype("datetime64[D]").astype(object)
MARKET = SweepMarket(
    panel=PANEL, benchmark=None, benchmark_source=None, start=DAY[20], split=DAY[20], end=DAY[-1]
)


def _spec() -> WalkForwardSpec:
    sweep = SweepSpec(
        document=STRATEGY.model_dump(mode="json"),
        settings=SETTINGS,
        axes=(("config.min_hold", (1.0, 3.0, 6.0)),),
    )
    days = trading_days(PANEL, DAY[20], DAY[-1])
    folds = make_folds(days, FoldPlan(in_sample_days=30, out_of_sample_days=20))
    return WalkForwardSpec(sweep=sweep, folds=tuple(folds), variants=(0, 1, 2))


def test_each_part_of_a_fold_is_a_fresh_run_of_its_own_days():
    spec = _spec()
    assert len(spec.folds) == 4  # 100 days: 30 in-sample, then windows of 20, 20, 20, 10
    fold = spec.folds[1]
    row = spec.run_one(MARKET, IndicatorBook.from_panel(PANEL), 1 * 3 + 2)
    assert (row["fold"], row["variant"], row["params"]) == (1, 2, {"config.min_hold": 6.0})
    assert row["out_of_sample"]["first_day"] == fold.out_start.isoformat()
    assert row["out_of_sample"]["last_day"] == fold.out_end.isoformat()
    assert row["in_sample"]["first_day"] == fold.in_start.isoformat()
    # the out-of-sample part equals a plain backtest of those days, from its own capital
    varied = STRATEGY.model_copy(
        update={"config": STRATEGY.config.model_copy(update={"min_hold": 6})}
    )
    alone = run_backtest(
        varied,
        PANEL,
        SETTINGS,
        trade_from=fold.out_start,
        trade_until=fold.out_end + timedelta(days=1),
    )
    assert row["out_of_sample"]["final_equity"] == pytest.approx(float(alone.equity[-1]), abs=1e-3)
    # its session returns compound back to that equity
    assert 100_000 * np.prod(1 + np.asarray(row["returns"])) == pytest.approx(alone.equity[-1])
    assert len(row["returns"]) == len(row["days"]) == 20


def _row(
    fold: int, variant: int, inside: float, outside: float, returns: list[float]
) -> dict[str, Any]:
    return {
        "fold": fold,
        "variant": variant,
        "params": {"p": float(variant)},
        "in_sample": {"sharpe": inside, "cagr": inside * 10},
        "out_of_sample": {"sharpe": outside, "cagr": outside * 10},
        "returns": returns,
        "days": [f"2024-01-0{fold * 2 + i + 1}" for i in range(len(returns))],
        "error": None,
    }


FOLD = Fold(0, date(2024, 1, 1), date(2024, 1, 5), date(2024, 1, 6), date(2024, 1, 9))


def test_a_fold_chooses_its_in_sample_best_and_scores_it_out_of_sample():
    rows = [
        _row(0, 1, 2.0, -0.5, [0.0, 0.0]),
        _row(0, 0, 1.0, 1.5, [0.0, 0.0]),
        {**_row(0, 2, 0, 0, []), "in_sample": None, "out_of_sample": None, "error": "refused"},
    ]
    found = fold_result(FOLD, rows, objective="sharpe")
    assert (found["chosen"], found["params"]) == (1, {"p": 1.0})
    assert found["degradation"] == {"sharpe_drop": 2.5, "efficiency": -0.25}
    assert found["oos_rank"] == 2  # variant 0 did better out of sample
    assert found["failed"] == 1
    assert [g["variant"] for g in found["grid"]] == [0, 1, 2]
    assert set(found["returns"]) == {"0", "1"}


def test_the_stitched_curve_compounds_the_chosen_variants_out_of_sample_days():
    folds = [
        fold_result(
            FOLD,
            [_row(0, 0, 1.0, 0.0, [0.1, 0.0]), _row(0, 1, 0.5, 0, [0.0, 0.0])],
            objective="sharpe",
        ),
        fold_result(
            FOLD,
            [_row(1, 0, 0.5, 0.0, [0.0, 0.0]), _row(1, 1, 1.0, 0, [-0.5, 0.0])],
            objective="sharpe",
        ),
    ]
    found = summarise(folds, paths=["p"], capital=1000.0, pbo_blocks=2)
    # fold 0 chose variant 0 (+10 %, flat), fold 1 variant 1 (-50 %, flat)
    assert found["stitched"]["equity"] == [1100.0, 1100.0, 550.0, 550.0]
    assert found["stitched"]["total_return"] == -45.0
    assert found["stitched"]["max_drawdown"] == -50.0
    stability = found["stability"][0]
    assert (stability["chosen"], stability["distinct"], stability["mode_share"]) == (
        [0.0, 1.0],
        2,
        0.5,
    )
    # two variants over four stitched days: PBO over C(2, 1) = 2 splits, DSR over 2 trials
    assert found["pbo"]["splits"] == 2
    assert found["pbo"]["trials"] == 2
    assert found["deflated_sharpe"]["trials"] == 2
    assert found["deflated_sharpe"]["observations"] == 4


def test_a_walk_forward_on_the_serial_executor_gives_every_fold_a_choice():
    spec = _spec()
    executor = SerialExecutor(MARKET, spec)
    rows = executor.submit(list(range(spec.size))).result()
    folds = [
        fold_result(fold, [r for r in rows if r["fold"] == fold.index], objective="sharpe")
        for fold in spec.folds
    ]
    assert all(f["chosen"] in (0, 1, 2) for f in folds)
    found = summarise(folds, paths=["config.min_hold"], capital=100_000, pbo_blocks=4)
    assert len(found["stitched"]["days"]) == 70  # 20 + 20 + 20 + 10 scored days
    assert found["stitched"]["days"][0] == spec.folds[0].out_start.isoformat()
    assert 0 <= found["pbo"]["pbo"] <= 1
    assert 0 <= found["deflated_sharpe"]["dsr"] <= 1
    assert found["deflated_sharpe"]["trials"] == 3


def test_an_intraday_strategy_folds_by_session():
    from datetime import time

    from tradertape.candles.panel import Panel, session_bars
    from tradertape.domain.calendar_data import nse_calendar

    starts, ends = session_bars(nse_calendar(), date(2025, 3, 3), date(2025, 3, 21), 60)
    rng = np.random.default_rng(3)
    close = np.round(1000 * np.exp(np.cumsum(rng.normal(0, 0.004, starts.size))) * 20) / 20
    columns = np.stack([close, close[::-1].copy()], axis=1)
    opens = np.vstack([columns[:1], columns[:-1]])
    panel = Panel(
        days=starts,
        keys=("NSE:A", "NSE:B"),
        sectors=(None, None),
        sources=("import", "import"),
        open=np.asfortranarray(opens),
        high=np.asfortranarray(np.maximum(opens, columns)),
        low=np.asfortranarray(np.minimum(opens, columns)),
        close=np.asfortranarray(columns),
        volume=np.asfortranarray(np.ones_like(columns)),
        ends=ends,
    )
    sessions = trading_days(panel, date(2025, 3, 3), date(2025, 3, 21))
    assert sessions[0] == date(2025, 3, 3)
    assert len(sessions) == len(set(sessions)) < starts.size  # dates, not bars
    document = doc(
        cmp(ind("close"), ">", ind("sma3")), [rule("down", cmp(ind("close"), "<", num(900)))]
    )
    mis = BacktestSettings(
        starting_capital=100_000, position_size_pct=20, max_positions=2, charges="none",
        product="MIS", square_off_at=time(15, 20),
    )  # fmt: skip
    sweep = SweepSpec(
        document=document.model_dump(mode="json"),
        settings=mis,
        axes=(("entry_rules.right.name", (3.0, 5.0)),),
    )
    folds = make_folds(sessions, FoldPlan(in_sample_days=4, out_of_sample_days=3))
    spec = WalkForwardSpec(sweep=sweep, folds=tuple(folds), variants=(0, 1))
    market = SweepMarket(
        panel=panel, benchmark=None, benchmark_source=None,
        start=sessions[0], split=folds[0].out_start, end=sessions[-1],
    )  # fmt: skip
    rows = SerialExecutor(market, spec).submit(list(range(spec.size))).result()
    for row in rows:
        fold = spec.folds[row["fold"]]
        assert row["error"] is None
        assert row["days"][0] == fold.out_start.isoformat()
        assert row["days"][-1] == fold.out_end.isoformat()
        assert len(row["returns"]) == len(row["days"])  # a return per session
    found = summarise(
        [
            fold_result(f, [r for r in rows if r["fold"] == f.index], objective="sharpe")
            for f in folds
        ],
        paths=["entry_rules.right.name"],
        capital=100_000,
        pbo_blocks=2,
    )
    assert len(found["stitched"]["days"]) == sum(
        1 for d in sessions if folds[0].out_start <= d <= folds[-1].out_end
    )
