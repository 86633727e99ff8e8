"""The chain simulator: the option chain at a past minute, and sessions that play the day
forward minute by minute with legs traded from it (`services.options.simulator`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import TypeAdapter, ValidationError

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.simulator import (
    PastChainOut,
    SimulatorFrameOut,
    SimulatorLegIn,
    SimulatorSavedOut,
    SimulatorSaveIn,
    SimulatorSessionIn,
    SimulatorSessionOut,
    SimulatorStepIn,
    SimulatorStepOut,
)
from tradertape.backtest.options.past_market import minute_of
from tradertape.domain.option_listing import IST
from tradertape.errors import InvalidField
from tradertape.services.options import past_chain, simulator

router = APIRouter(prefix="/simulator", tags=["simulator"])
_MOMENT = TypeAdapter(datetime)


def _moment(text: str) -> datetime:
    try:
        at = _MOMENT.validate_python(text)
    except ValidationError:
        raise InvalidField("at", "must be a time such as 2024-12-19T10:30:00+05:30") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=IST)


@router.get("/chain", response_model=PastChainOut)
def chain_at(
    user: CurrentUser,
    runtime: RuntimeDep,
    underlying: Annotated[str, Query(min_length=1, max_length=30)],
    at: Annotated[
        str, Query(min_length=1, max_length=40, description="a past minute; IST when no offset")
    ],
    expiry: Annotated[str | None, Query(max_length=20, description="a listed date")] = None,
    window: Annotated[int, Query(ge=1, le=40)] = 10,
) -> dict[str, Any]:
    """The option chain at a past minute: `window` strikes either side of ATM, each with
    its price then, IV implied from it and greeks at that IV, the day's closing OI where the
    bhavcopy gives it, the index and its future. ``source`` says where the prices came from
    (imported minutes, the imported bhavcopy at daily resolution, or the demo's simulated
    market)."""
    moment = _moment(at)
    if moment >= runtime.clock.now():
        raise InvalidField("at", "must be in the past")
    try:
        minute = minute_of(moment)
    except ValueError as exc:
        raise InvalidField("at", str(exc)) from None
    day = past_chain.load(underlying, moment.astimezone(IST).date(), runtime.settings.data_dir)
    return past_chain.past_chain(day, minute, expiry, window)


@router.post("/sessions", response_model=SimulatorSessionOut, status_code=status.HTTP_201_CREATED)
def create_session(
    body: SimulatorSessionIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Start a simulation standing at a past minute (your 50 newest are kept)."""
    row = simulator.create(
        db, user_id=user.id, underlying=body.underlying, at=body.at, expiry=body.expiry,
        data_dir=runtime.settings.data_dir, clock=runtime.clock,
    )  # fmt: skip
    return simulator.state(row, runtime.settings.data_dir)


@router.get("/sessions", response_model=list[SimulatorSessionOut])
def list_sessions(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> list[dict[str, Any]]:
    """Your simulations, newest first."""
    data = runtime.settings.data_dir
    return [simulator.state(row, data) for row in simulator.listing(db, user_id=user.id)]


@router.get("/sessions/{session_id}", response_model=SimulatorSessionOut)
def get_session(
    session_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """A simulation where it stands: legs with entry, current price and P&L, totals, the
    charges of its fills and the open legs' payoff."""
    row = simulator.get(db, session_id, user_id=user.id)
    return simulator.state(row, runtime.settings.data_dir)


@router.post("/sessions/{session_id}/legs", response_model=SimulatorSessionOut)
def add_leg(
    session_id: RowId, body: SimulatorLegIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Enter a leg at the session's minute, at its contract's price then (a 422 naming the
    field when it is not listed or has not traded yet; at most 12 legs)."""
    row = simulator.get(db, session_id, user_id=user.id)
    simulator.add_leg(
        db, row, strike=body.strike, option_type=body.option_type, side=body.transaction_type,
        lots=body.lots, expiry=body.expiry, data_dir=runtime.settings.data_dir,
        clock=runtime.clock,
    )  # fmt: skip
    return simulator.state(row, runtime.settings.data_dir)


@router.post("/sessions/{session_id}/legs/{leg_id}/exit", response_model=SimulatorSessionOut)
def exit_leg(
    session_id: RowId, leg_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Exit an open leg at the session's minute (409 when it is out already)."""
    row = simulator.get(db, session_id, user_id=user.id)
    simulator.exit_leg(db, row, leg_id, data_dir=runtime.settings.data_dir, clock=runtime.clock)
    return simulator.state(row, runtime.settings.data_dir)


@router.post("/sessions/{session_id}/step", response_model=SimulatorStepOut)
def step_session(
    session_id: RowId, body: SimulatorStepIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Play the session `minutes` on; answers each minute passed (for the MTM chart)."""
    data = runtime.settings.data_dir
    row = simulator.get(db, session_id, user_id=user.id)
    start = row.minute + 1
    moved = simulator.step(db, row, body.minutes, clock=runtime.clock)
    frames = simulator.frames(row, min(start, 374), moved, data) if moved else []
    return {"moved": moved, "frames": frames, "session": simulator.state(row, data)}


@router.get("/sessions/{session_id}/frames", response_model=list[SimulatorFrameOut])
def session_frames(
    session_id: RowId,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    start: Annotated[int, Query(ge=0, le=374)] = 0,
    count: Annotated[int, Query(ge=1, le=375)] = 375,
) -> list[dict[str, Any]]:
    """The session's minutes from `start` (to where it stands): the index, each leg's price
    and MTM, the total, charges so far and the net; what a client plays at its own speed."""
    row = simulator.get(db, session_id, user_id=user.id)
    return simulator.frames(row, start, count, runtime.settings.data_dir)


@router.post("/sessions/{session_id}/journal", response_model=SimulatorSavedOut)
def save_journal(
    session_id: RowId,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    body: SimulatorSaveIn | None = None,
) -> dict[str, Any]:
    """Book the session's fills into your journal as an upload of kind ``simulation`` (the
    journal pages show them; deleting the upload takes them out). Once per session (409).
    Open legs are refused (409 naming them) unless `exit_open` exits them at the minute."""
    row = simulator.get(db, session_id, user_id=user.id)
    data = runtime.settings.data_dir
    upload, exited = simulator.save_journal(
        db, row, exit_open_legs=body is not None and body.exit_open, data_dir=data,
        clock=runtime.clock,
    )  # fmt: skip
    return {
        "upload_id": upload.id,
        "trades": upload.rows_added,
        "exited": exited,
        "session": simulator.state(row, data),
    }
