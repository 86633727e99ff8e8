"""Groww's login: ``POST /api/brokers/groww/session`` mints today's token from the key."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.auth import Strict
from tradertape.domain.brokers import BrokerName
from tradertape.domain.decimal_input import Flag
from tradertape.services.brokers.groww_session import GrowwLogin, GrowwSessions

router = APIRouter(tags=["brokers"])


class GrowwSessionIn(Strict):
    """Exactly one flow: today's TOTP code, or the stored API secret (approval keys)."""

    totp: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    use_secret: Flag = False

    @model_validator(mode="after")
    def _one_flow(self) -> GrowwSessionIn:
        if (self.totp is None) == (not self.use_secret):
            raise ValueError("send either totp or use_secret: true (not both, not neither)")
        return self


class GrowwSessionOut(BaseModel):
    """The Groww connection after the login (no token)."""

    broker: str
    status: str
    connected: bool
    access_token_expires_at: datetime | None


@router.post("/brokers/groww/session", response_model=GrowwSessionOut)
def create_groww_session(
    body: GrowwSessionIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> GrowwSessionOut:
    """Log in to Groww: mint today's access token (until 06:00 IST) and store it encrypted."""
    sessions = GrowwSessions(
        credentials=runtime.brokers,
        vault=runtime.vault,
        clock=runtime.clock,
        root=runtime.settings.groww_root,
    )
    sessions.log_in(db, user=user, login=GrowwLogin(totp=body.totp, use_secret=body.use_secret))
    runtime.account_views.invalidate(user.id)
    row = runtime.brokers.get(db, user_id=user.id, broker=BrokerName.GROWW)
    state = runtime.brokers.status(row, BrokerName.GROWW)
    return GrowwSessionOut(
        broker=BrokerName.GROWW.value,
        status=state.status,
        connected=state.connected,
        access_token_expires_at=state.access_token_expires_at,
    )
