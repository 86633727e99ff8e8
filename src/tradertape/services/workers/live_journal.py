"""A live order's booked reports on its worker run's timeline, from the OMS's events.

`LiveOrders.book_report` books what the broker reports (postback, ticker socket or poll)
once, and records it as the order's events (`OrderFilled`, `OrderCancelled`, ...), one
group per booking. `LiveRunJournal` watches them (`OrderEvents.watch`) and journals each
booking that changed a run's order as one ``order.updated`` execution event, in the
booking's transaction, so the entry commits with the fill, once, whichever report won.

The run's lock comes before the ledger's (the order a worker's own placement keeps), and a
watcher is called under the ledger's lock: so the journal declares the run's lock as its
owner lock (`access.run_locks`, by the ``run_pk`` the order's attribution names), which
the OMS takes before the ledger's for every booking; the journal finds it held.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerRun, WorkerRunOrder
from tradertape.domain.order_state import EventKind
from tradertape.domain.owners import run_of
from tradertape.oms import (
    UNPLACED,
    OmsEvent,
    OrderCancelled,
    OrderFilled,
    OrderPipeline,
    OrderRejected,
    OrderReleased,
    OrderTriggered,
    OrderUpdate,
    order_dict,
)
from tradertape.services.workers import timeline
from tradertape.services.workers.access import lock_run

# What a broker's report books of an order already placed, by its event (the history's kind).
_REPORTED: dict[type[OrderUpdate], str] = {
    OrderReleased: EventKind.RELEASED.value,
    OrderTriggered: EventKind.TRIGGERED.value,
    OrderFilled: EventKind.FILLED.value,
    OrderCancelled: EventKind.CANCELLED.value,
    OrderRejected: EventKind.REJECTED.value,
}


def booked_report(events: Sequence[OmsEvent]) -> list[OrderUpdate] | None:
    """The events of one live broker's report booked for an order already placed (what
    `book_report` records), or None for any other change (a placement's outcome, which
    `order_journal` tells; a modify; reconciliation's marks; a paper order's)."""
    if not events or not all(type(e) in _REPORTED for e in events):
        return None
    updates = [e for e in events if isinstance(e, OrderUpdate)]
    first = updates[0]
    # a venue that answers in the caller's transaction (paper) sends no reports
    if OrderPipeline.traits_of(first.broker).answers_at_once or first.previous_status == UNPLACED:
        return None
    return updates


def linked(db: Session, event: OrderUpdate, *roles: str) -> tuple[WorkerRun, str, Order] | None:
    """The run the event's order belongs to (its owner, `domain.owners`, linked to the
    run, with one of `roles` if given), the order's role in it and the order; under the
    run's lock (its owner lock: held already when a report is booked)."""
    run_pk = run_of(event.owner)
    if run_pk is None:
        return None
    query = (
        select(WorkerRun, WorkerRunOrder.role, Order)
        .join(WorkerRunOrder, WorkerRunOrder.run_pk == WorkerRun.id)
        .join(Order, Order.id == WorkerRunOrder.order_pk)
        .where(WorkerRun.id == run_pk, Order.order_id == event.order_id)
    )
    if roles:
        query = query.where(WorkerRunOrder.role.in_(roles))
    row = db.execute(query).first()
    if row is None:
        return None
    run, role, order = row
    lock_run(db, run)
    return run, role, order


class LiveRunJournal:
    """Writes a run's live fills and final states to its timeline (module docstring)."""

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        """One ``order.updated`` event of the run for what one report booked."""
        booked = booked_report(events)
        found = linked(db, booked[0]) if booked is not None else None
        if booked is None or found is None:
            return
        run, role, order = found
        last = booked[-1]
        fills = [e for e in booked if isinstance(e, OrderFilled)]
        filled = sum(e.fill_quantity for e in fills)
        payload: dict[str, Any] = {
            "order_id": last.order_id,
            "broker_order_id": last.broker_order_id,
            "status": last.status,
            "filled_quantity": last.filled_quantity,
            "average_price": order_dict(order)["average_price"],
            "role": role,
            "events": [_REPORTED[type(e)] for e in booked],
        }
        summary = f"{last.transaction_type} {last.quantity} {last.tradingsymbol}: {last.status}"
        if fills:
            price = fills[-1].fill_price
            payload |= {"fill_quantity": filled, "fill_price": float(price)}
            summary += f" (filled {filled} at {price})"
        if order.status_message and not fills:
            payload["status_message"] = order.status_message
        timeline.record(
            db,
            run,
            kind="execution",
            source="live_oms",
            event_type="order.updated",
            now=last.ts_init,
            summary=summary,
            payload=payload,
            related=("order", last.order_id),
        )
