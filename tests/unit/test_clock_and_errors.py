"""The manual clock and the error-path formatting used in 422 details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradertape.api.errors import field_path
from tradertape.ports.clock import IST, ManualClock, ist_now


def test_manual_clock_moves_only_forward():
    clock = ManualClock(datetime(2026, 1, 1, 9, 15, tzinfo=IST))
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(minutes=5))
    assert ist_now(clock).strftime("%H:%M") == "09:20"
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="backwards"):
        clock.set(datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        pytest.param(("body", "email"), "email", id="flat"),
        pytest.param(("body", "orders", 1, "qty"), "orders[1].qty", id="nested-list"),
        pytest.param(("query", "limit"), "limit", id="query"),
        pytest.param(("body",), "body", id="whole-body"),
        pytest.param(
            ("entry_rules", "conditions", 1, "op"), "entry_rules.conditions[1].op", id="dsl"
        ),
    ],
)
def test_field_path(loc, path):
    assert field_path(loc) == path
