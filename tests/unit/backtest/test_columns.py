"""A run's trades as columns: the same trades, figures and rounding as one object per trade
(`round_each` rounds a column exactly as `round` rounds each value)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any, Literal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import to_json

from tests.unit.backtest.test_invariants import _panel
from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.services.research.simulation import (
    EQUITY_WRITERS,
    TRADE_WRITERS,
    equity_columns,
    equity_rows,
    iso_days,
    round_each,
    trade_columns,
    trade_rows,
)
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId


def _result(
    model: BaseModelId, fill_at: Literal["next_open", "close"] = "next_open"
) -> BacktestResult:
    settings = BacktestSettings(
        starting_capital=100_000, position_size_pct=30, max_positions=3, fill_at=fill_at
    )
    return run_backtest(builtin(model), _panel(3, 70), settings)


def _row(trade: Any) -> dict[str, Any]:
    """A trade rounded as answers always showed it (per trade, from the object)."""
    conviction = round(trade.conviction, 6)
    return asdict(trade) | {
        "entry_date": trade.entry_date.isoformat(),
        "exit_date": trade.exit_date.isoformat(),
        "entry_price": round(trade.entry_price, 4),
        "exit_price": round(trade.exit_price, 4),
        "pnl": round(trade.pnl, 2),
        "pnl_pct": round(trade.pnl_pct, 4),
        "charges": round(trade.charges, 2),
        "conviction": conviction if math.isfinite(conviction) else None,
    }


def test_trade_rows_from_columns_are_the_trades_rounded():
    seen = 0
    for model in BaseModelId:
        for fill_at in ("next_open", "close"):  # type: Literal["next_open", "close"]
            result = _result(model, fill_at)
            rows = trade_rows(result)
            assert rows == [_row(t) for t in result.trades]
            assert len(result.tape) == len(result.trades)
            seen += len(rows)
            # the same JSON types: whole numbers stay ints, prices floats
            for row, trade in zip(rows, result.trades, strict=True):
                assert {k: type(v) for k, v in row.items()} == {
                    k: type(v) for k, v in _row(trade).items()
                }
    assert seen > 20


def test_the_columns_writers_write_what_to_json_writes():
    # a writer knows its column's type: a value of another (an int among floats) would be
    # written otherwise (``5.0``), so every column is made of its writer's type
    for model in BaseModelId:
        for fill_at in ("next_open", "close"):  # type: Literal["next_open", "close"]
            result = _result(model, fill_at)
            made = (
                (equity_columns(result), EQUITY_WRITERS),
                (trade_columns(result), TRADE_WRITERS),
            )
            for columns, writers in made:
                assert set(columns) <= set(writers)
                for key, values in columns.items():
                    assert writers[key](values) == to_json(values), key


def test_the_curve_has_a_row_per_day():
    result = _result(BaseModelId.V1)
    days = equity_rows(result)
    assert [d["date"] for d in days] == [str(day) for day in result.days.astype("datetime64[D]")]
    assert [d["equity"] for d in days] == [round(float(e), 2) for e in result.equity]
    assert [d["positions"] for d in days] == [int(n) for n in result.positions]


def _same(a: float, b: float) -> bool:
    return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)


TIES = [0.125, 0.375, 2.675, 1.005, -2.675, 0.5, 1.5, 2.5, -0.0, 5e-7, -5e-7, 1234567.125]
# just inside a half below zero: ``scaled + 1`` there drops the product's last bit
TIES += [-0.049999999999999996, -4.9999999999999996e-05, -0.004999999999999999]


@given(
    st.sampled_from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1234.5, -1234.5]),
    st.integers(-64, 64),
    st.sampled_from([0, 1, 2, 4, 6]),
)
def test_round_each_near_a_half_rounds_as_round_does(half: float, ulps: int, digits: int):
    # a few units in the last place either side of a half, where the exact error decides
    start = half / 10**digits
    value = float(start + ulps * np.spacing(start))
    (got,) = round_each(np.array([value]), digits)
    assert _same(got, round(value, digits))


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50)
    | st.lists(st.integers(-(10**9), 10**9).map(lambda k: (k + 0.5) / 100), max_size=50),
    st.sampled_from([2, 4, 6]),
)
def test_round_each_rounds_as_round_does(values: list[float], digits: int):
    array = np.array(values + TIES, dtype=np.float64)
    got = round_each(array, digits)
    assert all(_same(g, round(v, digits)) for g, v in zip(got, array.tolist(), strict=True))


@given(
    st.lists(
        st.one_of(st.integers(min_value=-800_000, max_value=2_900_000), st.none()), max_size=40
    )
)
def test_iso_days_writes_each_day_as_numpy_does(numbers: list[int | None]):
    # None is NaT; the range spans years 0 to 9000 (NumPy writes every one as YYYY-MM-DD)
    days = np.array(
        [np.datetime64("NaT") if n is None else np.datetime64(n, "D") for n in numbers],
        dtype="datetime64[D]",
    )
    assert iso_days(days) == days.astype(str).tolist()
    assert iso_days(days) == days.astype(str).tolist()  # and again, from what it remembers
