"""Candle columns and the rules every stored candle obeys."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tests.unit.candles.conftest import day_bars
from tradertape.candles import Bars, validate_bars
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField
from tradertape.ports.broker import DailyBar

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_daily_rows_round_trip():
    rows = [DailyBar(date(2024, 1, 1), 10.0, 11.0, 9.5, 10.5, 100)]
    bars = Bars.from_daily(rows)
    assert bars.time.dtype == np.dtype("datetime64[D]")
    assert bars.to_daily() == rows


def test_between_is_inclusive():
    bars = day_bars(DAYS)
    inside = bars.between(np.datetime64("2024-01-02"), np.datetime64("2024-01-03"))
    assert inside.close.tolist() == [101.0, 102.0]
    assert len(Bars.empty(Interval.MINUTE)) == 0


def _broken(field: str, row: int, value: float) -> Bars:
    bars = day_bars(DAYS)
    getattr(bars, field)[row] = value
    return bars


@pytest.mark.parametrize(
    ("bars", "field", "text"),
    [
        pytest.param(_broken("open", 1, float("nan")), "open", "row 2", id="nan-open"),
        pytest.param(_broken("close", 0, 0.0), "close", "row 1", id="zero-close"),
        pytest.param(_broken("high", 2, 101.0), "high", "below open/close", id="high-below-close"),
        pytest.param(_broken("low", 0, 100.0), "low", "above open/close", id="low-above-open"),
        pytest.param(_broken("volume", 1, -1.0), "volume", "row 2", id="negative-volume"),
        pytest.param(_broken("volume", 1, 1.5), "volume", "whole number", id="fractional-volume"),
        pytest.param(_broken("volume", 1, np.inf), "volume", "row 2", id="infinite-volume"),
    ],
)
def test_bad_values_name_the_field_and_row(bars: Bars, field: str, text: str):
    with pytest.raises(InvalidField) as caught:
        validate_bars(bars)
    assert caught.value.field == field
    assert text in caught.value.message


@pytest.mark.parametrize(
    ("days", "text"),
    [
        pytest.param(["2024-01-01", "2024-01-01", "2024-01-03"], "repeats", id="duplicate"),
        pytest.param(["2024-01-02", "2024-01-01", "2024-01-03"], "goes back", id="unsorted"),
    ],
)
def test_time_must_increase(days: list[str], text: str):
    with pytest.raises(InvalidField) as caught:
        validate_bars(day_bars(days), time_field="date")
    assert caught.value.field == "date"
    assert text in caught.value.message


def test_lengths_must_match():
    bars = day_bars(DAYS)
    short = Bars(bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume[:2])
    with pytest.raises(InvalidField) as caught:
        validate_bars(short)
    assert caught.value.field == "volume"
