"""Live orders an assistant asked for, each waiting for the user's click in the web app or
in Telegram.

An assistant key with the ``live`` scope never places a live order itself: its request is
stored here as it was asked (``pending``), the assistant is told it waits for the user's
confirmation, and the user is notified with its preview (the bell, and a linked Telegram
chat, whose message carries Confirm / Refuse buttons). The user confirms it, in the web app
or in Telegram, through the one function both call (`ConfirmationDesk.confirm`: placed
through the one order pipeline, as if from the order ticket — risk rules, the kill switch,
SEBI's ceiling, the live-trading switches — under one client key, so it is placed once), or
declines it. Either is final, and the assistant's status says where it was decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import AssistantConfirmation
from tradertape.domain.instruments import Exchange
from tradertape.domain.money import inr
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
)
from tradertape.errors import Conflict
from tradertape.oms import Account, OrderPipeline
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.assistant.calls import source_of
from tradertape.services.books.ticket import place_ticket
from tradertape.services.brokers.account import AccountViews
from tradertape.services.notifications import events as notifications

PENDING = "pending"
PLACED = "placed"
DECLINED = "declined"
WAITING = "waiting for your confirmation"
TELEGRAM = "Telegram"  # where a decision was made, besides the web app

# The stored request's fields that are not the order's (`api.schemas.trading.OrderIn`).
_NOT_SPEC = frozenset({"idempotency_key", "mode", "broker", "book"})
_ENUMS: dict[str, Any] = {
    "exchange": Exchange,
    "transaction_type": TransactionType,
    "product": Product,
    "order_type": OrderType,
    "variety": Variety,
    "validity": Validity,
}
_DECIMALS = frozenset({"price", "trigger_price", "squareoff", "stoploss", "trailing_stoploss"})
_NONE_WHEN_ZERO = frozenset({"price", "trigger_price"})  # Kite's 0: none


def spec_of(order: Mapping[str, Any]) -> OrderSpec:
    """The domain order of a stored request (validated as the order ticket's body when the
    assistant asked): its symbol upper-cased, a 0 price or trigger none, as the ticket's."""
    fields: dict[str, Any] = {}
    for name, value in order.items():
        if name in _NOT_SPEC or value is None:
            continue
        if name in _ENUMS:
            value = _ENUMS[name](value)
        elif name in _DECIMALS:
            value = Decimal(str(value))
            if name in _NONE_WHEN_ZERO and not value:
                continue
        fields[name] = value
    fields["tradingsymbol"] = str(order["tradingsymbol"]).upper()
    fields["autoslice"] = bool(order.get("autoslice"))
    return OrderSpec(**fields)


def preview(order: Mapping[str, Any]) -> str:
    """The order in one line, as the user is asked to confirm it: ``BUY 10 NSE:INFY LIMIT
    CNC at ₹1,500.00 (₹15,000.00), live at Kite``."""
    spec = spec_of(order)
    line = (
        f"{spec.transaction_type.value} {spec.quantity} {spec.key} "
        f"{spec.order_type.value} {spec.product.value}"
    )
    if spec.price is not None:
        line += f" at {inr(spec.price)} ({inr(spec.price * spec.quantity)})"
    if spec.trigger_price is not None:
        line += f", trigger {inr(spec.trigger_price)}"
    broker = order.get("broker")
    return line + (f", live at {str(broker).capitalize()}" if broker else ", live")


def ask(
    db: Session,
    *,
    clock: Clock,
    user_id: int,
    key_id: int,
    key_name: str,
    order: dict[str, Any],
) -> AssistantConfirmation:
    """Store a live order to be confirmed, and tell the user (the bell, a linked Telegram
    chat with its buttons: `Kind.ASSISTANT_ORDER`); commits."""
    row = AssistantConfirmation(
        user_id=user_id,
        key_id=key_id,
        key_name=key_name,
        order=order,
        status=PENDING,
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    notifications.add(
        db,
        user_id=user_id,
        kind=notifications.Kind.ASSISTANT_ORDER,
        text=(
            f"🤖 {key_name} asks for a live order: {preview(order)}. Confirm or refuse it in "
            "Settings → AI assistant, or here in Telegram."
        ),
        at=row.created_at,
        payload={"confirmation_id": row.id},
    )
    db.commit()
    return row


def listed(
    db: Session, *, user_id: int, pending_only: bool, limit: int, offset: int
) -> list[AssistantConfirmation]:
    """The user's asked-for orders, newest first."""
    query = owned(AssistantConfirmation, user_id=user_id)
    if pending_only:
        query = query.where(AssistantConfirmation.status == PENDING)
    query = query.order_by(AssistantConfirmation.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(query))


def pending(db: Session, *, user_id: int, row_id: int) -> AssistantConfirmation:
    """One of the user's orders still waiting (404 if not theirs, 409 if decided)."""
    row = get_owned(db, AssistantConfirmation, row_id, user_id=user_id, label="confirmation")
    if row.status != PENDING:
        raise Conflict(f"confirmation {row_id} is already {row.status}")
    return row


def decide(
    db: Session,
    row: AssistantConfirmation,
    *,
    clock: Clock,
    status: str,
    order_id: str | None = None,
    message: str | None = None,
) -> AssistantConfirmation:
    """Record the user's decision (commits)."""
    row.status = status
    row.order_id = order_id
    row.message = None if message is None else message[:500]
    row.decided_at = clock.now()
    db.commit()
    return row


def status_of(db: Session, *, user_id: int, row_id: int) -> AssistantConfirmation:
    """One of the user's asked-for orders, whatever its status (404 if not theirs)."""
    return get_owned(db, AssistantConfirmation, row_id, user_id=user_id, label="confirmation")


def is_pending(db: Session, row_id: int) -> bool:
    """Whether an asked-for order still waits (its notice carries buttons only then)."""
    row = db.get(AssistantConfirmation, row_id)
    return row is not None and row.status == PENDING


@dataclass(frozen=True, slots=True)
class ConfirmationDesk:
    """The user's decision on an asked-for order, wherever it is made (the web app's
    buttons, a Telegram chat's): one path, so the order is placed once and the same way."""

    orders: OrderPipeline
    views: AccountViews
    clock: Clock

    def confirm(
        self, db: Session, *, user_id: int, row_id: int, via: str | None = None
    ) -> AssistantConfirmation:
        """Place the order as asked, through the order ticket's gate (refused there: 403,
        409 or 429, and it stays pending); placed, the decision is recorded (commits).
        `via` names where the user confirmed it, when not in the web app."""
        row = pending(db, user_id=user_id, row_id=row_id)
        order = row.order
        spec = spec_of(order)
        submitted = place_ticket(
            db,
            orders=self.orders,
            views=self.views,
            user_id=user_id,
            spec=spec,
            account=Account.of("live", order.get("broker")),
            last=self.orders.last_tick(spec.key),
            # one order however often, and wherever, the button is pressed
            client_key=order.get("idempotency_key") or f"assistant-confirmation-{row.id}",
            book=order.get("book"),
            source=source_of(row.key_id),
        )
        placed = submitted.order
        message = f"{placed.status}: {placed.status_message or 'sent'}"
        if via is not None:
            message += f" (confirmed in {via})"
        return decide(
            db, row, clock=self.clock, status=PLACED, order_id=placed.order_id, message=message
        )

    def decline(
        self, db: Session, *, user_id: int, row_id: int, via: str | None = None
    ) -> AssistantConfirmation:
        """Decline the order: nothing is placed, and the assistant is told so (commits)."""
        row = pending(db, user_id=user_id, row_id=row_id)
        said = "declined by you" if via is None else f"declined by you in {via}"
        return decide(db, row, clock=self.clock, status=DECLINED, message=said)
