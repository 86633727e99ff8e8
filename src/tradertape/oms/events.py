"""The OMS's events: what happened to an order or a GTT, as typed values.

Every change of an order's state is one event, named in the past tense, one per row of the
order's history (`order_log`): `OrderAccepted`, `OrderRejected`, `OrderTriggered` (an SL
order's trigger was hit), `OrderFilled`, `OrderModified`, `OrderCancelled`, `OrderExpired`
(an IOC remainder, a TTL, the day's end, the MIS square-off window), `OrderReleased` (an
AMO sent on at the open) and `OrderMissing` (its broker stopped listing it). A trigger that
fires is `GttTriggered`; the order it places follows with events of its own (source
``gtt``).

An order's event says whose and where (`user_id`, our `order_id`, the venue's
`broker_order_id`, the venue `broker`, the `book` its money is in, the `source` that placed
it and the `attribution` it was placed with: a portfolio, a worker run and its role; its
`owner`, `domain.owners`, is whose it is, and the OMS routes the event to that owner's
policy, `oms.owners`), what
(instrument, side, product, quantity), the status before and after, what has filled so far,
and when, in UTC: `ts_event` (when it happened) and `ts_init` (when it was recorded).
`OrderFilled` adds the fill: its quantity and price, the charges the ledger booked for it and
the broker's trade id when one named it. A change asked for by a caller that named itself
(a worker run's cancel or modify) says so in `requested_by`.

On the bus an event travels as a JSON-able dict (`to_message`; `from_message` reads it
back) on ``orders.<user_id>`` or ``gtt.<user_id>`` (`topic_of`). `oms.emitter` says when
and how they are delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from tradertape.domain.order_state import EventKind
from tradertape.domain.owners import Owner, owner_from
from tradertape.domain.utc_times import utc_iso
from tradertape.domain.values import value_class

ORDERS_TOPIC = "orders."  # + the user's id
GTT_TOPIC = "gtt."  # + the user's id
GTT_SOURCE = "gtt"  # the source of an order a trigger placed


@value_class(kw_only=True)
class OrderUpdate:
    """What every order event carries: the order as this change left it (see the module)."""

    TYPE: ClassVar[str] = "order.updated"

    user_id: int
    order_id: str
    broker_order_id: str | None
    broker: str  # the venue: "paper", or the live broker (a `domain.brokers.BrokerName`)
    book: str  # "manual", "portfolio:<id>", "run:<id>", "live:<broker>" (domain.books)
    source: str  # "api", "worker", "portfolio", "gtt", "squareoff", "virtual", ...
    attribution: Mapping[str, Any]
    exchange: str
    tradingsymbol: str
    transaction_type: str
    product: str
    quantity: int
    previous_status: str  # "PUT ORDER REQ RECEIVED" before an order's first event
    status: str
    filled_quantity: int
    average_price: Decimal
    message: str | None
    ts_event: datetime
    ts_init: datetime
    # Who asked for this change and why, when a caller of a command named itself (a worker
    # run's cancel: ``{"run_pk": 7, "action": "cancel"}``); the first change the command
    # recorded carries it (`OrderPipeline.modify`, `cancel`).
    requested_by: Mapping[str, Any] | None = None

    @property
    def owner(self) -> Owner:
        """Whose the order is (`domain.owners`): what its ``owner_kind`` and ``owner_id``
        columns hold, by the rule that filled them from its source and attribution."""
        return owner_from(self.source, self.attribution)


@value_class(kw_only=True)
class OrderAccepted(OrderUpdate):
    """The venue took the order: it is in the book, the trigger queue or the AMO queue."""

    TYPE: ClassVar[str] = "order.accepted"


@value_class(kw_only=True)
class OrderRejected(OrderUpdate):
    """Refused (funds, the risk gate, the broker), at placement or later; `message` says why."""

    TYPE: ClassVar[str] = "order.rejected"


@value_class(kw_only=True)
class OrderTriggered(OrderUpdate):
    """An SL or SL-M order's trigger price was reached: it is working in the book now."""

    TYPE: ClassVar[str] = "order.triggered"


@value_class(kw_only=True)
class OrderFilled(OrderUpdate):
    """Part or all of the order traded; `filled_quantity` is the total after this fill."""

    TYPE: ClassVar[str] = "order.filled"

    fill_quantity: int
    fill_price: Decimal
    charges: Decimal  # what the ledger booked for this fill (its share of the day's note)
    broker_trade_id: str | None  # the broker's trade, when its tradebook named it


@value_class(kw_only=True)
class OrderModified(OrderUpdate):
    """The order's terms changed (quantity, prices, type or validity)."""

    TYPE: ClassVar[str] = "order.modified"


@value_class(kw_only=True)
class OrderCancelled(OrderUpdate):
    """Cancelled by the user (or reported cancelled by the broker)."""

    TYPE: ClassVar[str] = "order.cancelled"


@value_class(kw_only=True)
class OrderExpired(OrderUpdate):
    """Ended unfilled by time or rule: status CANCELLED, as Kite shows it, with a message."""

    TYPE: ClassVar[str] = "order.expired"


@value_class(kw_only=True)
class OrderReleased(OrderUpdate):
    """An after-market order sent on to the exchange at the open."""

    TYPE: ClassVar[str] = "order.released"


@value_class(kw_only=True)
class OrderMissing(OrderUpdate):
    """Reconciliation: the broker no longer lists this working order (its status is kept)."""

    TYPE: ClassVar[str] = "order.missing"


@value_class(kw_only=True)
class GttTriggered:
    """A GTT's trigger was reached and it fired one leg; that leg's order follows."""

    TYPE: ClassVar[str] = "gtt.triggered"

    user_id: int
    trigger_id: int
    broker: str  # where the trigger is kept: "paper", or the live broker's
    book: str  # the book its order goes to
    attribution: Mapping[str, Any]  # who set it (a portfolio's stop, a worker run's)
    exchange: str
    tradingsymbol: str
    leg: int  # which of its legs fired (0, or 1 for a two-leg trigger's upper)
    trigger_value: Decimal
    transaction_type: str
    quantity: int
    ts_event: datetime
    ts_init: datetime

    @property
    def owner(self) -> Owner:
        """Whose the trigger is (a portfolio's stop, a worker run's, the desk's): the owner of
        the order it places."""
        return owner_from(GTT_SOURCE, self.attribution)


#: Every event the OMS emits.
OmsEvent = OrderUpdate | GttTriggered

#: The event class of each kind of history row.
BY_KIND: Mapping[EventKind, type[OrderUpdate]] = {
    EventKind.ACCEPTED: OrderAccepted,
    EventKind.REJECTED: OrderRejected,
    EventKind.TRIGGERED: OrderTriggered,
    EventKind.FILLED: OrderFilled,
    EventKind.MODIFIED: OrderModified,
    EventKind.CANCELLED: OrderCancelled,
    EventKind.EXPIRED: OrderExpired,
    EventKind.RELEASED: OrderReleased,
    EventKind.MISSING: OrderMissing,
}
_BY_TYPE: dict[str, type[OrderUpdate] | type[GttTriggered]] = {
    **{cls.TYPE: cls for cls in BY_KIND.values()},
    GttTriggered.TYPE: GttTriggered,
}
_DECIMALS = frozenset({"average_price", "fill_price", "charges", "trigger_value"})
_TIMES = frozenset({"ts_event", "ts_init"})
_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in _BY_TYPE.values()}


def _outward(name: str) -> Callable[[Any], Any] | None:
    if name in _DECIMALS:
        return str
    if name in _TIMES:
        return utc_iso
    return dict if name in ("attribution", "requested_by") else None


def _inward(name: str) -> Callable[[Any], Any] | None:
    if name in _DECIMALS:
        return Decimal
    if name in _TIMES:
        return _parse_time
    return None


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Each class's fields with how each is written to JSON and read back (None: as it is).
_OUT = {cls: tuple((n, _outward(n)) for n in names) for cls, names in _FIELDS.items()}
_IN = {cls: tuple((n, _inward(n)) for n in names) for cls, names in _FIELDS.items()}


def topic_of(event: OmsEvent) -> str:
    """The bus topic of `event`: ``orders.<user_id>`` or ``gtt.<user_id>``."""
    prefix = GTT_TOPIC if isinstance(event, GttTriggered) else ORDERS_TOPIC
    return f"{prefix}{event.user_id}"


def to_message(event: OmsEvent) -> dict[str, Any]:
    """`event` as a JSON-able dict: its ``type`` and every field (decimals as text, times
    as UTC ISO strings)."""
    message: dict[str, Any] = {"type": event.TYPE}
    for name, convert in _OUT[type(event)]:
        value = getattr(event, name)
        message[name] = value if convert is None or value is None else convert(value)
    return message


def from_message(message: Mapping[str, Any]) -> OmsEvent:
    """The event a `to_message` dict was made from.

    Raises
    ------
    ValueError
        The message names no event type this module defines.
    """
    cls = _BY_TYPE.get(str(message.get("type")))
    if cls is None:
        raise ValueError(f"not an OMS event: type {message.get('type')!r}")
    build: Callable[..., OmsEvent] = cls
    values = {}
    for name, convert in _IN[cls]:
        value = message[name]
        values[name] = value if convert is None or value is None else convert(value)
    return build(**values)
