"""Exiting a run: flatten its paper legs, cancel its working orders, close it.

A paper exit is all-or-none: the cancels and the MARKET exits are worked out in one
savepoint, and if any exit is refused nothing of it stays and the run stays open. Exits
that fill close the run; exits resting for a price leave it ``exiting``. With an
idempotency key the exit happens once and a repeat answers ``already_submitted``.
``dry_run`` returns the plan and changes nothing. Dry-run runs close at once.

A live exit cannot be all-or-none (what the broker has cannot be rolled back): the run's
working orders are cancelled at the broker and each open leg gets a MARKET exit through
the live desk (exits skip the gate, as in paper); the run is then ``exiting`` until the
broker reports the fills (`recovery.settle_exiting` closes it once flat). Only the run's
Kite session is needed, not the switches: an exit removes risk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import WorkerRun, WorkerToken
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import WORKING, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.worker_access import ExecutionMode
from tradertape.domain.worker_runs import FINISHED, RunStatus
from tradertape.errors import InvalidField, Rejected, TraderTapeError
from tradertape.oms import BROKER as PAPER
from tradertape.services.workers import gtt, live, pnl, timeline
from tradertape.services.workers.access import check_nonce, locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.intents import (
    attribution,
    claim_key,
    place_for_run,
    release_key,
    store_result,
    stored_result,
)
from tradertape.services.workers.orders import run_orders
from tradertape.services.workers.views import iso, run_view

PENDING = {*WORKING, OrderStatus.AMO_REQ_RECEIVED.value}


def _exit_spec(leg: pnl.Leg) -> OrderSpec:
    side = TransactionType.SELL if leg.quantity > 0 else TransactionType.BUY
    return OrderSpec(
        exchange=Exchange(leg.exchange),
        tradingsymbol=leg.tradingsymbol,
        transaction_type=side,
        quantity=abs(leg.quantity),
        product=Product(leg.product),
        order_type=OrderType.MARKET,
    )


def _spec_dict(spec: OrderSpec) -> dict[str, Any]:
    return {
        "exchange": spec.exchange.value,
        "tradingsymbol": spec.tradingsymbol,
        "transaction_type": spec.transaction_type.value,
        "quantity": spec.quantity,
        "product": spec.product.value,
        "order_type": spec.order_type.value,
        "variety": spec.variety.value,
        "validity": spec.validity.value,
    }


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the run document keeps of an exit (the orders themselves are the run's orders)."""
    return {
        "status": result.get("status"),
        "order_ids": [o["order_id"] for o in result.get("orders", [])],
        "cancelled": result.get("cancelled", []),
    }


def close(db: Session, run: WorkerRun, now: datetime, reason: str, result: dict[str, Any]) -> None:
    """Mark the run closed, keep why and how, and journal it (no commit)."""
    run.status = RunStatus.CLOSED.value
    run.protection_armed = False
    run.closed_at = now
    run.updated_at = now
    run.runtime_state = {
        **run.runtime_state,
        "exit_reason": reason,
        "exit_result": _summary(result),
    }
    timeline.record(
        db,
        run,
        kind="execution",
        source="backend",
        event_type="run.closed",
        now=now,
        summary=f"run closed: {reason}",
        payload={"reason": reason, "status": result.get("status")},
    )


def _paper_exit(
    desk: WorkerContext,
    db: Session,
    run: WorkerRun,
    reason: str,
    key: str | None,
    now: datetime,
    role: str,
) -> tuple[str, dict[str, Any]]:
    legs = pnl.compute(desk, db, run).open_legs
    pending = [o for o in run_orders(db, run) if o.status in PENDING]
    if not legs and not pending:
        result: dict[str, Any] = {"status": "noop", "orders": [], "cancelled": [], "errors": []}
        close(db, run, now, reason, result)
        return "noop", result
    savepoint = db.begin_nested()
    try:
        for order in pending:
            desk.orders.cancel(
                db, user_id=run.user_id, order_id=order.order_id, last=None, commit=False
            )
        placed = [
            place_for_run(desk, db, run, _exit_spec(m.leg), intent_pk=None, key=key, role=role)
            for m in legs
        ]
    except InvalidField as exc:
        savepoint.rollback()
        errors: list[dict[str, Any]] = [{"field": exc.field, "reason": exc.message}]
        return "failed", {"status": "failed", "orders": [], "cancelled": [], "errors": errors}
    refused = [p for p in placed if p["status"] in ("rejected", "cancelled")]
    if refused:
        savepoint.rollback()
        errors = [{"order_id": p["order_id"], "reason": p.get("reason")} for p in refused]
        return "failed", {"status": "failed", "orders": [], "cancelled": [], "errors": errors}
    savepoint.commit()
    filled = all(p["status"] == "filled" for p in placed)
    result = {
        "status": "success" if filled else "submitted",
        "orders": placed,
        "cancelled": [o.order_id for o in pending],
        "errors": [],
    }
    if filled:
        close(db, run, now, reason, result)
    else:
        run.status = RunStatus.EXITING.value
        run.updated_at = now
        run.runtime_state = {
            **run.runtime_state,
            "exit_reason": reason,
            "exit_result": _summary(result),
        }
    return str(result["status"]), result


def _live_exit(
    desk: WorkerContext,
    db: Session,
    run: WorkerRun,
    reason: str,
    key: str | None,
    now: datetime,
    role: str,
) -> tuple[str, dict[str, Any]]:
    live.refresh(desk, db, run)
    triggers = gtt.run_triggers(desk, db, run)
    legs = pnl.compute(desk, db, run).open_legs
    pending = [o for o in run_orders(db, run) if o.status in PENDING and o.broker != PAPER]
    if not legs and not pending and not triggers:
        result: dict[str, Any] = {"status": "noop", "orders": [], "cancelled": [], "errors": []}
        close(db, run, now, reason, result)
        return "noop", result
    try:
        live.require_account(desk, db, run.user_id, run.account_scope)
        live_desk = live.live_desk(desk, run)
    except Rejected as exc:
        errors: list[dict[str, Any]] = [{"reason": str(exc), "rejection_reason": exc.reason}]
        return "failed", {"status": "failed", "orders": [], "cancelled": [], "errors": errors}
    errors = gtt.delete_run_triggers(desk, db, triggers)  # its stops would reopen what exits
    if not legs and not pending:  # only triggers stood: the run is flat once they are gone
        status = "failed" if errors else "noop"
        result = {"status": status, "orders": [], "cancelled": [], "errors": errors}
        if not errors:
            close(db, run, now, reason, result)
        return status, result
    cancelled: list[str] = []
    for order in pending:
        try:
            live_desk.cancel(db, order=order)
            cancelled.append(order.order_id)
        except TraderTapeError as exc:
            errors.append({"order_id": order.order_id, "reason": str(exc)})
    tags = attribution(run, key)
    placed = [
        live.place(
            desk,
            db,
            run,
            _exit_spec(m.leg),
            tags=tags,
            intent_pk=None,
            key=key,
            leg=index,
            role=role,
            exit_only=True,
        )
        for index, m in enumerate(legs)
    ]
    errors += [
        {"order_id": p["order_id"], "reason": p.get("reason")}
        for p in placed
        if p["status"] in ("rejected", "cancelled")
    ]
    working = [p for p in placed if p["status"] not in ("rejected", "cancelled")]
    if not working and not cancelled:  # nothing reached the broker: the run stays as it was
        return "failed", {"status": "failed", "orders": placed, "cancelled": [], "errors": errors}
    result = {
        "status": "submitted" if not errors else "partial",
        "orders": placed,
        "cancelled": cancelled,
        "errors": errors,
    }
    run.status = RunStatus.EXITING.value
    run.updated_at = now
    run.runtime_state = {
        **run.runtime_state,
        "exit_reason": reason,
        "exit_result": _summary(result),
    }
    return str(result["status"]), result


def flatten(
    desk: WorkerContext,
    db: Session,
    run: WorkerRun,
    reason: str,
    *,
    key: str | None,
    now: datetime,
    role: str = "exit",
) -> tuple[str, dict[str, Any]]:
    """Exit the run in its mode (no commit): ``(status, result)``; ``failed`` changed nothing.

    Paper runs flatten their legs; live runs send their exits to the broker (this
    commits: each order is recorded before it is sent); dry-run runs close at once.
    """
    if run.execution_mode == ExecutionMode.PAPER:
        return _paper_exit(desk, db, run, reason, key, now, role)
    if run.execution_mode == ExecutionMode.LIVE:
        return _live_exit(desk, db, run, reason, key, now, role)
    result = {"status": "closed", "reason": reason, "flat_confirmed": True, "closed_at": iso(now)}
    close(db, run, now, reason, result)
    return "closed", result


def _plan(desk: WorkerContext, db: Session, run: WorkerRun, now: datetime) -> dict[str, Any]:
    usage = pnl.compute(desk, db, run)
    pending = [o.order_id for o in run_orders(db, run) if o.status in PENDING]
    return {
        "legs": [pnl.leg_dict(m, now) for m in usage.open_legs],
        "orders": [_spec_dict(_exit_spec(m.leg)) for m in usage.open_legs],
        "cancels": pending,
    }


def exit_run(
    desk: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    nonce: str | None,
    reason: str | None,
    key: str | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Exit the run in its mode; ``{mode, status, result | exit, run}``."""
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce)
    now = desk.clock.now()
    mode = run.execution_mode
    if key is not None and (stored := stored_result(db, run, key)) is not None:
        answer = {"mode": mode, "status": "already_submitted", "result": stored}
        answer["run"] = run_view(run, desk.windows, now)
        db.rollback()
        return answer
    if run.status in FINISHED:
        answer = {
            "mode": mode,
            "status": "noop",
            "result": {"status": "noop", "reason": f"run is already {run.status}"},
            "run": run_view(run, desk.windows, now),
        }
        db.rollback()
        return answer
    if dry_run:
        answer = {
            "mode": mode,
            "status": "dry_run",
            "exit": _plan(desk, db, run, now),
            "run": run_view(run, desk.windows, now),
        }
        db.rollback()
        return answer
    why = reason or ("dry_run_exit" if mode == ExecutionMode.DRY_RUN else "worker_exit")
    intent_pk = None
    if key is not None:
        intent_pk = claim_key(db, run, key, "exit_run", {"reason": reason, "key": key}, now)
    status, result = flatten(desk, db, run, why, key=key, now=now)
    if intent_pk is not None and status == "failed":
        release_key(db, intent_pk)  # nothing happened: the same key may try again
    elif intent_pk is not None:
        store_result(db, intent_pk, result)
    db.commit()
    return {
        "mode": mode,
        "status": status,
        "result": result,
        "run": run_view(run, desk.windows, now),
    }
