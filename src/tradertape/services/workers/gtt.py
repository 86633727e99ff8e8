"""GTT for workers: the token's live Kite account's triggers, through the live GTT book.

GTTs are the broker's own triggers, so the contract serves them only to tokens with a
live ``kite:<user id>`` scope (a paper scope is a 400: paper runs protect positions with
backend protection). Every write goes through the order pipeline like the user's own live
GTTs: validated, each leg through the one pre-trade gate, recorded before Kite hears of
it, placed once (a timeout is looked up, never placed again). Placing and modifying need
both live switches; every call needs the scope's Kite session (503
``WORKER_KITE_SESSION_UNAVAILABLE``, 409 ``ACCOUNT_SCOPE_MISMATCH`` for another account);
deleting needs only the session, as a cancel does.

A trigger placed with ``strategy_run_id`` (our superset of Kite's body) names the token's
live run: when Kite fires it, the order adopted here is linked to the run (role ``gtt``)
and journalled on its timeline, so the run's orders, trades, P&L and protection see it.
The ids are ours (`Gtt.id`), as in ``/api/gtt/triggers``; triggers made in Kite's own
app are not listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Gtt, Order, WorkerRun, WorkerRunOrder, WorkerToken
from tradertape.domain.owners import owner_from, run_of, run_owner, tags_of
from tradertape.domain.worker_access import ExecutionMode, is_paper_scope
from tradertape.errors import BadRequest, NotFound, Rejected, ServiceUnavailable, TraderTapeError
from tradertape.oms import (
    GTT_ACTIVE,
    GTT_BROKER,
    Account,
    CancelGtt,
    CreateGtt,
    DeleteGtt,
    ModifyGtt,
)
from tradertape.ports.broker import GttSpec
from tradertape.services.workers import live
from tradertape.services.workers.access import find_run, lock_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.intents import require_open
from tradertape.services.workers.order_journal import GTT_ROLE
from tradertape.services.workers.placement import link_order

_BROKER_REFUSED = "the broker refused"  # `LiveGttBook`'s words for Kite's refusals


def live_scope(workers: WorkerContext, db: Session, token: WorkerToken, *, write: bool) -> None:
    """The token's scope is live and its Kite session connected (writes: switches on)."""
    if is_paper_scope(token.account_scope):
        raise Rejected(
            400,
            "WORKER_ACCOUNT_SCOPE_UNSUPPORTED",
            f"GTT triggers live at the broker and need a live 'kite:<user id>' account scope; "
            f"this token's scope {token.account_scope} is paper (use backend protection)",
        )
    if write:
        live.require_switches(workers, db, token.user_id)
    live.require_account(workers, db, token.user_id, token.account_scope)


@contextmanager
def _provider_errors() -> Iterator[None]:
    """The book's refusals in the contract's ``GTT_*`` codes."""
    try:
        yield
    except NotFound as exc:
        raise Rejected(404, "GTT_TRIGGER_NOT_FOUND", exc.detail) from exc
    except ServiceUnavailable as exc:
        raise Rejected(503, "GTT_PROVIDER_UNAVAILABLE", exc.detail) from exc
    except BadRequest as exc:
        refused = exc.detail.startswith(_BROKER_REFUSED)
        reason = "GTT_PROVIDER_REJECTED" if refused else "GTT_REQUEST_INVALID"
        raise Rejected(400, reason, exc.detail) from exc


def _own(workers: WorkerContext, db: Session, token: WorkerToken, trigger_id: int) -> Gtt:
    with _provider_errors():
        row = workers.orders.gtt(db, user_id=token.user_id, trigger_id=trigger_id)
    if row.broker != GTT_BROKER:  # a paper trigger is not the account's
        raise Rejected(404, "GTT_TRIGGER_NOT_FOUND", f"no GTT {trigger_id} at Kite")
    return row


def triggers(
    workers: WorkerContext, db: Session, token: WorkerToken
) -> list[tuple[Gtt, Order | None]]:
    """The account's live triggers, newest first, each with the order it placed."""
    live_scope(workers, db, token, write=False)
    rows = workers.orders.gtts(db, user_id=token.user_id)
    return [(row, placed) for row, placed in rows if row.broker == GTT_BROKER]


def trigger(
    workers: WorkerContext, db: Session, token: WorkerToken, trigger_id: int
) -> tuple[Gtt, Order | None]:
    """One live trigger of the account (404 ``GTT_TRIGGER_NOT_FOUND``)."""
    live_scope(workers, db, token, write=False)
    row = _own(workers, db, token, trigger_id)
    return row, workers.orders.gtt_order(db, row)


def _run_tags(db: Session, token: WorkerToken, run_key: str) -> dict[str, Any]:
    run = find_run(db, token, run_key)
    if run.execution_mode != ExecutionMode.LIVE:  # the contract: GTTs sit at the broker
        raise Rejected(
            400,
            "GTT_REQUEST_INVALID",
            f"strategy_run_id: run {run_key} is {run.execution_mode}, and GTTs are live",
            strategy_run_id=run.run_key,
        )
    require_open(run)
    return {"strategy_run_id": run.run_key, **tags_of(run_owner(run.id)), "source": "worker"}


def place(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    spec: GttSpec,
    *,
    run_key: str | None = None,
) -> int:
    """Place a trigger at Kite through the live GTT book (recorded first, once); its id."""
    live_scope(workers, db, token, write=True)
    tags = _run_tags(db, token, run_key) if run_key is not None else None
    with _provider_errors():
        command = CreateGtt(
            user_id=token.user_id,
            spec=spec,
            account=Account(live=True),
            attribution=tags,
            switches=False,  # `live_scope` checked them in the contract's shape
        )
        row = workers.orders.create_gtt(db, command)
    return row.id


def modify(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    trigger_id: int,
    spec: GttSpec,
) -> int:
    """Change a live trigger here and at Kite (the new legs pass the gate)."""
    live_scope(workers, db, token, write=True)
    _own(workers, db, token, trigger_id)
    with _provider_errors():
        changed = ModifyGtt(token.user_id, trigger_id, spec, switches=False)
        workers.orders.modify_gtt(db, changed)
    return trigger_id


def delete(workers: WorkerContext, db: Session, token: WorkerToken, trigger_id: int) -> int:
    """Delete a live trigger at Kite, then here (only the session needed: it removes risk)."""
    live_scope(workers, db, token, write=False)
    _own(workers, db, token, trigger_id)
    with _provider_errors():
        workers.orders.delete_gtt(db, DeleteGtt(token.user_id, trigger_id))
    return trigger_id


def link_adopted(db: Session, gtt: Gtt, order: Order) -> None:
    """`LiveGttBook`'s adoption hook: a run's fired trigger's order joins the run.

    In the adoption's transaction, under the run's lock (no ledger lock is held yet): the
    link (role ``gtt``). The run's timeline heard of the order from the OMS
    (`order_journal`), and hears of its fill from `LiveRunJournal`, a watcher of its booking's
    events.
    """
    run_pk = run_of(owner_from(None, gtt.attribution))
    run = db.get(WorkerRun, run_pk) if run_pk is not None else None
    if run is None:
        return
    lock_run(db, run)
    linked = db.scalar(select(WorkerRunOrder.id).where(WorkerRunOrder.order_pk == order.id))
    if linked is not None:
        return
    link_order(db, run, order, GTT_ROLE)


def run_triggers(workers: WorkerContext, db: Session, run: WorkerRun) -> list[Gtt]:
    """The run's triggers still standing at Kite (placed with its ``strategy_run_id``)."""
    if not workers.orders.live_wired:
        return []
    rows = db.scalars(
        select(Gtt).where(
            Gtt.user_id == run.user_id, Gtt.broker == GTT_BROKER, Gtt.status == GTT_ACTIVE
        )
    )
    return [g for g in rows if run_of(owner_from(None, g.attribution)) == run.id]


def delete_run_triggers(
    workers: WorkerContext, db: Session, triggers: list[Gtt]
) -> list[dict[str, Any]]:
    """Delete an exiting run's triggers at Kite (each commits); the errors, if any.

    A run's stop left standing after its exit would open a new position when it fires.
    One Kite says fired already is an error: its order joined the run and is exited next.
    """
    errors: list[dict[str, Any]] = []
    for row in triggers:
        try:
            deleted = workers.orders.cancel_gtt(db, CancelGtt(row.id))
        except TraderTapeError as exc:
            errors.append({"gtt_id": row.id, "reason": str(exc)})
            continue
        if not deleted:
            errors.append({"gtt_id": row.id, "reason": f"GTT {row.id} fired or went at Kite"})
    return errors
