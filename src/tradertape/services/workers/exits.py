"""Exiting a run: cancel its working orders, delete its triggers, flatten its legs, close it.

Paper and live runs exit the same way, through the one pipeline at the run's account
(`placement`): the run's working orders are cancelled and each open leg gets a MARKET
exit (exits skip the risk gate: they are never blocked). What differs is the venue's, as
data (`VenueTraits.answers_at_once`):

- Where the venue answers at once (paper) the exit is all-or-none: the cancels and the
  exits are worked out in one savepoint, and if any is refused nothing of it stays and the
  run stays open. Exits that fill close the run; exits resting for a price leave it
  ``exiting``.
- Where it answers later (a broker) what was sent cannot be rolled back: each refusal is
  one more error (``partial``), and the run is ``exiting`` until the broker reports the
  fills (`Recovery.settle_exiting` closes it once flat). The run's live triggers are
  deleted first (a stop left standing would reopen what exits). Only the run's Kite
  session is needed, not the switches: an exit removes risk.

With an idempotency key the exit happens once and a repeat answers ``already_submitted``.
``dry_run`` returns the plan and changes nothing. Dry-run runs close at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerRun, WorkerToken
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import WORKING, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.worker_access import ExecutionMode
from tradertape.domain.worker_runs import FINISHED, RunStatus
from tradertape.errors import InvalidField, Rejected, TraderTapeError
from tradertape.oms import CancelOrder
from tradertape.services.workers import gtt, live, pnl, timeline
from tradertape.services.workers.access import check_nonce, locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.intents import (
    claim_key,
    release_key,
    store_result,
    stored_result,
)
from tradertape.services.workers.orders import run_orders
from tradertape.services.workers.placement import place, run_account
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


Outcome = tuple[str, dict[str, Any]]  # an exit's status and result


def _failed(errors: list[dict[str, Any]], orders: list[Any] | None = None) -> Outcome:
    """An exit that changed nothing the run holds (the run stays as it was)."""
    result = {"status": "failed", "orders": orders or [], "cancelled": [], "errors": errors}
    return "failed", result


def _triggers_only(
    db: Session, run: WorkerRun, now: datetime, reason: str, errors: list[dict[str, Any]]
) -> Outcome:
    """Only triggers stood: the run is flat once they are gone (they were deleted now)."""
    status = "failed" if errors else "noop"
    result = {"status": status, "orders": [], "cancelled": [], "errors": errors}
    if not errors:
        close(db, run, now, reason, result)
    return status, result


def _session_problem(workers: WorkerContext, db: Session, run: WorkerRun) -> list[dict[str, Any]]:
    """Why the run's Kite account cannot take its exit now (its session, no switch: an exit
    removes risk), in the contract's words; empty when it can."""
    try:
        live.require_account(workers, db, run.user_id, run.account_scope)
        live.require_live_wired(workers, run)
    except Rejected as exc:
        return [{"reason": str(exc), "rejection_reason": exc.reason}]
    return []


def _cancel(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    pending: list[Order],
    errors: list[dict[str, Any]],
    *,
    atomic: bool,
) -> list[str]:
    """Cancel the run's working orders; the ids cancelled. A refusal fails an atomic exit
    (raises), and is one more error of one that is not."""
    cancelled: list[str] = []
    for order in pending:
        try:
            cancel = CancelOrder(run.user_id, order.order_id, last=None, commit=False)
            workers.orders.cancel(db, cancel)
        except TraderTapeError as exc:
            if atomic:
                raise
            errors.append({"order_id": order.order_id, "reason": str(exc)})
            continue
        cancelled.append(order.order_id)
    return cancelled


def _exiting(run: WorkerRun, now: datetime, reason: str, result: dict[str, Any]) -> None:
    run.status = RunStatus.EXITING.value
    run.updated_at = now
    run.runtime_state = {
        **run.runtime_state,
        "exit_reason": reason,
        "exit_result": _summary(result),
    }


def _exit(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    reason: str,
    key: str | None,
    now: datetime,
    role: str,
) -> Outcome:
    """Cancel the run's working orders, delete its triggers and send a MARKET exit for each
    open leg, at its account; all-or-none where the venue answers at once (module)."""
    account = run_account(run)
    at_once = workers.orders.traits(account).answers_at_once
    live.refresh(workers, db, run)
    triggers = gtt.run_triggers(workers, db, run)
    legs = pnl.compute(workers, db, run).open_legs
    ours = [o for o in run_orders(db, run) if workers.orders.went_to(o, account)]
    pending = [o for o in ours if o.status in PENDING]
    if not legs and not pending and not triggers:
        result: dict[str, Any] = {"status": "noop", "orders": [], "cancelled": [], "errors": []}
        close(db, run, now, reason, result)
        return "noop", result
    if workers.orders.traits(account).needs_switches and (
        problem := _session_problem(workers, db, run)
    ):
        return _failed(problem)
    errors = gtt.delete_run_triggers(workers, db, triggers)  # its stops would reopen what exits
    if not legs and not pending:
        return _triggers_only(db, run, now, reason, errors)
    savepoint = db.begin_nested() if at_once else None
    try:
        cancelled = _cancel(workers, db, run, pending, errors, atomic=at_once)
        placed = [
            place(
                workers,
                db,
                run,
                _exit_spec(m.leg),
                intent_pk=None,
                key=key,
                leg=index,
                role=role,
                exit_only=True,  # exits are never blocked
            )
            for index, m in enumerate(legs)
        ]
    except InvalidField as exc:
        if savepoint is None:
            raise
        savepoint.rollback()
        return _failed([{"field": exc.field, "reason": exc.message}])
    refused = [p for p in placed if p["status"] in ("rejected", "cancelled")]
    errors += [{"order_id": p["order_id"], "reason": p.get("reason")} for p in refused]
    if savepoint is not None and refused:
        savepoint.rollback()  # all-or-none: nothing of the exit stays
        return _failed(errors)
    if savepoint is not None:
        savepoint.commit()
    if len(refused) == len(placed) and not cancelled:  # nothing reached the broker
        return _failed(errors, placed)
    # Done at once when the venue answers at once and every exit filled; at a broker the
    # run waits for the reports (`Recovery.settle_exiting` closes it once flat).
    done = at_once and all(p["status"] == "filled" for p in placed)
    status = "success" if done else "partial" if errors else "submitted"
    result = {"status": status, "orders": placed, "cancelled": cancelled, "errors": errors}
    if done:
        close(db, run, now, reason, result)
    else:
        _exiting(run, now, reason, result)
    return status, result


def flatten(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    reason: str,
    *,
    key: str | None,
    now: datetime,
    role: str = "exit",
) -> tuple[str, dict[str, Any]]:
    """Exit the run at its account (no commit): ``(status, result)``; ``failed`` changed
    nothing. A broker's exits commit (each order is recorded before it is sent); a dry-run
    run holds nothing and closes at once.
    """
    if run.execution_mode != ExecutionMode.DRY_RUN:
        return _exit(workers, db, run, reason, key, now, role)
    result = {"status": "closed", "reason": reason, "flat_confirmed": True, "closed_at": iso(now)}
    close(db, run, now, reason, result)
    return "closed", result


def _plan(workers: WorkerContext, db: Session, run: WorkerRun, now: datetime) -> dict[str, Any]:
    usage = pnl.compute(workers, db, run)
    pending = [o.order_id for o in run_orders(db, run) if o.status in PENDING]
    return {
        "legs": [pnl.leg_dict(m, now) for m in usage.open_legs],
        "orders": [_spec_dict(_exit_spec(m.leg)) for m in usage.open_legs],
        "cancels": pending,
    }


def exit_run(
    workers: WorkerContext,
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
    now = workers.clock.now()
    mode = run.execution_mode
    if key is not None and (stored := stored_result(db, run, key)) is not None:
        answer = {"mode": mode, "status": "already_submitted", "result": stored}
        answer["run"] = run_view(run, workers.windows, now)
        db.rollback()
        return answer
    if run.status in FINISHED:
        answer = {
            "mode": mode,
            "status": "noop",
            "result": {"status": "noop", "reason": f"run is already {run.status}"},
            "run": run_view(run, workers.windows, now),
        }
        db.rollback()
        return answer
    if dry_run:
        answer = {
            "mode": mode,
            "status": "dry_run",
            "exit": _plan(workers, db, run, now),
            "run": run_view(run, workers.windows, now),
        }
        db.rollback()
        return answer
    why = reason or ("dry_run_exit" if mode == ExecutionMode.DRY_RUN else "worker_exit")
    intent_pk = None
    if key is not None:
        intent_pk = claim_key(db, run, key, "exit_run", {"reason": reason, "key": key}, now)
    status, result = flatten(workers, db, run, why, key=key, now=now)
    if intent_pk is not None and status == "failed":
        release_key(db, intent_pk)  # nothing happened: the same key may try again
    elif intent_pk is not None:
        store_result(db, intent_pk, result)
    db.commit()
    return {
        "mode": mode,
        "status": status,
        "result": result,
        "run": run_view(run, workers.windows, now),
    }
