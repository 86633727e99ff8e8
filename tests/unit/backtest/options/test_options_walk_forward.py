"""A walk-forward over an options strategy, worked: a daily NIFTY short straddle held
intraday, its stop-loss on each leg 20 % or 60 % of the entry premium (the grid), on
generated chains (seed 5) from January to June 2025.

Folds of 40 trading days in sample and 20 out, rolling: each fold picks the stop with the
better in-sample Sharpe, and its out-of-sample figures are a fresh run of the options engine
over exactly the out-of-sample window (checked here against such a run, the net to the
paisa). The stitched curve compounds the chosen variants' out-of-sample session returns from
the straddle's capital, and the verdict carries the equity walk-forward's statistics.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.sweep import GridError, OptionsAxis
from tradertape.backtest.options.synthetic import SyntheticChains
from tradertape.backtest.options.walk_forward import (
    OptionsVariant,
    OptionsWalkForwardSpec,
    check_numeric,
    grid_variant,
    options_walk_forward,
)
from tradertape.backtest.walk_forward import FoldPlan, NoFolds, make_folds

START, END = date(2025, 1, 1), date(2025, 6, 30)
CHAINS = SyntheticChains(date(2024, 12, 20), date(2025, 7, 10), seed=5, strikes_each_side=8)
STOPS = (20.0, 60.0)


def _straddle(stop: float) -> OptionStrategy:
    leg: dict[str, Any] = {
        "side": "sell",
        "lots": 1,
        "expiry": {"kind": "weekly", "nth": 0},
        "strike": {"type": "atm", "offset": 0},
        "stop_loss": {"unit": "pct", "value": stop},
    }
    return OptionStrategy.model_validate(
        {
            "name": f"Straddle, stop {stop:g} %",
            "underlying": "NIFTY",
            "legs": [{**leg, "option_type": "CE"}, {**leg, "option_type": "PE"}],
        }
    )


VARIANTS = [OptionsVariant({"legs[*].stop_loss": stop}, _straddle(stop)) for stop in STOPS]
PLAN = FoldPlan(in_sample_days=40, out_of_sample_days=20)


@pytest.fixture(scope="module")
def walked() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return options_walk_forward(
        VARIANTS, CHAINS, CHAINS, start=START, end=END, plan=PLAN, pbo_blocks=4
    )


def test_each_fold_chooses_the_in_sample_best_and_scores_it_on_days_it_never_saw(
    walked: tuple[list[dict[str, Any]], dict[str, Any]],
):
    folds, _ = walked
    days = CHAINS.trading_days("NIFTY", START, END)
    assert len(folds) == (len(days) - 40) // 20 + (1 if (len(days) - 40) % 20 >= 2 else 0)
    assert folds[0]["in_start"] == days[0].isoformat()
    assert folds[0]["out_start"] == days[40].isoformat()
    for fold in folds:
        assert fold["in_end"] < fold["out_start"]
        assert {cell["variant"] for cell in fold["grid"]} == {0, 1}
        best = max(fold["grid"], key=lambda c: c["in_sample"] or -math.inf)
        assert fold["chosen"] == best["variant"]
        assert fold["params"] == {"legs[*].stop_loss": STOPS[fold["chosen"]]}
        # the chosen stop's out-of-sample part is the engine's run over that window alone
        alone = OptionsBacktester(VARIANTS[fold["chosen"]].strategy, CHAINS, CHAINS).run(
            date.fromisoformat(fold["out_start"]), date.fromisoformat(fold["out_end"])
        )
        assert fold["out_of_sample"]["net"] == str(summarize(alone).net)
        assert (fold["days"][0], fold["days"][-1]) == (fold["out_start"], fold["out_end"])


def test_the_stitched_curve_compounds_the_chosen_out_of_sample_returns(
    walked: tuple[list[dict[str, Any]], dict[str, Any]],
):
    folds, summary = walked
    returns = [r for f in folds for r in f["returns"][str(f["chosen"])]]
    stitched = summary["stitched"]
    assert stitched["days"] == [d for f in folds for d in f["days"]]
    expected = 500_000.0 * np.cumprod(1.0 + np.asarray(returns))
    assert stitched["equity"] == [round(float(v), 2) for v in expected]
    # the first fold's first out-of-sample day: its P&L over the straddle's capital
    first = folds[0]
    alone = summarize(
        OptionsBacktester(VARIANTS[first["chosen"]].strategy, CHAINS, CHAINS).run(
            date.fromisoformat(first["out_start"]), date.fromisoformat(first["out_end"])
        )
    )
    assert returns[0] == pytest.approx(alone.curve[0].pnl / 500_000.0, abs=1e-10)
    assert summary["stability"][0]["path"] == "legs[*].stop_loss"
    assert summary["stability"][0]["chosen"] == [STOPS[f["chosen"]] for f in folds]
    assert summary["deflated_sharpe"]["trials"] == 2
    assert 0.0 <= summary["deflated_sharpe"]["dsr"] <= 1.0
    assert summary["pbo"]["splits"] == 6  # C(4, 2)
    assert 0.0 <= summary["pbo"]["pbo"] <= 1.0


def test_a_range_too_short_for_a_fold_is_refused():
    with pytest.raises(NoFolds):
        options_walk_forward(
            VARIANTS, CHAINS, CHAINS, start=START, end=date(2025, 2, 10), plan=PLAN
        )


@given(
    stops=st.lists(st.integers(5, 95), min_size=1, max_size=5, unique=True),
    offsets=st.lists(st.integers(-3, 3), min_size=1, max_size=4, unique=True),
    days=st.integers(45, 130),
)
@settings(max_examples=40, deadline=None)
def test_the_jobs_chunks_cover_every_cell_of_every_fold_once(
    stops: list[int], offsets: list[int], days: int
):
    """Chunk index ``i`` is fold ``i // width``, cell ``i % width``, as an equity
    walk-forward's: the folds' indices partition the run, and each names its own fold and
    the grid's cell (whose values are the variant's params)."""
    grid = (
        OptionsAxis(parameter="stop_loss", values=list(stops)),
        OptionsAxis(parameter="strike", values=list(offsets)),
    )
    trading = CHAINS.trading_days("NIFTY", START, END)[:days]
    spec = OptionsWalkForwardSpec(_straddle(20.0), grid, tuple(make_folds(trading, PLAN)))
    assert spec.width == len(stops) * len(offsets)
    seen = [i for fold in spec.folds for i in spec.fold_indices(fold.index)]
    assert sorted(seen) == list(range(spec.size))
    for fold in spec.folds:
        for i in spec.fold_indices(fold.index):
            assert spec.folds[i // spec.width] is fold
    cell = grid_variant(spec.strategy, grid, spec.width - 1)
    assert cell.params == {"legs[*].stop_loss": stops[-1], "legs[*].strike": offsets[-1]}


def test_a_grid_of_times_of_day_is_refused_naming_the_parameter():
    times = OptionsAxis(parameter="entry_time", values=["09:20", "10:00"])
    with pytest.raises(GridError) as refused:
        check_numeric([OptionsAxis(parameter="lots", values=[1, 2]), times])
    assert refused.value.field == "parameters[1]"
