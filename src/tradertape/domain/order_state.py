"""Kite's order statuses and the only transitions an order may take between them.

State changes happen through `apply(order, event)` over `TRANSITIONS`; an event the
table does not allow raises `IllegalTransition`. Rejections and expiries are events,
not exceptions. The paper broker and a live adapter's postbacks feed the same machine.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradertape.domain.values import value_class


class OrderStatus(StrEnum):
    """Statuses as Kite reports them (the subset a simulated exchange reaches)."""

    AMO_REQ_RECEIVED = "AMO REQ RECEIVED"
    OPEN = "OPEN"
    TRIGGER_PENDING = "TRIGGER PENDING"
    COMPLETE = "COMPLETE"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"

    @property
    def is_terminal(self) -> bool:
        """No further change is possible."""
        return self in (OrderStatus.COMPLETE, OrderStatus.CANCELLED, OrderStatus.REJECTED)


#: Orders the exchange still matches (the AMO queue waits for the open instead).
WORKING: tuple[str, ...] = (OrderStatus.OPEN.value, OrderStatus.TRIGGER_PENDING.value)
#: Orders that may still fill, the AMO queue included: they hold margin.
PENDING: tuple[str, ...] = (*WORKING, OrderStatus.AMO_REQ_RECEIVED.value)
#: The status of a live order no event has reached yet (stored before it is sent).
UNPLACED = "PUT ORDER REQ RECEIVED"
#: Every status of an order that may still fill, at any venue.
MAY_FILL: tuple[str, ...] = (*PENDING, UNPLACED)


class EventKind(StrEnum):
    """What happened to an order."""

    ACCEPTED = "accepted"  # reached the exchange book (or the AMO queue)
    REJECTED = "rejected"
    TRIGGERED = "triggered"  # an SL/SL-M trigger was hit
    FILLED = "filled"  # some or all of the remaining quantity traded
    MODIFIED = "modified"
    CANCELLED = "cancelled"  # by the user
    EXPIRED = "expired"  # IOC remainder, TTL, end of day, MIS square-off window
    RELEASED = "released"  # an AMO sent to the exchange at the open
    MISSING = "missing"  # reconciliation: the broker no longer lists a working order


@value_class
class OrderEvent:
    """One fact about an order, in UTC."""

    kind: EventKind
    ts_event: datetime
    status_after: OrderStatus | None = None  # for ACCEPTED/RELEASED: where the order lands
    fill_quantity: int = 0
    fill_price: Decimal | None = None
    message: str | None = None


@value_class
class OrderState:
    """The parts of an order the machine changes."""

    status: OrderStatus | None  # None before the first event
    quantity: int
    filled_quantity: int = 0
    average_price: Decimal = Decimal(0)
    status_message: str | None = None

    @property
    def pending_quantity(self) -> int:
        """Quantity not yet traded."""
        return self.quantity - self.filled_quantity


class IllegalTransition(Exception):
    """The event cannot happen to an order in its current status."""

    def __init__(self, status: OrderStatus | None, kind: EventKind) -> None:
        super().__init__(f"cannot apply '{kind}' to an order in status {status}")
        self.status = status
        self.kind = kind


_S = OrderStatus
_E = EventKind
_LIVE = (_S.OPEN, _S.TRIGGER_PENDING, _S.AMO_REQ_RECEIVED)
# read in every event's step: a module constant, not an enum class's attribute (on Python
# 3.11 that passes through `EnumType.__getattr__`'s hook)
_FILLED, _COMPLETE, _OPEN = _E.FILLED, _S.COMPLETE, _S.OPEN

TRANSITIONS: dict[tuple[OrderStatus | None, EventKind], frozenset[OrderStatus]] = {
    # Placement: to the book, to the trigger queue, to the AMO queue, or refused.
    (None, _E.ACCEPTED): frozenset({_S.OPEN, _S.TRIGGER_PENDING, _S.AMO_REQ_RECEIVED}),
    (None, _E.REJECTED): frozenset({_S.REJECTED}),
    # At the open an AMO is sent on; the exchange may still refuse it (e.g. circuit limits).
    (_S.AMO_REQ_RECEIVED, _E.RELEASED): frozenset({_S.OPEN, _S.TRIGGER_PENDING}),
    (_S.AMO_REQ_RECEIVED, _E.REJECTED): frozenset({_S.REJECTED}),
    # SL becomes a limit order in the book; SL-M usually fills at once (then FILLED follows).
    (_S.TRIGGER_PENDING, _E.TRIGGERED): frozenset({_S.OPEN}),
    # Partial fills keep the order OPEN; the last fill completes it.
    (_S.OPEN, _E.FILLED): frozenset({_S.OPEN, _S.COMPLETE}),
    # A funds or margin check at trigger time can still refuse an order already accepted.
    (_S.OPEN, _E.REJECTED): frozenset({_S.REJECTED}),
    (_S.TRIGGER_PENDING, _E.REJECTED): frozenset({_S.REJECTED}),
    **{(status, _E.MODIFIED): frozenset({status}) for status in _LIVE},
    # A live order the broker's order book no longer lists: noted, status kept (a late
    # report may still fill or close it; nothing is sent again).
    **{(status, _E.MISSING): frozenset({status}) for status in _LIVE},
    **{(status, _E.CANCELLED): frozenset({_S.CANCELLED}) for status in _LIVE},
    # Kite shows expiry (IOC remainder, TTL, end of day) as CANCELLED with a message.
    **{(status, _E.EXPIRED): frozenset({_S.CANCELLED}) for status in _LIVE},
}


def _next_status(state: OrderState, event: OrderEvent, filled: int) -> OrderStatus:
    allowed = TRANSITIONS.get((state.status, event.kind))
    if allowed is None:
        raise IllegalTransition(state.status, event.kind)
    if event.kind is _FILLED:
        return _COMPLETE if filled == state.quantity else _OPEN
    if len(allowed) == 1:
        return next(iter(allowed))
    if event.status_after not in allowed:
        raise IllegalTransition(state.status, event.kind)
    assert event.status_after is not None
    return event.status_after


def apply(state: OrderState, event: OrderEvent) -> OrderState:
    """The order after `event`, or `IllegalTransition`."""
    if (state.status, event.kind) not in TRANSITIONS:
        raise IllegalTransition(state.status, event.kind)
    filled = state.filled_quantity
    average = state.average_price
    if event.kind is _FILLED:
        if event.fill_quantity <= 0 or event.fill_price is None:
            raise ValueError("a fill needs a positive quantity and a price")
        if event.fill_quantity > state.pending_quantity:
            raise ValueError("fill exceeds the pending quantity")
        filled = state.filled_quantity + event.fill_quantity
        traded_value = state.average_price * state.filled_quantity
        average = (traded_value + event.fill_price * event.fill_quantity) / filled
    status = _next_status(state, event, filled)
    message = event.message if event.message is not None else state.status_message
    return OrderState(status, state.quantity, filled, average, message)  # not `replace`'s walk
