"""The grid of an options sweep: one or two leg parameters expanded into whole documents,
row-major, every value checked by the strategy's own validation (errors name the
parameter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tradertape.backtest.options.strategy import OptionStrategy, Unit
from tradertape.backtest.options.sweep import (
    GridError,
    OptionsAxis,
    cell_values,
    check_grid,
    grid_size,
    options_variant,
    options_variants,
)

BASE: dict[str, Any] = {
    "name": "short straddle",
    "underlying": "NIFTY",
    "resolution": "minute",
    "legs": [
        {"option_type": "CE", "side": "sell", "stop_loss": {"unit": "pct", "value": 30}},
        {"option_type": "PE", "side": "sell", "stop_loss": {"unit": "pct", "value": 30}},
        {"option_type": "FUT", "side": "buy"},
    ],
}


def _spec(**changes: Any) -> OptionStrategy:
    return OptionStrategy.model_validate(BASE | changes)


def _axis(parameter: str, values: list[Any], **more: Any) -> OptionsAxis:
    return OptionsAxis.model_validate({"parameter": parameter, "values": values, **more})


def test_two_parameters_expand_row_major_into_whole_documents():
    grid = [
        _axis("stop_loss", [20, 40], legs=[0, 1]),
        _axis("entry_time", ["09:20", "10:00", "11:30"]),
    ]
    variants = options_variants(_spec(), grid)
    assert len(variants) == grid_size(grid) == 6
    got = [(v.legs[0].stop_loss, v.legs[1].stop_loss, v.entry.time) for v in variants]
    twenty = _spec().legs[0].stop_loss.model_copy(update={"value": 20.0})  # type: ignore[union-attr]
    forty = twenty.model_copy(update={"value": 40.0})
    times = [dt.time(9, 20), dt.time(10, 0), dt.time(11, 30)]
    assert got == [(s, s, t) for s in (twenty, forty) for t in times]
    assert variants[0].legs[2].stop_loss is None  # only the legs named
    assert cell_values(grid, 4) == [40, "10:00"]


def test_a_strike_moves_each_option_legs_own_rule_and_leaves_the_future():
    legs = [
        BASE["legs"][0] | {"strike": {"type": "atm", "offset": 1}},
        BASE["legs"][1] | {"strike": {"type": "delta", "delta": 0.3}},
        BASE["legs"][2],
    ]
    spec = _spec(legs=legs)
    offset = options_variant(spec, [_axis("strike", [2], legs=[0])], 0)
    assert offset.legs[0].strike.model_dump() == {"type": "atm", "offset": 2}
    deltas = options_variants(spec, [_axis("strike", [0.2, 0.4], legs=[1])])
    assert [v.legs[1].strike.model_dump()["delta"] for v in deltas] == [0.2, 0.4]
    with pytest.raises(GridError) as refused:  # every option leg: a delta of 3 is none
        check_grid(spec, [_axis("strike", [3])])
    assert refused.value.field == "parameters"
    assert "delta" in refused.value.detail


def test_a_leg_without_a_stop_gets_one_in_the_unit_asked_and_reentry_counts():
    spec = _spec(legs=[{"option_type": "CE", "side": "sell"}])
    with pytest.raises(GridError, match="needs unit") as no_unit:
        options_variant(spec, [_axis("stop_loss", [25])], 0)
    assert no_unit.value.field == "parameters[0]"
    stopped = options_variant(spec, [_axis("stop_loss", [25], unit="points")], 0)
    assert stopped.legs[0].stop_loss is not None
    assert (stopped.legs[0].stop_loss.unit, stopped.legs[0].stop_loss.value) == (Unit.POINTS, 25)
    grid = [_axis("stop_loss", [25], unit="pct"), _axis("reentry_times", [0, 2])]
    again = options_variants(spec, grid)
    assert [v.legs[0].reentry.times for v in again if v.legs[0].reentry] == [0, 2]
    with pytest.raises(GridError, match="whole numbers"):
        options_variant(spec, [_axis("reentry_times", [1.5])], 0)


@pytest.mark.parametrize(
    ("grid", "field", "words"),
    [
        pytest.param([{"parameter": "trailing_by", "values": [5]}], "parameters[0]",
                     "trailing stop", id="no-trailing"),
        pytest.param([{"parameter": "lots", "values": [2], "legs": [3]}], "parameters[0].legs",
                     "no leg 3", id="no-such-leg"),
        pytest.param([{"parameter": "strike", "values": [1], "legs": [2]}], "parameters[0].legs",
                     "future", id="future-strike"),
        pytest.param([{"parameter": "exit_time", "values": ["09:16"]}], "parameters",
                     "exit.time must come after entry.time", id="exit-before-entry"),
        pytest.param([{"parameter": "lots", "values": list(range(1, 21))},
                      {"parameter": "entry_time", "values": [f"10:{m:02}" for m in range(20)]}],
                     "parameters", "more than the limit", id="too-many-cells"),
    ],
)  # fmt: skip
def test_a_grid_the_strategy_refuses_names_the_parameter(
    grid: list[dict[str, Any]], field: str, words: str
):
    axes = [OptionsAxis.model_validate(a) for a in grid]
    with pytest.raises(GridError) as refused:
        check_grid(_spec(), axes, limit=200)
    assert refused.value.field == field
    assert words in refused.value.detail


@pytest.mark.parametrize(
    "axis",
    [
        {"parameter": "entry_time", "values": [920]},
        {"parameter": "stop_loss", "values": ["09:20"]},
        {"parameter": "entry_time", "values": ["9h20"]},
        {"parameter": "entry_time", "values": ["09:20"], "legs": [0]},
        {"parameter": "lots", "values": [1, 1]},
        {"parameter": "lots", "values": [1], "unit": "pct"},
        {"parameter": "lots", "values": [10**5000]},
        {"parameter": "stop_loss", "values": [float("inf")]},
        {"parameter": "lots", "values": [1], "legs": [-1]},
        {"parameter": "lots", "values": [1], "legs": [True]},
    ],
)
def test_an_axis_that_makes_no_sense_is_refused_by_its_model(axis: dict[str, Any]):
    with pytest.raises(ValidationError):
        OptionsAxis.model_validate(axis)


@pytest.mark.parametrize(
    ("axis", "name", "path"),
    [
        pytest.param(_axis("stop_loss", [20]), "Stop-loss, every leg", "legs[*].stop_loss",
                     id="every-leg"),
        pytest.param(_axis("strike", [0], legs=[0]), "Strike, leg 1", "legs[0].strike",
                     id="one-leg"),
        pytest.param(_axis("trailing_by", [5], legs=[0, 1]), "Trail by, legs 1 and 2",
                     "legs[0,1].trailing_by", id="two-legs"),
        pytest.param(_axis("reentry_times", [1], legs=[0, 2, 3]), "Re-entries, legs 1, 3 and 4",
                     "legs[0,2,3].reentry_times", id="three-legs"),
        pytest.param(_axis("entry_time", ["09:20"]), "Entry time", "entry_time", id="time"),
    ],
)  # fmt: skip
def test_an_axis_is_named_in_words_and_keyed_by_its_path(axis: OptionsAxis, name: str, path: str):
    assert (axis.name, axis.label) == (name, path)


@given(
    a=st.lists(st.integers(1, 60), min_size=1, max_size=5, unique=True),
    b=st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True),
)
def test_every_cell_holds_its_own_values_in_order(a: list[int], b: list[int]):
    grid = [_axis("stop_loss", a, legs=[0]), _axis("reentry_times", b, legs=[1])]
    variants = options_variants(_spec(), grid)
    seen = []
    for variant in variants:
        stop = variant.legs[0].stop_loss
        times = variant.legs[1].reentry.times if variant.legs[1].reentry else None
        seen.append((stop.value if stop else None, times))
    assert seen == [(float(x), y) for x in a for y in b]
