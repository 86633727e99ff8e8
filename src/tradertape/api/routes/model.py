"""Model portfolios (seed 001): deploy and run them, act on their signals, follow positions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from tradertape.api.deps import CurrentUser, DbDep, DeskDep, PageDep, RuntimeDep
from tradertape.api.schemas.model import (
    CartPlaceRequest,
    DashboardOut,
    ExitWorkingOut,
    PlacementOut,
    PortfolioOut,
    PositionOut,
    ScanOut,
    ScanRequest,
    SignalOut,
    portfolio_out,
)
from tradertape.api.schemas.numbers import RowId
from tradertape.candles import CandleStore
from tradertape.candles.populate import last_completed_session
from tradertape.db.models import ModelPortfolio, ModelSignal, User
from tradertape.domain.money import shown_paise
from tradertape.domain.signals import SignalEvent
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.runtime import Runtime
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.market.calendar_watch import warning_now
from tradertape.services.portfolios import deploy as portfolios
from tradertape.services.portfolios import position_money, positions, runs, signals
from tradertape.services.portfolios.benchmark import benchmark_curve
from tradertape.services.portfolios.dashboard import (
    ExitWorking,
    Valued,
    dashboard,
    value_positions,
)
from tradertape.services.portfolios.deploy import PortfolioDeploy, PortfolioUpdate
from tradertape.services.portfolios.signal_labels import signal_labels
from tradertape.services.research.simulation import universe_keys

router = APIRouter(prefix="/model", tags=["model"])
StatusFilter = Annotated[str | None, Query(max_length=20, description="e.g. open, active")]


def _market(runtime: Runtime) -> Clock:
    """Market time: what portfolios, signals and positions record, as orders and GTTs do
    (the replayed session's instant in demo mode; docs/api-conventions.md, "Time")."""
    return runtime.orders.context.clock


def _trading(runtime: Runtime) -> signals.PortfolioTrading:
    return runtime.portfolio_trading


def _can_trade_live(runtime: Runtime, user: User, db: DbDep) -> None:
    """Both live switches (403) and a Kite session (409) before a live portfolio exists."""
    runtime.orders.require_live_gtts(db, user_id=user.id)


def _today(runtime: Runtime) -> date:
    return last_completed_session(runtime.candles.calendar, _market(runtime).now())


def _rupees(value: float) -> Decimal | None:
    """A figure the scanner keeps as a float, as the API shows money: a paise string; None
    for one that is no number (a NaN point written before scans carried unpriced positions
    at cost)."""
    return shown_paise(Decimal(repr(value)))


def _rupees_row(point: dict[str, Any]) -> dict[str, Any]:
    """An equity-curve point (date and rupee figures) with its figures as paise strings."""
    return {
        key: _rupees(value) if isinstance(value, float | int) else value
        for key, value in point.items()
    }


def signals_out(db: Session, rows: Iterable[ModelSignal], store: CandleStore) -> list[SignalOut]:
    """Signals labelled with their symbol's candle source, with what the agent reported."""
    listed = list(rows)
    return [
        SignalOut.model_validate(row).model_copy(update=update)
        for row, update in zip(listed, signal_labels(db, listed, store), strict=True)
    ]


def _portfolio_label(
    store: CandleStore, portfolio: ModelPortfolio, held: Iterable[str] = ()
) -> dict[str, object]:
    """The label of what a portfolio is scanned and valued on: its universe and holdings."""
    keys, _ = universe_keys(store, portfolio.universe)
    return asdict(store.label({*keys, *held}))


def positions_out(
    db: Session, valued: Sequence[Valued], working: Mapping[str, ExitWorking] | None = None
) -> list[PositionOut]:
    """Positions with their valuations and their money as the ledger holds it (one batched
    read for the page: `position_money`), each with the sale working in its symbol."""
    held = position_money.of_positions(db, [v.position for v in valued])
    selling = working or {}
    return [
        position_out(v, held[v.position.id]).model_copy(
            update={"exit_working": _working_out(selling.get(v.position.symbol))}
        )
        for v in valued
    ]


def _working_out(working: ExitWorking | None) -> ExitWorkingOut | None:
    if working is None:
        return None
    return ExitWorkingOut(sold=working.sold, quantity=working.quantity, hands=list(working.hands))


def position_out(valued: Valued, held: position_money.PositionMoney) -> PositionOut:
    """A position with its valuation, its charges and realised P&L (`held`, the ledger's)."""
    p = valued.position
    return PositionOut(
        id=p.id,
        portfolio_id=p.portfolio_id,
        signal_id=p.signal_id,
        symbol=p.symbol,
        sector=p.sector,
        quantity=p.quantity,
        entry_price=p.entry_price,
        entry_date=p.entry_date,
        addon_count=p.addon_count,
        stop_price=p.stop_price,
        stop_gtt_id=p.stop_gtt_id,
        entry_order_id=p.entry_order_id,
        status=p.status,
        last_price=valued.last_price,
        unrealised_pnl=valued.unrealised,
        exit_price=p.exit_price,
        exit_date=p.exit_date,
        exit_reason=p.exit_reason,
        realised_pnl=held.realised(p),
        charges=held.charges,
    )


@router.get("/portfolios", response_model=list[PortfolioOut])
async def list_portfolios(
    desk: DeskDep, page: PageDep, status: StatusFilter = None
) -> list[PortfolioOut]:
    """Your portfolios (active and paused; ``status=retired`` for the rest), newest first."""

    def read(db: Session, user: SignedIn) -> list[PortfolioOut]:
        rows = portfolios.listing(
            db, user_id=user.id, status=status, limit=page.limit, offset=page.offset
        )
        return [portfolio_out(r) for r in rows]

    return await desk.read(read)


@router.post("/portfolios/deploy", response_model=PortfolioOut, status_code=status.HTTP_201_CREATED)
def deploy_portfolio(
    body: PortfolioDeploy, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> PortfolioOut:
    """Deploy a strategy (its current version is pinned) with capital and guardrails."""
    row = portfolios.deploy(
        db,
        body,
        store=runtime.candles,
        clock=_market(runtime),
        user_id=user.id,
        live_trading_enabled=runtime.settings.live_trading_enabled,
        paper_exchange=runtime.portfolio_trading.exchange,
        live_check=lambda: _can_trade_live(runtime, user, db),
    )
    return portfolio_out(row)


@router.patch("/portfolios/{portfolio_id}", response_model=PortfolioOut)
def update_portfolio(
    portfolio_id: RowId, body: PortfolioUpdate, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> PortfolioOut:
    """Change ``executor`` (``server`` or ``agent``: then the server places nothing for it and
    its signals wait in the cart for the local agent) or ``auto_place_signals``. Handing a
    portfolio over while a GTT or order of it works at the broker is a 409."""
    row = portfolios.update(
        db,
        portfolio_id,
        body,
        user_id=user.id,
        clock=_market(runtime),
        live_trading_enabled=runtime.settings.live_trading_enabled,
        live_check=lambda: _can_trade_live(runtime, user, db),
    )
    return portfolio_out(row)


def _set(status_to: str, summary: str) -> None:
    def handler(
        portfolio_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
    ) -> PortfolioOut:
        return portfolio_out(
            portfolios.set_status(
                db,
                portfolio_id,
                user_id=user.id,
                clock=_market(runtime),
                status=status_to,
                orders=runtime.orders,  # a live portfolio's entries are deleted at its broker
                paper_exchange=runtime.portfolio_trading.exchange,
            )
        )

    handler.__doc__ = summary
    action = {"paused": "pause", "active": "resume", "retired": "retire"}[status_to]
    handler.__name__ = f"{action}_portfolio"
    router.post(f"/portfolios/{{portfolio_id}}/{action}", response_model=PortfolioOut)(handler)


_set("paused", "Pause: no scans and no placements until resumed.")
_set("active", "Resume a paused portfolio.")
_set(
    "retired",
    "Retire (409 while it has open positions or entry orders working); its pending signals "
    "expire and its entry GTTs still waiting are cancelled, their capital freed.",
)


@router.post("/portfolios/{portfolio_id}/reset", response_model=PortfolioOut)
def reset_portfolio(
    portfolio_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> PortfolioOut:
    """Start a paper portfolio over (409 for a live one); its waiting GTTs are cancelled."""
    row = portfolios.reset(
        db,
        portfolio_id,
        user_id=user.id,
        clock=_market(runtime),
        orders=runtime.orders,
        paper_exchange=runtime.portfolio_trading.exchange,
    )
    return portfolio_out(row)


@router.get("/dashboard", response_model=DashboardOut)
async def get_dashboard(portfolio_id: RowId, desk: DeskDep) -> DashboardOut:
    """Capital, positions with live P&L, pending signals, sectors, equity, activity, drift."""
    return await desk.read(lambda db, user: _dashboard(desk.runtime, db, user.id, portfolio_id))


def _dashboard(runtime: Runtime, db: Session, user_id: int, portfolio_id: int) -> DashboardOut:
    row = portfolios.get(db, portfolio_id, user_id=user_id)
    parts = dashboard(db, row, store=runtime.candles, quotes=runtime.quotes, day=_today(runtime))
    valued: list[Valued] = parts["valued"]
    curve = [_rupees_row(point) for point in row.equity_curve]
    bench_key, bench_curve = benchmark_curve(runtime.candles, row.universe, curve)
    return DashboardOut(
        portfolio=portfolio_out(row),
        capital={
            "free": row.current_capital,
            "deployed": row.deployed_capital,
            "committed": row.committed_capital,
        },
        open_positions=positions_out(db, valued, parts["exits_working"]),
        unrealised_pnl=sum((v.unrealised or Decimal(0) for v in valued), Decimal(0)),
        pending_signals=signals_out(db, parts["pending"], runtime.candles),
        sector_allocation=parts["sectors"],
        equity_curve=curve,
        recent_activity=parts["activity"],
        drift=parts["drift"],
        waiting_on_exits=sorted({v.position.symbol for v in valued} & set(parts["exits_working"])),
        benchmark=bench_key,
        benchmark_curve=bench_curve,
        **_portfolio_label(runtime.candles, row, (v.position.symbol for v in valued)),
        calendar_warning=warning_now(runtime.orders.context.calendar, runtime.clock),
    )


@router.post("/scan", response_model=list[ScanOut])
def scan(body: ScanRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> list[ScanOut]:
    """Scan now: fills of waiting orders, then the strategy at the close (default: the last
    completed session), then auto-placement where the portfolio asks for it."""
    day = body.date or _today(runtime)
    reports = runs.scan_user(
        db,
        user_id=user.id,
        portfolio_id=body.portfolio_id,
        store=runtime.candles,
        trading=_trading(runtime),
        day=day,
    )
    return [
        ScanOut(
            **_portfolio_label(runtime.candles, db.get_one(ModelPortfolio, r.portfolio_id)),
            portfolio_id=r.portfolio_id,
            date=r.day,
            skipped=r.skipped,
            entries=r.entries,
            addons=r.addons,
            exits=r.exits,
            dropped=r.dropped,
            expired=r.expired,
            equity=None if r.equity is None else _rupees(r.equity),
            provisional_calendar=r.provisional_calendar,
        )
        for r in reports
    ]


@router.get("/signals", response_model=list[SignalOut])
def list_signals(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    page: PageDep,
    portfolio_id: RowId | None = None,
    status: StatusFilter = None,
) -> list[SignalOut]:
    """Your signals, newest scan first, by conviction rank within it."""
    rows = signals.listing(
        db,
        user_id=user.id,
        portfolio_id=portfolio_id,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    return signals_out(db, rows, runtime.candles)


def _act(event: SignalEvent, action: str, summary: str) -> None:
    def handler(signal_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> SignalOut:
        row = signals.transition(db, signal_id, event, user_id=user.id, clock=_market(runtime))
        return signals_out(db, [row], runtime.candles)[0]

    handler.__doc__ = summary
    handler.__name__ = f"{action}_signal"
    router.post(f"/signals/{{signal_id}}/{action}", response_model=SignalOut)(handler)


_act(
    SignalEvent.APPROVE, "approve", "Approve into the cart (only from pending_approval; 409 else)."
)
_act(SignalEvent.REMOVE, "unapprove", "Take a signal back out of the cart.")
_act(SignalEvent.REJECT, "reject", "Reject a pending or carted signal.")
_act(SignalEvent.EXPIRE, "expire", "Expire a pending or carted signal now.")


@router.post("/cart/place", response_model=PlacementOut)
def place_cart(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    body: CartPlaceRequest | None = None,
    portfolio_id: Annotated[
        RowId | None, Query(description="as the body's portfolio_id (kept for old clients)")
    ] = None,
) -> PlacementOut:
    """Place every signal in your cart (entries as GTTs, exits as orders; paper: as set).

    ``portfolio_id`` goes in the body, as for ``/scan``; the query parameter still works,
    and the two disagreeing is a 422."""
    chosen = body.portfolio_id if body is not None else None
    if chosen is not None and portfolio_id is not None and chosen != portfolio_id:
        raise InvalidField("portfolio_id", "the body and the query name different portfolios")
    chosen = chosen if chosen is not None else portfolio_id
    result = signals.place_cart(db, user_id=user.id, portfolio_id=chosen, trading=_trading(runtime))
    return PlacementOut(placed=result.placed, failed=result.failed, for_agent=result.for_agent)


@router.get("/positions", response_model=list[PositionOut])
def list_positions(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    page: PageDep,
    portfolio_id: RowId | None = None,
    status: StatusFilter = None,
) -> list[PositionOut]:
    """Your portfolio positions (``status=open|exit_pending|closed``), valued now."""
    rows = positions.listing(
        db,
        user_id=user.id,
        portfolio_id=portfolio_id,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    valued = value_positions(rows, runtime.candles, runtime.quotes, _today(runtime))
    return positions_out(db, valued)


@router.post("/positions/{position_id}/close", response_model=PlacementOut)
def close_position(
    position_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> PlacementOut:
    """Close a position now: an exit signal (reason ``manual``) placed at once."""
    result = runs.close_position(
        db,
        position_id,
        user_id=user.id,
        store=runtime.candles,
        trading=_trading(runtime),
        day=_today(runtime),
    )
    return PlacementOut(placed=result.placed, failed=result.failed, for_agent=result.for_agent)
