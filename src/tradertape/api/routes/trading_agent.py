"""The web app's view of the local agent (Settings → Trading Agent; session cookie): its
heartbeat, the holdings and positions it synced, and the broker-login relay to it."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.agent import (
    AgentHoldingOut,
    AgentMarginsOut,
    AgentPositionOut,
    AgentStateOut,
    AgentStatusOut,
    HoldingsSnapshotOut,
    ObfuscationIn,
    ObfuscationOut,
    PositionsSnapshotOut,
    RelayIn,
    RelayOut,
    ReleaseNotesOut,
    ReleaseOut,
    ReleaseSectionOut,
)
from tradertape.domain.brokers import BrokerName
from tradertape.errors import Forbidden
from tradertape.services.agent import heartbeat, relay, release, snapshots
from tradertape.services.brokers.login_state import login_states

router = APIRouter(prefix="/trading-agent", tags=["agent"])
NOT_OURS = "this login was not started from your TraderTape; start it again from Settings"


@router.get("/status", response_model=AgentStatusOut)
def agent_status(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> AgentStatusOut:
    """Your agents' last poll, version and health; ``warning`` when the most recent one
    has not polled for three of its intervals."""
    states = heartbeat.states(db, user_id=user.id, clock=runtime.clock)
    latest = release.latest_version()
    agents = [
        AgentStateOut.model_validate(asdict(s) | {"outdated": release.outdated(s.version, latest)})
        for s in states
    ]
    return AgentStatusOut(
        agents=agents, warning=agents[0].warning if agents else None, latest_version=latest
    )


@router.get("/release", response_model=ReleaseNotesOut)
def release_notes(user: CurrentUser) -> ReleaseNotesOut:
    """What's new: the release notes (CHANGELOG.md), newest first, and the agent version this
    release ships."""
    return ReleaseNotesOut(
        latest_version=release.latest_version(),
        releases=[
            ReleaseOut(
                version=r.version,
                date=r.day,
                sections=[
                    ReleaseSectionOut(title=s.title, items=list(s.items)) for s in r.sections
                ],
            )
            for r in release.releases()
        ],
    )


@router.get("/holdings", response_model=list[HoldingsSnapshotOut])
def agent_holdings(user: CurrentUser, db: DbDep) -> list[HoldingsSnapshotOut]:
    """The holdings your agent last synced, per broker."""
    return [
        HoldingsSnapshotOut(
            broker=row.broker,
            as_of=row.as_of,
            received_at=row.received_at,
            obfuscated=row.obfuscated,
            holdings=[AgentHoldingOut.model_validate(r) for r in row.rows],
        )
        for row in snapshots.latest(db, user_id=user.id, kind=snapshots.HOLDINGS)
    ]


@router.get("/positions", response_model=list[PositionsSnapshotOut])
def agent_positions(user: CurrentUser, db: DbDep) -> list[PositionsSnapshotOut]:
    """The positions and margins your agent last synced, per broker."""
    return [
        PositionsSnapshotOut(
            broker=row.broker,
            as_of=row.as_of,
            received_at=row.received_at,
            obfuscated=row.obfuscated,
            positions=[AgentPositionOut.model_validate(r) for r in row.rows],
            margins=AgentMarginsOut.model_validate(row.margins) if row.margins else None,
        )
        for row in snapshots.latest(db, user_id=user.id, kind=snapshots.POSITIONS)
    ]


@router.post("/relay/{broker}", response_model=RelayOut)
def relay_token(
    broker: BrokerName, body: RelayIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> RelayOut:
    """Hand a broker login's request token to your agent (Browser Login's callback, when
    the secret is with the agent): it exchanges it and pushes the access token back. The
    login's ``state`` must be yours (403), as at the callback."""
    states = login_states(runtime.settings.secret)
    if not states.valid(body.state, user_id=user.id, broker=broker, now=runtime.clock.now()):
        raise Forbidden(f"state: {NOT_OURS}")
    row = relay.hand(
        db, user_id=user.id, broker=broker, request_token=body.request_token, clock=runtime.clock
    )
    return RelayOut(broker=row.broker, handed_at=row.created_at)


@router.get("/obfuscation", response_model=ObfuscationOut)
def agent_obfuscation(user: CurrentUser, db: DbDep) -> ObfuscationOut:
    """The account's upload obfuscation switch, and whether a factor is known."""
    row = snapshots.obfuscation(db, user_id=user.id)
    return ObfuscationOut(
        on=row.upload_obfuscation, factor_known=row.agent_factor_fingerprint is not None
    )


@router.put("/obfuscation", response_model=ObfuscationOut)
def set_agent_obfuscation(body: ObfuscationIn, user: CurrentUser, db: DbDep) -> ObfuscationOut:
    """Turn upload obfuscation on or off: the agent reads it on its next poll and scales
    the holdings, positions and uploads it sends by its factor (kept only on your machine).
    ``forget_factor`` drops the fingerprint the cloud keeps (after a lost factor)."""
    row = snapshots.set_obfuscation(
        db, user_id=user.id, on=body.on, forget_factor=body.forget_factor
    )
    return ObfuscationOut(
        on=row.upload_obfuscation, factor_known=row.agent_factor_fingerprint is not None
    )
