"""One order of a worker run, placed through the OMS's pipeline at the run's account.

Paper and live go the same way: the run's scope names its account (`run_account`), the
pipeline chooses the venue, and what differs between venues is data the pipeline hands
out (`VenueTraits`), never a branch here. The run's link to the order (and, for a venue
that answers later, what a retry of the intent must be told: `remember`) is written in the
transaction that records the order, before a broker hears of it. The run's timeline hears
of the placement from the OMS (`order_journal`).

A venue that answers later (a broker) gets a client key derived from the run, the
intent's key and the leg as well, a second guard against sending twice; one that answers
at once (paper) needs none: the intent's row is the guard, claimed in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, Trade, WorkerRun, WorkerRunOrder
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.domain.brokers import BrokerName
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import OrderSpec
from tradertape.domain.owners import run_owner, tags_of
from tradertape.domain.worker_access import ExecutionMode, is_paper_scope
from tradertape.oms import BROKER as PAPER
from tradertape.oms import PAPER_ACCOUNT, Account, Checked, SubmitOrder, order_dict, trade_dict
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.order_journal import ROLE, WORKER

_LINK = Prepared(insert(table_of(WorkerRunOrder)), keys=("run_pk", "order_pk", "intent_pk", "role"))
#: What a venue that answers later keeps of an order before it is sent (its first result).
Remember = Callable[[Session, dict[str, Any]], None]
_STATUS = {
    OrderStatus.COMPLETE.value: "filled",
    OrderStatus.REJECTED.value: "rejected",
    OrderStatus.CANCELLED.value: "cancelled",
}


def run_account(run: WorkerRun) -> Account:
    """The account the run's scope names: the paper account, or its Kite account."""
    if is_paper_scope(run.account_scope):
        return PAPER_ACCOUNT
    return Account(live=True, broker=BrokerName.KITE.value)


def attribution(run: WorkerRun, key: str | None) -> dict[str, Any]:
    """What every order of the run carries, so P&L and journals can group it."""
    return {
        "strategy_run_id": run.run_key,
        **tags_of(run_owner(run.id)),
        "token_id": run.token_id,
        "template_id": run.template_id,
        "strategy_family": run.metadata_.get("strategy_family"),
        "strategy_name": run.name,
        "entry_surface": "algo_worker",
        "intent_key": key,
        "tag": f"wr{run.id}"[:20],
    }


def link_order(
    db: Session, run: WorkerRun, order: Order, role: str, *, intent_pk: int | None = None
) -> None:
    """Join `order` to the run (``worker_run_orders``) as `role`: an intent's leg, an exit,
    a fired trigger's order (``gtt``), an option run's leg; in the order's transaction."""
    link = {"run_pk": run.id, "order_pk": order.id, "intent_pk": intent_pk, "role": role}
    _LINK.execute(db, link)


def client_key(run: WorkerRun, key: str | None, leg: int) -> str | None:
    """The order's key in the OMS: the run, the intent's key and the leg, within 160 chars."""
    if key is None:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"worker:{run.id}:{digest}:{leg}"


def order_status(order: Order) -> str:
    """The intent's word for the order's state."""
    return _STATUS.get(order.status, "accepted")


def order_result(db: Session, order: Order, trades: list[Trade] | None = None) -> dict[str, Any]:
    """A run's order as an intent's result (``mode`` says its venue: paper or live);
    `trades`: its trades when the caller has them (a paper placement's), else read."""
    if trades is None:
        query = select(Trade).where(Trade.order_pk == order.id).order_by(Trade.id)
        trades = list(db.scalars(query))
    status = order_status(order)
    mode = ExecutionMode.PAPER if order.broker == PAPER else ExecutionMode.LIVE  # the word
    shaped = [trade_dict(t, order.order_id) for t in trades]
    result: dict[str, Any] = {
        "mode": mode.value,
        "status": status,
        "order_id": order.order_id,
        "order": order_dict(order),
        "trade": dict(shaped[-1]) if shaped else None,  # the last, shaped once (a copy)
        "trades": shaped,
    }
    if status == "rejected":
        result["reason"] = order.status_message
    return result


def place(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    spec: OrderSpec,
    *,
    intent_pk: int | None,
    key: str | None,
    leg: int,
    role: str,
    exit_only: bool,
    remember: Remember | None = None,
    checked: Checked | None = None,
) -> dict[str, Any]:
    """Place one order for the run at its account and attribute it; its result.

    In the caller's transaction at a venue that answers at once (no commit); a broker's
    order is committed, then sent (the run's own checks ran first, in the worker contract's
    words, so the pipeline's switches are not asked again). Entries pass the pre-trade gate
    with the run's own rules as well as the user's (the attribution names the run);
    ``exit_only`` orders never wait on it. `checked`: the intent's check of `spec`, which
    the paper exchange does not ask again on the same tick.
    """
    account = run_account(run)
    answers_later = not workers.orders.traits(account).answers_at_once

    def recorded(session: Session, order: Order) -> None:
        link_order(session, run, order, role, intent_pk=intent_pk)
        if remember is not None and answers_later:  # at once: the caller stores it after
            remember(session, order_result(session, order))

    placed = workers.orders.submit(
        db,
        SubmitOrder(
            user_id=run.user_id,
            spec=spec,
            last=workers.last_tick(spec.key),
            account=account,
            client_key=client_key(run, key, leg) if answers_later else None,
            source=WORKER,
            attribution={**attribution(run, key), ROLE: role},
            commit=False,
            exit_only=exit_only,
            on_record=recorded,
            switches=False,
            checked=None if answers_later else checked,
        ),
    )
    return order_result(db, placed.order, placed.trades)
