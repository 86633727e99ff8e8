"""A failed cancel's back-off (`cancel_backoff.CancelBackoff`): 3 s after the first failure,
doubling, never more than 5 minutes; per order; gone once the order needs no cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tradertape.services.cancel_backoff import CancelBackoff

T0 = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def _waits(backoff: CancelBackoff, order_id: str, failures: int) -> list[float]:
    """Fail `failures` times in a row, each as soon as it is due: the waits between."""
    now, waits = T0, []
    for _ in range(failures):
        backoff.failed(order_id, now)
        wait = 0.0
        while not backoff.due(order_id, now + timedelta(seconds=wait)):
            wait += 0.5
        waits.append(wait)
        now += timedelta(seconds=wait)
    return waits


def test_the_waits_double_from_3_s_to_5_minutes():
    assert _waits(CancelBackoff(), "o1", 10) == [3, 6, 12, 24, 48, 96, 192, 300, 300, 300]


def test_each_order_waits_alone_and_a_forgotten_one_is_due_at_once():
    backoff = CancelBackoff()
    assert backoff.failed("o1", T0) == 1
    assert backoff.failed("o1", T0 + timedelta(seconds=3)) == 2
    assert not backoff.due("o1", T0 + timedelta(seconds=8))
    assert backoff.due("o2", T0)  # never failed
    backoff.forget("o1")
    assert backoff.due("o1", T0 + timedelta(seconds=3))
    assert backoff.failed("o1", T0 + timedelta(seconds=3)) == 1  # counting starts again
