"""A live order's booked reports on its worker run's timeline.

`LiveOrders.apply_report` books what the broker reports (postback, ticker socket or poll)
once; this watcher journals each booking that changed a run's order as one
``order.updated`` execution event, in the booking's transaction, so the entry commits
with the fill, once, whichever report won. The run's lock is taken before the ledger's,
the order a worker's own placement keeps (run, then ledger).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerRun, WorkerRunOrder
from tradertape.oms import order_dict
from tradertape.services.workers import timeline
from tradertape.services.workers.access import lock_run


def _linked(db: Session, order_pk: int) -> tuple[WorkerRun, str] | None:
    row = db.execute(
        select(WorkerRun, WorkerRunOrder.role)
        .join(WorkerRunOrder, WorkerRunOrder.run_pk == WorkerRun.id)
        .where(WorkerRunOrder.order_pk == order_pk)
    ).first()
    return None if row is None else (row[0], row[1])


class LiveRunJournal:
    """The `BookingWatcher` that writes a run's live fills and final states to its timeline."""

    def lock(self, db: Session, order_pk: int) -> None:
        """Hold the lock of the order's run, if a run placed it (the cursor's order)."""
        linked = _linked(db, order_pk)
        if linked is not None:
            lock_run(db, linked[0])

    def booked(self, db: Session, order: Order, history: list[dict[str, Any]]) -> None:
        """One ``order.updated`` event of the run for what this report booked."""
        linked = _linked(db, order.id)
        if linked is None:
            return
        run, role = linked
        fills = [h for h in history if h["fill_quantity"]]
        filled = sum(h["fill_quantity"] for h in fills)
        shown = order_dict(order)
        payload: dict[str, Any] = {
            "order_id": order.order_id,
            "broker_order_id": order.broker_order_id,
            "status": order.status,
            "filled_quantity": order.filled_quantity,
            "average_price": shown["average_price"],
            "role": role,
            "events": [h["kind"] for h in history],
        }
        summary = f"{order.transaction_type} {order.quantity} {order.tradingsymbol}: {order.status}"
        if fills:
            price = fills[-1]["fill_price"]
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
            now=history[-1]["ts_init"],
            summary=summary,
            payload=payload,
            related=("order", order.order_id),
        )
