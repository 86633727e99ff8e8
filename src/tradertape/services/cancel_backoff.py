"""A cancel that must land, asked with a back-off: the one mechanism of every unwind.

An unwind (a halted basket's, `baskets.unwind`; an option run's exit,
`options.execution`) cancels orders that must not trade. A broker that does not answer
(5xx, 429, no answer) leaves such an order working, so its cancel stays owed and is asked
again, but not on every pass: each order waits 3 s after its first failure, doubling to
5 min (`CancelBackoff`, on the injected clock; in memory: a restart asks once more at
once), and its owner is told once (``unwind_stuck``, keyed by the order, so a restart's
repeat is refused by the key) when it has failed `NOTIFY_AFTER` times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.instrument_names import instrument_label
from tradertape.domain.order_state import PENDING
from tradertape.domain.orders import TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import CancelOrder, OrderPipeline
from tradertape.services.notifications import events as notifications
from tradertape_brokers.reconnect import Backoff

# A failed cancel's waits: 3 s, doubling, at most 5 min between asks.
CANCEL_BACKOFF = Backoff(initial_secs=3.0, factor=2.0, max_secs=300.0)
NOTIFY_AFTER = 3  # failed cancels of one order before its owner is told (once)


@dataclass(slots=True)
class _Failing:
    """One order's failed cancels in a row, and when it may be asked again."""

    failures: int
    retry_at: datetime


class CancelBackoff:
    """When a cancel the broker refused may be asked again, per order (in memory)."""

    def __init__(self, schedule: Backoff = CANCEL_BACKOFF) -> None:
        self._schedule = schedule
        self._failing: dict[str, _Failing] = {}

    def due(self, order_id: str, now: datetime) -> bool:
        """Whether the order's cancel may be asked now (never failed, or waited out)."""
        failing = self._failing.get(order_id)
        return failing is None or now >= failing.retry_at

    def failed(self, order_id: str, now: datetime) -> int:
        """Note a failed cancel: the next waits longer. How many failed in a row."""
        failures = self._failing[order_id].failures + 1 if order_id in self._failing else 1
        wait = timedelta(seconds=self._schedule.delay(failures))
        self._failing[order_id] = _Failing(failures, now + wait)
        return failures

    def forget(self, order_id: str) -> None:
        """The order needs no more cancels (cancelled, filled, or the broker took it)."""
        self._failing.pop(order_id, None)


class Asked(StrEnum):
    """What asking for a cancel came to."""

    CANCELLED = "cancelled"  # the venue took the cancel (what filled before it stands)
    ENDED = "ended"  # the order ended otherwise meanwhile (filled, rejected): none owed
    OWED = "owed"  # no answer: still working, asked again after its back-off


def ask_cancel(
    orders: OrderPipeline,
    backoff: CancelBackoff,
    db: Session,
    order: Order,
    now: datetime,
    *,
    why: str,
    payload: dict[str, Any],
) -> Asked:
    """Ask for `order`'s cancel through the pipeline (a live one commits first). A
    refusal while the order still works waits its back-off, and at the `NOTIFY_AFTER`th
    its owner is told once: `why` says why it must not trade, `payload` what it belongs
    to. The caller asks only when `backoff.due`."""
    try:
        orders.cancel(db, CancelOrder(order.user_id, order.order_id))
    except TraderTapeError as exc:  # no answer (5xx, 429, network), or ended meanwhile
        db.rollback()
        db.refresh(order)
        if order.status not in PENDING:
            backoff.forget(order.order_id)
            return Asked.ENDED
        if backoff.failed(order.order_id, now) == NOTIFY_AFTER:
            _tell(db, order, why, {**payload, "error": exc.detail}, now)
        return Asked.OWED
    backoff.forget(order.order_id)
    return Asked.CANCELLED


def _tell(db: Session, order: Order, why: str, payload: dict[str, Any], now: datetime) -> None:
    """Tell the order's owner, once per order (its key), that its cancel keeps failing."""
    side = "buy" if order.transaction_type == TransactionType.BUY else "sell"
    name = instrument_label(order.tradingsymbol, order.exchange)
    text = (
        f"⚠️ {order.broker.capitalize()} has not cancelled your {side} of {name}, "
        f"{order.quantity} ({NOTIFY_AFTER} tries): {why}, so it must not trade. Still "
        "trying, less often (up to every 5 min); cancel it at your broker if you can. "
        "Whatever it fills is exited at market."
    )
    notifications.add(
        db,
        user_id=order.user_id,
        kind=notifications.Kind.UNWIND_STUCK,
        text=text,
        at=now,
        payload={"order_id": order.order_id, **payload},
        idempotency_key=f"unwind-cancel:{order.order_id}",
    )
    try:
        db.commit()
    except IntegrityError:  # told already (before a restart)
        db.rollback()
