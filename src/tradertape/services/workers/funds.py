"""Funds of the token's account scope, and a run's usage against its allocation cap.

Paper funds are the user's paper account's margins, the Funds page's own figures (one
account per user: every paper scope of a user reads the same money). A live scope's funds
are the connected Kite account's margins (``source: "broker"``), whatever the mode (a dry
run on a live scope reads them too); the scope must name that account. Both go through one
mapping into exactly the keys of the SDK's strict ``WorkerFundsSnapshot``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import WorkerRun, WorkerToken
from tradertape.domain.brokers import BrokerName
from tradertape.domain.worker_access import (
    ExecutionMode,
    ScopeError,
    is_paper_scope,
    parse_scope,
    scope_allows,
)
from tradertape.domain.worker_runs import allocation_cap
from tradertape.errors import Rejected
from tradertape.ports.broker import BrokerError
from tradertape.services.workers import live, pnl
from tradertape.services.workers.access import find_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import iso

_ZERO = Decimal(0)


def _money(value: Decimal) -> float:
    return float(round(value, 2))


def _check_scope(token: WorkerToken, mode: str, scope: str) -> None:
    try:
        parse_scope(scope)
    except ScopeError as exc:
        raise Rejected(400, "INVALID_ACCOUNT_SCOPE", str(exc)) from exc
    if not scope_allows(token.account_scope, scope):
        raise Rejected(403, "ACCOUNT_SCOPE_NOT_ALLOWED", f"this worker token may not use {scope}")
    if mode not in token.allowed_modes:
        raise Rejected(403, "EXECUTION_MODE_NOT_ALLOWED", f"this worker token may not use '{mode}'")
    # The contract's validation: the mode asked for and the scope must agree.
    if mode == ExecutionMode.PAPER and not is_paper_scope(scope):
        raise Rejected(400, "PAPER_SCOPE_REQUIRED", f"paper funds need a paper scope, not {scope}")
    if mode == ExecutionMode.LIVE and is_paper_scope(scope):
        raise Rejected(400, "LIVE_SCOPE_REQUIRED", f"live funds need a live scope, not {scope}")


def _funds(
    workers: WorkerContext, db: Session, *, user_id: int, scope: str, mode: str
) -> dict[str, Any]:
    if is_paper_scope(scope):
        return paper_funds(workers, db, user_id=user_id, scope=scope, mode=mode)
    return broker_funds(workers, db, user_id=user_id, scope=scope, mode=mode)


def broker_funds(
    workers: WorkerContext, db: Session, *, user_id: int, scope: str, mode: str
) -> dict[str, Any]:
    """The connected Kite account's equity margins in the snapshot's shape (asked now)."""
    live.require_account(workers, db, user_id, scope)
    if not workers.orders.live_wired:
        raise Rejected(503, "LIVE_BROKER_UNAVAILABLE", "this server has no live desk")
    try:
        margins = workers.orders.broker_margins(db, user_id=user_id, broker=BrokerName.KITE.value)
    except BrokerError as exc:
        raise Rejected(
            503, "WORKER_DATA_UNAVAILABLE", f"Kite did not give the margins: {exc}"
        ) from exc
    equity = margins.get("equity") or {}
    usable = _figure((equity.get("available") or {}).get("live_balance"))
    return _snapshot(
        workers,
        equity,
        scope=scope,
        mode=mode,
        source="broker",
        net=_figure(equity.get("net")),
        usable=usable,
    )


def paper_funds(
    workers: WorkerContext, db: Session, *, user_id: int, scope: str, mode: str
) -> dict[str, Any]:
    """The paper account's margins, the Funds page's own figures (`PaperPortfolio.margins`:
    the day's opening balance, today's M2M, its used margin), in the snapshot's shape;
    ``net`` is the account's cash (what is free plus what working orders and positions
    hold: today's delivery and option buys are paid from it already)."""
    equity = workers.portfolio.margins(db, user_id=user_id)["equity"]
    return _snapshot(
        workers,
        equity,
        scope=scope,
        mode=mode,
        source="paper_runtime",
        net=_figure(equity["available"]["cash"]),
        usable=_figure(equity["net"]),
    )


def _figure(value: object) -> Decimal:
    """A figure of a Kite-shaped margins answer (a number, or missing)."""
    return Decimal(str(value or 0))


def _snapshot(
    workers: WorkerContext,
    equity: dict[str, Any],
    *,
    scope: str,
    mode: str,
    source: str,
    net: Decimal,
    usable: Decimal,
) -> dict[str, Any]:
    """Kite's equity segment (``/user/margins``), paper or broker, as the SDK's strict
    ``WorkerFundsSnapshot``: one mapping, so both sources mean the same by each field."""
    available = equity.get("available") or {}
    utilised = equity.get("utilised") or {}
    free = max(usable, _ZERO)
    return {
        "account_scope": scope,
        "mode": mode,
        "currency": "INR",
        "source": source,
        "segments": {
            "equity": {
                "net": _money(net),
                "available_cash": _money(usable),
                "opening_balance": _money(_figure(available.get("opening_balance"))),
                "live_balance": _money(usable),
                "collateral": _money(_figure(available.get("collateral"))),
                "utilised": _money(_figure(utilised.get("debits"))),
                "m2m_realised": _money(_figure(utilised.get("m2m_realised"))),
                "m2m_unrealised": _money(_figure(utilised.get("m2m_unrealised"))),
            }
        },
        "allocation": {"usable_equity_cash": _money(free), "max_new_position_value": _money(free)},
        "stale": False,
        "updated_at": iso(workers.clock.now()),
    }


def account_funds(
    workers: WorkerContext, db: Session, token: WorkerToken, *, mode: str, scope: str | None
) -> dict[str, Any]:
    """``GET /worker/funds``: the scope's funds for a mode the token may use."""
    chosen = scope or token.account_scope
    _check_scope(token, mode, chosen)
    return _funds(workers, db, user_id=token.user_id, scope=chosen, mode=mode)


def run_funds(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """``GET /runs/{id}/funds``: account funds plus the run's usage and allocation cap."""
    run = find_run(db, token, run_key)
    if not is_paper_scope(run.account_scope):
        _check_scope(token, run.execution_mode, run.account_scope)
    funds = _funds(
        workers, db, user_id=run.user_id, scope=run.account_scope, mode=run.execution_mode
    )
    now = workers.clock.now()
    usage = pnl.compute(workers, db, run)
    allocation = run_allocation(run, usage)
    funds["strategy_run_id"] = run.run_key
    funds["strategy"] = {
        "strategy_run_id": run.run_key,
        "status": run.status,
        "gross_exposure": _money(usage.gross_exposure),
        "net_exposure": _money(usage.net_exposure),
        "realized_pnl": _money(usage.realized),
        "unrealized_pnl": _money(usage.unrealized),
        "net_pnl": _money(usage.realized + usage.unrealized - usage.charges),
        "estimated_margin_used": None,
        "allocation": allocation,
        "pnl": pnl.snapshot_of(run, usage, now)["totals"],
        "position_count": len(usage.open_legs),
        "is_stale": usage.is_stale,
    }
    remaining = allocation["remaining"]
    if remaining is not None:
        cap_room = Decimal(str(remaining))
        usable = Decimal(str(funds["allocation"]["max_new_position_value"]))
        funds["allocation"]["max_new_position_value"] = _money(min(usable, cap_room))
    funds["allocation"]["run"] = allocation
    return funds


def run_allocation(run: WorkerRun, usage: pnl.RunPnl) -> dict[str, Any]:
    """The cap (if any), what the run uses of it (gross exposure), and what is left."""
    cap = allocation_cap(run.metadata_, run.runtime_state)
    used = usage.gross_exposure
    return {
        "cap": _money(cap) if cap is not None else None,
        "used": _money(used),
        "remaining": _money(max(cap - used, _ZERO)) if cap is not None else None,
        "basis": "gross_exposure",
    }
