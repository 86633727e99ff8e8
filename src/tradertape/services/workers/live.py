"""Worker runs in ``live`` mode: their gates, in the worker contract's words.

A live run needs both switches (the server's ``TRADERTAPE_LIVE_TRADING_ENABLED`` and the
user's own ``users.live_trading``), a connected Kite session, and that session's account
to be the one the run's scope names: ``kite:<id>`` where ``<id>`` is the Kite user id the
login stored (``broker_user_id``). Its orders go through the one pipeline like a paper
run's (`placement`): the one pre-trade gate (kill switch and the run's own rules
included), recorded before they are sent, sent once, fills booked once from the broker's
reports.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, User, WorkerRun, WorkerRunOrder
from tradertape.domain.brokers import BrokerName
from tradertape.domain.order_state import PENDING
from tradertape.domain.worker_access import ExecutionMode, parse_scope
from tradertape.errors import Rejected
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.placement import run_account

LIVE_TRADING_DISABLED = "LIVE_TRADING_DISABLED"
KITE_SESSION_UNAVAILABLE = "WORKER_KITE_SESSION_UNAVAILABLE"  # the contract's GTT code
ACCOUNT_SCOPE_MISMATCH = "ACCOUNT_SCOPE_MISMATCH"


def require_switches(workers: WorkerContext, db: Session, user_id: int) -> None:
    """Refuse (403 ``LIVE_TRADING_DISABLED``) unless both switches allow live, naming which."""
    if not workers.live_trading_enabled:
        raise Rejected(
            403,
            LIVE_TRADING_DISABLED,
            "live trading is switched off on this server (TRADERTAPE_LIVE_TRADING_ENABLED)",
        )
    user = db.get(User, user_id)
    if user is None or not user.live_trading:
        raise Rejected(
            403,
            LIVE_TRADING_DISABLED,
            'live trading is off for your account: turn it on with {"live_trading": true, '
            '"confirm": "LIVE"} (PUT /api/auth/live-trading)',
        )


def connected_account(workers: WorkerContext, db: Session, user_id: int) -> str | None:
    """The Kite user id of the user's connected (unexpired) Kite session; None if none."""
    credentials = workers.credentials
    if credentials is None:
        return None
    row = credentials.get(db, user_id=user_id, broker=BrokerName.KITE)
    token = credentials.access_token(db, user_id=user_id, broker=BrokerName.KITE)
    if row is None or token is None:
        return None
    return row.broker_user_id or ""


def require_account(
    workers: WorkerContext, db: Session, user_id: int, scope: str, *, session: bool = True
) -> None:
    """The scope's account is the connected Kite account (409 when another one is).

    With `session`, no connected session is the contract's 503
    ``WORKER_KITE_SESSION_UNAVAILABLE``; without it (creating a run) it passes, and the
    account is checked when the run places.
    """
    wanted = parse_scope(scope)
    connected = connected_account(workers, db, user_id)
    if connected is None:
        if not session:
            return
        raise Rejected(
            503,
            KITE_SESSION_UNAVAILABLE,
            f"no live Kite session for {scope}: log in to Kite first (Settings → Brokers)",
            account_scope=scope,
        )
    if connected.upper() != wanted.upper():
        raise Rejected(
            409,
            ACCOUNT_SCOPE_MISMATCH,
            f"{scope} names Kite account {wanted}, but the connected Kite session is "
            f"{connected or 'of an unknown account'}: log in to Kite as {wanted}",
            account_scope=scope,
        )


def require_live_wired(workers: WorkerContext, run: WorkerRun) -> None:
    """The pipeline has live accounts wired (a 503 in the contract's words if not)."""
    if not workers.orders.live_wired:
        raise Rejected(
            503,
            "LIVE_BROKER_UNAVAILABLE",
            "live execution needs the live desk, and this server has none",
            strategy_run_id=run.run_key,
        )


def require_live(workers: WorkerContext, db: Session, run: WorkerRun) -> None:
    """Everything a live order of the run needs: both switches, its session, its account."""
    require_switches(workers, db, run.user_id)
    require_account(workers, db, run.user_id, run.account_scope)
    require_live_wired(workers, run)


def blocking(workers: WorkerContext, db: Session, run: WorkerRun) -> list[str]:
    """Why the live run cannot place now (for its safety check); empty when it can."""
    if run.execution_mode == ExecutionMode.DRY_RUN:  # a dry run places nothing
        return []
    if not workers.orders.traits(run_account(run)).needs_switches:  # a paper run needs none
        return []
    try:
        require_live(workers, db, run)
    except Rejected as exc:
        return [exc.reason]
    return []


def refresh(workers: WorkerContext, db: Session, run: WorkerRun) -> None:
    """Book what the broker says now of the run's working orders (reads show it); nothing
    to ask where the venue answers at once (paper)."""
    if workers.orders.traits(run_account(run)).answers_at_once or not workers.orders.live_wired:
        return
    ids = db.scalars(
        select(Order.broker_order_id)
        .join(WorkerRunOrder, WorkerRunOrder.order_pk == Order.id)
        .where(
            WorkerRunOrder.run_pk == run.id,
            Order.broker_order_id.is_not(None),
            Order.status.in_(PENDING),
        )
    )
    wanted = [str(i) for i in ids]
    if wanted:
        workers.orders.refresh(
            db, user_id=run.user_id, broker_order_ids=wanted, broker=BrokerName.KITE.value
        )
