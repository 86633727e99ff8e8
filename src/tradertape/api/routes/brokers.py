"""Broker credentials vault: per broker, and Kite's legacy path `/auth/kite-credentials`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import RedirectResponse

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.brokers import CredentialsIn, CredentialsOut
from tradertape.db.models import User
from tradertape.domain.brokers import BrokerName
from tradertape.errors import NotFound
from tradertape.runtime import Runtime
from tradertape.services.broker_credentials import CredentialUpdate
from tradertape.services.broker_login import redirect_url
from tradertape.services.broker_sessions_upstox import UpstoxLogin, upstox_callback

router = APIRouter(tags=["brokers"])


def _out(runtime: Runtime, db: DbDep, user: User, broker: BrokerName) -> CredentialsOut:
    row = runtime.brokers.get(db, user_id=user.id, broker=broker)
    state = runtime.brokers.status(row, broker)
    return CredentialsOut(
        broker=broker.value,
        configured=state.configured,
        api_key=row.api_key if row else None,
        api_secret_masked="••••••" + row.secret_last4 if row and row.secret_last4 else None,
        has_secret=state.has_secret,
        has_access_token=bool(row and row.access_token_enc),
        connected=state.connected,
        status=state.status,
        access_token_expires_at=state.access_token_expires_at,
        broker_user_id=state.broker_user_id,
        redirect_url=redirect_url(runtime.settings.public_base_url, broker),
        updated_at=row.updated_at if row else None,
    )


def _save(
    runtime: Runtime, db: DbDep, user: User, broker: BrokerName, body: CredentialsIn
) -> CredentialsOut:
    update = CredentialUpdate(
        api_key=body.api_key,
        api_secret=body.api_secret.get_secret_value() if body.api_secret else None,
        access_token=body.access_token.get_secret_value() if body.access_token else None,
        access_token_expires_at=body.access_token_expires_at,
        broker_user_id=body.broker_user_id,
    )
    runtime.brokers.save(db, user=user, broker=broker, update=update)
    return _out(runtime, db, user, broker)


@router.get("/brokers/{broker}/credentials", response_model=CredentialsOut)
def get_credentials(
    broker: BrokerName, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> CredentialsOut:
    """Stored credentials for one broker, secrets masked."""
    return _out(runtime, db, user, broker)


@router.post("/brokers/{broker}/credentials", response_model=CredentialsOut)
def save_credentials(
    broker: BrokerName, body: CredentialsIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> CredentialsOut:
    """Save credentials; the secret and access token are encrypted at rest."""
    return _save(runtime, db, user, broker, body)


@router.delete("/brokers/{broker}/credentials", status_code=status.HTTP_204_NO_CONTENT)
def delete_credentials(
    broker: BrokerName, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> None:
    """Forget this broker's credentials."""
    runtime.brokers.delete(db, user_id=user.id, broker=broker)


@router.get("/auth/kite-credentials", response_model=CredentialsOut)
def get_kite_credentials(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> CredentialsOut:
    """Stored Kite credentials, secrets masked."""
    return _out(runtime, db, user, BrokerName.KITE)


@router.post("/auth/kite-credentials", response_model=CredentialsOut)
def save_kite_credentials(
    body: CredentialsIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> CredentialsOut:
    """Save Kite credentials."""
    return _save(runtime, db, user, BrokerName.KITE, body)


def _upstox_login(runtime: Runtime) -> UpstoxLogin:
    return UpstoxLogin(
        credentials=runtime.brokers,
        vault=runtime.vault,
        clock=runtime.clock,
        root=runtime.settings.upstox_root,
        public_base_url=runtime.settings.public_base_url,
    )


@router.get(
    "/brokers/{broker}/callback",
    response_class=RedirectResponse,
    status_code=status.HTTP_302_FOUND,
    responses={302: {"description": "to /settings/brokers with login=ok or login=failed"}},
)
def broker_callback(
    broker: BrokerName,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    code: Annotated[str | None, Query(max_length=512)] = None,
) -> RedirectResponse:
    """Finish a broker's browser login (the redirect URL registered with the broker app)."""
    if broker is BrokerName.UPSTOX:
        location = upstox_callback(_upstox_login(runtime), db, user=user, code=code)
        runtime.account_views.invalidate(user.id)
        return RedirectResponse(location, status_code=status.HTTP_302_FOUND)
    raise NotFound(f"{broker.value} has no browser-login callback")
