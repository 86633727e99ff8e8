"""A run's orders and trades, order history, cancel and modify, and previews.

Paper and live runs get all of it (the published backend serves these to live runs only;
a superset is SDK-safe). An order is visible through a run only if it was placed for that
run: anyone else's order is a 404 that says nothing more, and an order of another of the
same token's runs is a 409 ``ORDER_OWNERSHIP_CONFLICT``.

A live run's reads first ask the broker about its working orders (`live.refresh`), so a
worker polling its order sees the broker's status and fills, booked once. Its cancels and
modifications go to the broker through the live venue: a cancel needs only the run's Kite
session (it removes risk); a modification needs both switches too and passes the gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import (
    Order,
    OrderEventRow,
    Trade,
    WorkerRun,
    WorkerRunOrder,
    WorkerToken,
)
from tradertape.domain.worker_access import ExecutionMode
from tradertape.errors import NotFound, Rejected
from tradertape.oms import CancelOrder, ModifyOrder, order_dict, trade_dict
from tradertape.ports.clock import IST
from tradertape.services.workers import live
from tradertape.services.workers.access import check_nonce, find_run, locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import cost_contract
from tradertape.services.workers.intents import (
    PLACE_BASKET,
    PLACE_ORDER,
    WorkerOrder,
    priced_legs,
    require_open,
)
from tradertape.services.workers.order_journal import asked_by
from tradertape.services.workers.placement import attribution


def run_orders(db: Session, run: WorkerRun) -> list[Order]:
    """The run's orders, oldest first."""
    query = (
        select(Order)
        .join(WorkerRunOrder, WorkerRunOrder.order_pk == Order.id)
        .where(WorkerRunOrder.run_pk == run.id)
        .order_by(Order.id)
    )
    return list(db.scalars(query))


def shown(order: Order) -> dict[str, Any]:
    """An order in Kite's shape, with the run's tag."""
    return order_dict(order)


def _read_run(workers: WorkerContext, db: Session, token: WorkerToken, run_key: str) -> WorkerRun:
    """The run, its live orders brought up to the broker's word first."""
    run = find_run(db, token, run_key)
    live.refresh(workers, db, run)
    return run


def list_orders(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """``{strategy_run_id, orders}`` (exactly: the SDK's model takes no other key)."""
    run = _read_run(workers, db, token, run_key)
    return {"strategy_run_id": run.run_key, "orders": [shown(o) for o in run_orders(db, run)]}


def list_trades(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """``{strategy_run_id, trades}``, oldest first."""
    run = _read_run(workers, db, token, run_key)
    rows = db.execute(
        select(Trade, Order.order_id)
        .join(Order, Order.id == Trade.order_pk)
        .join(WorkerRunOrder, WorkerRunOrder.order_pk == Order.id)
        .where(WorkerRunOrder.run_pk == run.id)
        .order_by(Trade.id)
    ).all()
    return {
        "strategy_run_id": run.run_key,
        "trades": [trade_dict(trade, order_id) for trade, order_id in rows],
    }


def run_order(db: Session, token: WorkerToken, run: WorkerRun, order_id: str) -> Order:
    """One of the run's orders: 404 for unknown or foreign, 409 for a sibling run's."""
    found = db.execute(
        select(Order, WorkerRunOrder.run_pk)
        .join(WorkerRunOrder, WorkerRunOrder.order_pk == Order.id)
        .where(Order.order_id == order_id, Order.user_id == run.user_id)
    ).first()
    if found is None:
        raise NotFound(f"order {order_id} not found for this run")
    order, run_pk = found
    if run_pk != run.id:
        sibling = db.get(WorkerRun, run_pk)
        if sibling is None or sibling.token_id != token.id:
            raise NotFound(f"order {order_id} not found for this run")
        raise Rejected(
            409,
            "ORDER_OWNERSHIP_CONFLICT",
            f"order {order_id} belongs to another run of this token",
            strategy_run_id=run.run_key,
        )
    return order


def get_order(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str, order_id: str
) -> dict[str, Any]:
    """``{strategy_run_id, order}``."""
    run = _read_run(workers, db, token, run_key)
    return {"strategy_run_id": run.run_key, "order": shown(run_order(db, token, run, order_id))}


def order_history(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str, order_id: str
) -> dict[str, Any]:
    """Every state the order went through, oldest first, each an order snapshot."""
    run = _read_run(workers, db, token, run_key)
    order = run_order(db, token, run, order_id)
    base = shown(order)
    events = db.scalars(
        select(OrderEventRow).where(OrderEventRow.order_pk == order.id).order_by(OrderEventRow.id)
    )
    history = []
    filled = 0
    for event in events:
        filled += event.fill_quantity
        stamp = event.ts_event.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
        history.append(
            {
                **base,
                "status": event.status_after,
                "status_message": event.message,
                "filled_quantity": filled,
                "pending_quantity": max(order.quantity - filled, 0),
                "average_price": float(event.fill_price) if event.fill_price else 0.0,
                "order_timestamp": stamp,
                "exchange_timestamp": stamp,
                "event": event.kind,
            }
        )
    return {"strategy_run_id": run.run_key, "order_id": order.order_id, "history": history}


def _amendable(run: WorkerRun) -> None:
    if run.execution_mode == ExecutionMode.DRY_RUN:
        raise NotFound("this run has no orders to change")


def cancel(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    order_id: str,
    *,
    nonce: str | None,
) -> dict[str, Any]:
    """Cancel one of the run's working orders (commits)."""
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce, missing_ok=True)
    _amendable(run)
    current = run_order(db, token, run, order_id)
    if workers.orders.traits_of(current.broker).needs_switches:  # the run's own checks (contract)
        live.require_account(workers, db, run.user_id, run.account_scope)
        live.require_live_wired(workers, run)
    command = CancelOrder(
        user_id=run.user_id,
        order_id=order_id,
        last=None,
        commit=False,
        requested_by=asked_by(run, "cancel"),  # the run's timeline hears it (order_journal)
    )
    order = workers.orders.cancel(db, command)
    db.commit()
    return {"strategy_run_id": run.run_key, "order_id": order_id, "result": shown(order)}


def modify(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    order_id: str,
    *,
    nonce: str | None,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """Change one of the run's working orders (open runs only; commits)."""
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce, missing_ok=True)
    _amendable(run)
    require_open(run)
    current = run_order(db, token, run, order_id)
    last = workers.last_tick(f"{current.exchange}:{current.tradingsymbol}")
    if workers.orders.traits_of(current.broker).needs_switches:  # the run's own checks (contract)
        live.require_live(workers, db, run)
    command = ModifyOrder(
        user_id=run.user_id,
        order_id=order_id,
        changes=changes,
        last=last,
        commit=False,
        switches=False,
        requested_by=asked_by(run, "modify"),  # the run's timeline hears it (order_journal)
    )
    order = workers.orders.modify(db, command)
    db.commit()
    return {"strategy_run_id": run.run_key, "order_id": order_id, "result": shown(order)}


def preview(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    orders: Sequence[WorkerOrder],
    *,
    basket: bool,
    all_or_none: bool = False,
) -> dict[str, Any]:
    """What placing would cost, without placing: ``{strategy_run_id, mode, preview}``."""
    run = find_run(db, token, run_key)
    intent_type = PLACE_BASKET if basket else PLACE_ORDER
    legs = priced_legs(workers, db, orders, intent_type=intent_type, session=False)
    catalog = workers.trading.catalog(db)
    tags = attribution(run, None)
    body: dict[str, Any] = {
        "intent_type": intent_type,
        "cost_contract": cost_contract(workers, legs, catalog=catalog),
    }
    if basket:
        body["basket"] = {
            "orders": [{**o.fields, "attribution": tags} for o in orders],
            "all_or_none": all_or_none,
            "legs": [
                {"leg_index": i, "cost_contract": cost_contract(workers, [leg], catalog=catalog)}
                for i, leg in enumerate(legs)
            ],
        }
    else:
        body["order"] = {**orders[0].fields, "attribution": tags}
    return {"strategy_run_id": run.run_key, "mode": run.execution_mode, "preview": body}
