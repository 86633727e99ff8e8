"""The agent API (seed 001, docs/agent-api.md): what the local agent polls and reports with
its key (``Authorization: Bearer zt_…``); the web app reads it under ``/api/trading-agent``
(`trading_agent`). The key reaches nothing else; a cookie or a worker token is refused
here, and every answer holds only the key owner's rows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Header, Query

from tradertape.api.deps import AgentKeyDep, DbDep, RuntimeDep
from tradertape.api.routes.wealth import fund_out
from tradertape.api.schemas.agent import (
    AccessTokenIn,
    AccessTokenOut,
    AgentFundsOut,
    AgentLeg,
    AgentPlacement,
    AgentRisk,
    AgentRule,
    AgentSignal,
    AgentSignalStateOut,
    AgentStop,
    BrokerSessionOut,
    ExpectedPositionOut,
    PendingSignalsOut,
    PendingTokenOut,
    SignalResultIn,
    SignalResultOut,
    SyncHoldingsIn,
    SyncOut,
    SyncPositionsIn,
)
from tradertape.api.schemas.alerts import AlertFireOut
from tradertape.api.schemas.numbers import Cursor, RowId
from tradertape.db.models import AgentSnapshot, ModelSignal
from tradertape.domain.brokers import BrokerName
from tradertape.domain.signals import SignalEvent
from tradertape.ports.clock import Clock
from tradertape.runtime import Runtime
from tradertape.services.agent import expected as expectations
from tradertape.services.agent import heartbeat, relay, snapshots
from tradertape.services.agent import signals as agent_signals
from tradertape.services.agent.book import synced_sectors
from tradertape.services.agent.fill_checks import FillMarket
from tradertape.services.alerts import alerts as alert_service
from tradertape.services.brokers.login import redirect_url
from tradertape.services.brokers.session_watch import log_in_again
from tradertape.services.journal.ledger import ist_today
from tradertape.services.wealth.holdings import mutual_funds as funds_of

router = APIRouter(prefix="/agent", tags=["agent"])


def _market(runtime: Runtime) -> Clock:
    """Market time, as signals, positions and risk events record it."""
    return runtime.orders.context.clock


def _sector(runtime: Runtime) -> Callable[[str], str | None]:
    catalog = runtime.catalog

    def sector_of(key: str) -> str | None:
        found = catalog.find(key)
        return found.sector if found else None

    return sector_of


def _signal_out(handout: agent_signals.Handout, runtime: Runtime) -> AgentSignal:
    signal, portfolio = handout.signal, handout.portfolio
    listed = runtime.catalog.find(signal.symbol)
    exchange, _, tradingsymbol = signal.symbol.partition(":")
    place = agent_signals.placement(signal, handout.position, portfolio)
    stop = agent_signals.stop(signal, portfolio)
    return AgentSignal(
        signal_id=signal.id,
        portfolio_id=portfolio.id,
        portfolio_name=portfolio.name,
        broker=portfolio.broker,
        signal_type=signal.signal_type,
        status=signal.status,
        symbol=signal.symbol,
        exchange=exchange,
        tradingsymbol=tradingsymbol,
        isin=listed.isin if listed is not None else None,
        side=signal.side,
        quantity=signal.quantity,
        amount=signal.amount,
        close_price=signal.close_price,
        trigger_price=signal.trigger_price,
        limit_price=signal.limit_price,
        entry_buffer_pct=agent_signals.entry_buffer_pct(portfolio),
        limit_pad_pct=agent_signals.limit_pad_pct(),
        placement=AgentPlacement(
            kind=place["kind"],
            gtt_type=place["gtt_type"],
            trigger_values=place["trigger_values"],
            legs=[AgentLeg.model_validate(leg) for leg in place["legs"]],
        ),
        stop=AgentStop.model_validate(stop) if stop is not None else None,
        position_id=signal.position_id,
        signal_date=signal.signal_date,
        created_at=signal.created_at,
        tag=f"tt-s{signal.id}",
        sector=handout.sector,
        risk=AgentRisk(
            allowed=handout.allowed,
            refusal=handout.refusal,
            warnings=list(handout.warnings),
            checked=handout.checked,
            rules=[
                AgentRule(
                    id=r.id,
                    type=r.type.value,
                    action=r.action.value,
                    threshold_amount=r.amount,
                    threshold_pct=r.pct,
                )
                for r in handout.local_rules
            ],
        ),
    )


@router.get("/alert-fires", response_model=list[AlertFireOut])
def agent_alert_fires(
    key: AgentKeyDep,
    db: DbDep,
    after_id: Annotated[Cursor, Query(description="the last fire's id the agent saw")] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AlertFireOut]:
    """Your alerts' fires after ``after_id``, oldest first, with the price that fired each and
    its order (placed, or waiting for your approval until ``expires_at``): the agent tells
    you on the machine it runs on (docs/alerts.md)."""
    rows = alert_service.fires_after(db, user_id=key.user_id, after_id=after_id, limit=limit)
    return [AlertFireOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/pending-signals", response_model=PendingSignalsOut)
def pending_signals(
    key: AgentKeyDep,
    runtime: RuntimeDep,
    db: DbDep,
    x_agent_version: Annotated[str | None, Header(max_length=40)] = None,
    x_agent_health: Annotated[str | None, Header(max_length=200)] = None,
    x_agent_poll_interval: Annotated[int | None, Header(ge=1, le=86_400)] = None,
) -> PendingSignalsOut:
    """Signals to place: the cart of your active agent-run portfolios (``executor:
    "agent"``; ``auto_place_signals`` puts new signals there at once), exits first. Each
    entry passes the server's pre-trade gate against the agent's live book first; one it
    refuses is rejected and listed once under ``refused`` with the rule's words. Each poll
    records the agent's heartbeat (``X-Agent-Version``, ``X-Agent-Health``,
    ``X-Agent-Poll-Interval``)."""
    heartbeat.beat(
        db,
        key=key,
        clock=runtime.clock,
        version=x_agent_version,
        health=x_agent_health,
        poll_interval=x_agent_poll_interval,
    )
    handed = agent_signals.pending(
        db, user_id=key.user_id, clock=_market(runtime), sector_of=_sector(runtime)
    )
    out = [_signal_out(h, runtime) for h in handed]
    waiting = agent_signals.awaiting(db, user_id=key.user_id, sector_of=_sector(runtime))
    account = snapshots.obfuscation(db, user_id=key.user_id)
    return PendingSignalsOut(
        signals=[s for s in out if s.risk.allowed],
        refused=[s for s in out if not s.risk.allowed],
        awaiting=[_signal_out(h, runtime) for h in waiting],
        kill_switch=agent_signals.kill_switch_on(db, user_id=key.user_id),
        obfuscate=account.upload_obfuscation,
        server_time=runtime.clock.now(),
        sectors=synced_sectors(
            db, user_id=key.user_id, sector_of=_sector(runtime), also=[s.symbol for s in out]
        ),
    )


def _result_out(recorded: agent_signals.Recorded, outcome: str, leg: str | None) -> SignalResultOut:
    signal: ModelSignal = recorded.signal
    position = recorded.position
    return SignalResultOut(
        signal_id=signal.id,
        outcome=outcome,
        leg=leg or ("exit" if signal.signal_type == "exit" else "entry"),
        duplicate=recorded.duplicate,
        status=signal.status,
        gtt_status=signal.gtt_status,
        order_id=signal.order_id,
        error=signal.error,
        executed_at=signal.executed_at,
        position_id=signal.position_id,
        entry_order_id=position.entry_order_id if position is not None else None,
        stop_gtt_id=position.stop_gtt_id if position is not None else None,
    )


@router.post("/signal-result", response_model=SignalResultOut)
def signal_result(
    body: SignalResultIn, key: AgentKeyDep, runtime: RuntimeDep, db: DbDep
) -> SignalResultOut:
    """Report what became of a signal: ``placed`` (→ approved, ``gtt_status`` active or
    order_placed), ``triggered``, ``filled`` (→ executed; the position is booked at
    ``fill_price`` with its charges and the broker's ``order_id`` as ``entry_order_id``, and
    a fill notification goes out), ``cancelled``/``failed`` (→ failed), ``expired``
    (→ expired) or ``rejected`` (→ rejected, ``reason`` kept). A repeated outcome changes
    nothing (``duplicate: true``); one that no longer fits the signal is a 409."""
    report = agent_signals.Report(
        signal_id=body.signal_id,
        outcome=body.outcome,
        leg=body.leg,
        broker=body.broker.value if body.broker else None,
        kind=body.kind,
        order_id=body.order_id,
        gtt_id=str(body.gtt_id) if body.gtt_id is not None else None,
        fill_price=body.fill_price,
        filled_quantity=body.filled_quantity,
        reason=body.reason,
        at=body.at,
    )
    market = FillMarket(last_tick=runtime.orders.last_tick, catalog=runtime.catalog)
    recorded = agent_signals.report(
        db,
        report,
        user_id=key.user_id,
        clock=_market(runtime),
        wall=runtime.wall,
        orders=runtime.orders,
        market=market,
    )
    return _result_out(recorded, body.outcome, body.leg)


def _sync_out(row: AgentSnapshot) -> SyncOut:
    return SyncOut(
        broker=row.broker,
        kind=row.kind,
        as_of=row.as_of,
        received_at=row.received_at,
        obfuscated=row.obfuscated,
        rows=len(row.rows),
    )


@router.post("/sync-holdings", response_model=SyncOut)
def sync_holdings(
    body: SyncHoldingsIn, key: AgentKeyDep, runtime: RuntimeDep, db: DbDep
) -> SyncOut:
    """Replace the holdings snapshot of ``broker`` (``obfuscated``: figures scaled by the
    agent's factor, named by ``factor_fingerprint``; another factor's is a 409)."""
    row = snapshots.store(
        db,
        user_id=key.user_id,
        kind=snapshots.HOLDINGS,
        broker=body.broker.value,
        as_of=body.as_of,
        obfuscated=body.obfuscated,
        rows=[h.model_dump(mode="json") for h in body.holdings],
        margins=None,
        clock=runtime.clock,
        fingerprint=body.factor_fingerprint,
    )
    return _sync_out(row)


@router.post("/sync-positions", response_model=SyncOut)
def sync_positions(
    body: SyncPositionsIn, key: AgentKeyDep, runtime: RuntimeDep, db: DbDep
) -> SyncOut:
    """Replace the positions snapshot (with the account's margins) of ``broker``."""
    row = snapshots.store(
        db,
        user_id=key.user_id,
        kind=snapshots.POSITIONS,
        broker=body.broker.value,
        as_of=body.as_of,
        obfuscated=body.obfuscated,
        rows=[p.model_dump(mode="json") for p in body.positions],
        margins=body.margins.model_dump(mode="json") if body.margins else None,
        clock=runtime.clock,
        fingerprint=body.factor_fingerprint,
    )
    return _sync_out(row)


@router.get("/broker-sessions", response_model=list[BrokerSessionOut])
def broker_sessions(key: AgentKeyDep, runtime: RuntimeDep, db: DbDep) -> list[BrokerSessionOut]:
    """Your configured brokers' sessions: when each expires, and "log in again" once one has
    expired or the broker ended it (the agent shows it; the web app and Telegram say it too)."""
    return [
        BrokerSessionOut(
            broker=s.broker.value,
            status=s.status,
            connected=s.connected,
            expires_at=s.access_token_expires_at,
            action=log_in_again(s.broker.value, s.status),
        )
        for s in runtime.brokers.all_statuses(db, user_id=key.user_id)
        if s.configured
    ]


@router.get("/pending-token", response_model=PendingTokenOut)
def pending_token(
    key: AgentKeyDep,
    runtime: RuntimeDep,
    db: DbDep,
    broker: Annotated[BrokerName, Query(description="whose login")] = BrokerName.KITE,
) -> PendingTokenOut:
    """A request token (Kite) or code (Upstox) the web app's login left for the agent (null
    when none is waiting; one is kept ten minutes, until the access token comes back).
    Upstox's exchange repeats the login's redirect URL: ``redirect_uri`` says it."""
    row = relay.waiting(db, user_id=key.user_id, broker=broker, clock=runtime.clock)
    upstox = row is not None and broker is BrokerName.UPSTOX
    return PendingTokenOut(
        broker=broker.value,
        request_token=row.request_token if row else None,
        created_at=row.created_at if row else None,
        redirect_uri=redirect_url(runtime.settings.public_base_url, broker) if upstox else None,
    )


@router.post("/access-token", response_model=AccessTokenOut)
def access_token(
    body: AccessTokenIn, key: AgentKeyDep, runtime: RuntimeDep, db: DbDep
) -> AccessTokenOut:
    """The access token the agent exchanged with the secret only it holds: the server asks
    the broker whether it is live (a token it refuses is a 422 on ``access_token``, nothing
    stored), then keeps it (encrypted, until the broker's expiry) as your broker session."""

    def check(api_key: str) -> None:
        runtime.account_views.check_token(
            body.broker, api_key=api_key, access_token=body.access_token
        )

    row = relay.push(
        db,
        user_id=key.user_id,
        broker=body.broker,
        access_token=body.access_token,
        broker_user_id=body.broker_user_id,
        credentials=runtime.brokers,
        clock=runtime.clock,
        check=check,
    )
    runtime.account_views.invalidate(key.user_id)
    return AccessTokenOut(
        broker=body.broker.value,
        connected=True,
        expires_at=row.access_token_expires_at,
        broker_user_id=row.broker_user_id,
    )


def _act(event: SignalEvent, action: str, summary: str) -> None:
    def handler(
        signal_id: RowId, key: AgentKeyDep, runtime: RuntimeDep, db: DbDep
    ) -> AgentSignalStateOut:
        row = agent_signals.transition(
            db, signal_id, event, user_id=key.user_id, clock=_market(runtime)
        )
        return AgentSignalStateOut(
            signal_id=row.id, status=row.status, approved_at=row.approved_at, error=row.error
        )

    handler.__doc__ = summary
    handler.__name__ = f"agent_{action}_signal"
    router.post(f"/signals/{{signal_id}}/{action}", response_model=AgentSignalStateOut)(handler)


_act(
    SignalEvent.APPROVE,
    "approve",
    "Approve an agent portfolio's signal into the cart (the agent UI's Approve of a signal "
    "listed under ``awaiting``); one already in the cart answers as it is.",
)
_act(
    SignalEvent.REJECT,
    "reject",
    "Reject an agent portfolio's pending or carted signal (the agent UI's Reject); one "
    "already rejected answers as it is.",
)


@router.get("/expected-positions", response_model=list[ExpectedPositionOut])
def expected_positions(key: AgentKeyDep, db: DbDep) -> list[ExpectedPositionOut]:
    """What the cloud expects at each broker, per instrument (the agent's reconciliation):
    the open positions of your agent-run portfolios plus the shares your uploaded
    tradebooks leave held (a scaled upload's apart, for the agent to unscale)."""
    rows = expectations.expected(db, user_id=key.user_id)
    return [
        ExpectedPositionOut(
            broker=r.broker,
            symbol=r.symbol,
            exchange=r.symbol.partition(":")[0],
            tradingsymbol=r.symbol.partition(":")[2],
            quantity=r.quantity,
            model_quantity=r.model_quantity,
            imported_quantity=r.imported_quantity,
            scaled_imported_quantity=r.scaled_imported_quantity,
            portfolio_ids=list(r.portfolio_ids),
        )
        for r in rows
    ]


@router.get("/mutual-funds", response_model=AgentFundsOut)
def mutual_funds(key: AgentKeyDep, runtime: RuntimeDep, db: DbDep) -> AgentFundsOut:
    """Your mutual funds from your CAS uploads, at the newest NAV known, with XIRR (the
    agent's Mutual Funds page; no broker is read)."""
    today = ist_today(runtime.clock.now())
    found = funds_of(db, user_id=key.user_id, today=today)
    funds = [fund_out(f) for f in found.funds]
    return AgentFundsOut(
        as_of=today,
        total_value=sum((f.value for f in funds if f.value is not None), Decimal(0)),
        total_invested=sum((f.invested for f in funds if f.invested is not None), Decimal(0)),
        funds_xirr=found.funds_xirr,
        funds=funds,
        warnings=found.warnings,
    )
