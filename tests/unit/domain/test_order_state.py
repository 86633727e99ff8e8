"""The order status machine: allowed paths, refused paths, fills that add up."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.order_state import (
    TRANSITIONS,
    EventKind,
    IllegalTransition,
    OrderEvent,
    OrderState,
    OrderStatus,
    apply,
)

T0 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
NEW = OrderState(status=None, quantity=100)


def _ev(kind: EventKind, **kw: object) -> OrderEvent:
    return OrderEvent(kind=kind, ts_event=T0, **kw)  # type: ignore[arg-type]


def _open(status: OrderStatus = OrderStatus.OPEN) -> OrderState:
    return apply(NEW, _ev(EventKind.ACCEPTED, status_after=status))


def test_partial_then_full_fill_averages_the_price():
    state = _open()
    state = apply(state, _ev(EventKind.FILLED, fill_quantity=40, fill_price=Decimal("100")))
    assert state.status is OrderStatus.OPEN
    assert state.pending_quantity == 60
    state = apply(state, _ev(EventKind.FILLED, fill_quantity=60, fill_price=Decimal("101")))
    assert state.status is OrderStatus.COMPLETE
    assert state.average_price == Decimal("100.6")


def test_sl_triggers_into_the_book_then_fills():
    state = _open(OrderStatus.TRIGGER_PENDING)
    state = apply(state, _ev(EventKind.TRIGGERED))
    assert state.status is OrderStatus.OPEN
    done = apply(state, _ev(EventKind.FILLED, fill_quantity=100, fill_price=Decimal(99)))
    assert done.status is OrderStatus.COMPLETE


def test_amo_is_released_at_the_open():
    state = _open(OrderStatus.AMO_REQ_RECEIVED)
    assert apply(state, _ev(EventKind.RELEASED, status_after=OrderStatus.OPEN)).status is (
        OrderStatus.OPEN
    )
    with pytest.raises(IllegalTransition):
        apply(state, _ev(EventKind.RELEASED, status_after=OrderStatus.COMPLETE))


def test_expiry_shows_as_cancelled_with_a_message():
    state = apply(_open(), _ev(EventKind.FILLED, fill_quantity=30, fill_price=Decimal(10)))
    expired = apply(state, _ev(EventKind.EXPIRED, message="IOC remainder cancelled"))
    assert expired.status is OrderStatus.CANCELLED
    assert expired.filled_quantity == 30
    assert expired.status_message == "IOC remainder cancelled"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        pytest.param(OrderStatus.COMPLETE, EventKind.CANCELLED, id="cancel-complete"),
        pytest.param(OrderStatus.CANCELLED, EventKind.FILLED, id="fill-cancelled"),
        pytest.param(OrderStatus.REJECTED, EventKind.MODIFIED, id="modify-rejected"),
        pytest.param(OrderStatus.TRIGGER_PENDING, EventKind.FILLED, id="fill-before-trigger"),
        pytest.param(OrderStatus.OPEN, EventKind.TRIGGERED, id="trigger-open"),
        pytest.param(None, EventKind.FILLED, id="fill-unplaced"),
    ],
)
def test_illegal_transitions_raise(status: OrderStatus | None, kind: EventKind):
    state = OrderState(status=status, quantity=100)
    with pytest.raises(IllegalTransition):
        apply(state, _ev(kind, fill_quantity=1, fill_price=Decimal(1)))


def test_terminal_statuses_have_no_way_out():
    for (status, _kind), _targets in TRANSITIONS.items():
        assert status is None or not status.is_terminal


def test_overfill_is_refused():
    with pytest.raises(ValueError, match="exceeds"):
        apply(_open(), _ev(EventKind.FILLED, fill_quantity=101, fill_price=Decimal(1)))


@given(st.lists(st.integers(min_value=1, max_value=60), max_size=10))
def test_fills_never_exceed_quantity_and_complete_exactly_when_done(chunks: list[int]):
    state = _open()
    for chunk in chunks:
        size = min(chunk, state.pending_quantity)
        if state.status is OrderStatus.COMPLETE:
            with pytest.raises(IllegalTransition):
                apply(state, _ev(EventKind.FILLED, fill_quantity=1, fill_price=Decimal(5)))
            break
        state = apply(state, _ev(EventKind.FILLED, fill_quantity=size, fill_price=Decimal(5)))
        assert 0 < state.filled_quantity <= state.quantity
        assert (state.status is OrderStatus.COMPLETE) == (state.filled_quantity == 100)
        assert state.average_price == Decimal(5)
