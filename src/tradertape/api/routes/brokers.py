"""Broker credentials vault: per broker, and Kite's legacy path `/auth/kite-credentials`.

Also the end of a broker login: the callback the broker redirects to, and Kite's Browser
Login exchange (the browser computed the checksum; the secret never reaches us).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import RedirectResponse

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep, current_user
from tradertape.api.schemas.brokers import (
    BrokerFactsOut,
    CredentialsIn,
    CredentialsOut,
    KiteSessionIn,
    StaticIpIn,
    UpstoxSessionIn,
)
from tradertape.api.schemas.kite import PostbackOut
from tradertape.db.models import User
from tradertape.domain.addresses import same_address
from tradertape.domain.brokers import BROKERS, BrokerName
from tradertape.errors import (
    Conflict,
    Forbidden,
    InvalidField,
    NotFound,
    ServiceUnavailable,
    TraderTapeError,
)
from tradertape.runtime import Runtime
from tradertape.services.brokers.credentials import CredentialUpdate
from tradertape.services.brokers.kite_session import KiteLogin
from tradertape.services.brokers.live_trading import book_kite_postback
from tradertape.services.brokers.login import login_url, redirect_url
from tradertape.services.brokers.login_state import login_states
from tradertape.services.brokers.upstox_session import (
    UpstoxLogin,
    UpstoxLoginFailed,
    upstox_callback,
)
from tradertape.serving.free_json import JsonObject

router = APIRouter(tags=["brokers"])


def _out(runtime: Runtime, db: DbDep, user: User, broker: BrokerName) -> CredentialsOut:
    row = runtime.brokers.get(db, user_id=user.id, broker=broker)
    state = runtime.brokers.status(row, broker)
    static_ip = row.static_ip if row else None
    server = runtime.egress.of(broker.value)
    return CredentialsOut(
        static_ip=static_ip,
        server_ip=server.ip,
        server_ip_source=server.source,
        static_ip_matches=same_address(static_ip, server.ip),
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
        login_url=_login_url(runtime, user, broker, row.api_key) if row else None,
        updated_at=row.updated_at if row else None,
    )


def _login_url(runtime: Runtime, user: User, broker: BrokerName, api_key: str) -> str | None:
    settings = runtime.settings
    state = login_states(settings.secret).issue(
        user_id=user.id, broker=broker, now=runtime.clock.now()
    )
    return login_url(
        broker,
        api_key=api_key,
        public_base_url=settings.public_base_url,
        upstox_root=settings.upstox_root,
        kite_login_url=settings.kite_login_url,
        state=state,
    )


def _ours(runtime: Runtime, user: User, broker: BrokerName, state: str | None) -> bool:
    """Whether this login was started from this user's own login link."""
    states = login_states(runtime.settings.secret)
    return states.valid(state, user_id=user.id, broker=broker, now=runtime.clock.now())


NOT_OURS = "this login was not started from your TraderTape; start it again from Settings"


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


@router.get("/brokers/facts", response_model=list[BrokerFactsOut])
def broker_facts(user: CurrentUser) -> list[BrokerFactsOut]:
    """Every broker a user can connect, one row of facts each (`domain.brokers`): its
    segments, order types, varieties and products, when its session dies, how it slices an
    order above the freeze quantity, its order-rate ceiling, symbols, charges schedule and
    login flow. The web app lists brokers from it."""
    return [BrokerFactsOut.of(row) for row in BROKERS.values()]


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


@router.put("/brokers/{broker}/static-ip", response_model=CredentialsOut)
def set_static_ip(
    broker: BrokerName, body: StaticIpIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> CredentialsOut:
    """Record the static IP you registered with this broker (SEBI's retail-algo rules: it
    takes orders only from that address); null forgets it. The answer shows it beside the
    address this server's orders leave from (``server_ip``), and whether they agree."""
    static_ip = str(body.static_ip) if body.static_ip is not None else None
    runtime.brokers.set_static_ip(db, user_id=user.id, broker=broker, static_ip=static_ip)
    return _out(runtime, db, user, broker)


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


def _kite_login(runtime: Runtime) -> KiteLogin:
    return KiteLogin(
        credentials=runtime.brokers, clock=runtime.clock, root=runtime.settings.kite_root
    )


def _to_settings(runtime: Runtime, broker: BrokerName, **query: str) -> RedirectResponse:
    """Back to the web app's broker settings, saying how the login went."""
    target = f"{runtime.settings.public_base_url}/settings/brokers"
    return RedirectResponse(
        f"{target}?{urlencode({'broker': broker.value, **query})}", status_code=302
    )


@router.get(
    "/brokers/{broker}/callback",
    response_class=RedirectResponse,
    status_code=status.HTTP_302_FOUND,
    responses={302: {"description": "to /settings/brokers with login=ok|checksum|failed"}},
)
def login_callback(
    broker: BrokerName,
    request: Request,
    runtime: RuntimeDep,
    db: DbDep,
    request_token: Annotated[str | None, Query(max_length=512)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,  # noqa: A002 - Kite's name
    code: Annotated[str | None, Query(max_length=512)] = None,  # Upstox's
    state: Annotated[str | None, Query(max_length=128)] = None,  # ours, echoed back
) -> RedirectResponse:
    """Where the broker's login page sends the browser back (the registered redirect URL).

    Only a login started from this user's own link completes: its ``state`` must verify
    (`services.brokers.login_state`), else nothing is exchanged (login CSRF).

    Upstox: with a stored secret the code is exchanged here (Upstox's exchange needs the
    secret itself); without one the browser is sent on with the code (``login=code``) to
    post it with the secret to ``/api/brokers/upstox/session``, or to hand it to the agent.

    Kite: with a stored secret the login completes here (``login=ok``); without one the
    browser is sent on with the request token (``login=checksum``) to compute the checksum
    and post it to ``/api/brokers/kite/session``. Failures carry ``login=failed&reason=``.
    """
    if broker is BrokerName.GROWW:
        raise NotFound("groww has no browser-login callback: POST /api/brokers/groww/session")
    try:
        user = current_user(request, runtime, db)
    except TraderTapeError:
        return _to_settings(runtime, broker, login="failed", reason="not signed in")
    if not _ours(runtime, user, broker, state):
        return _to_settings(runtime, broker, login="failed", reason=NOT_OURS)
    if broker is BrokerName.UPSTOX:
        login = _upstox_login(runtime)
        location = upstox_callback(login, db, user=user, code=code, state=state or "")
        runtime.account_views.invalidate(user.id)
        return RedirectResponse(location, status_code=302)
    if status not in (None, "success") or not request_token:
        return _to_settings(runtime, broker, login="failed", reason="Kite did not approve")
    if runtime.brokers.api_secret(db, user_id=user.id, broker=broker) is None:
        return _to_settings(
            runtime, broker, login="checksum", request_token=request_token, state=state or ""
        )
    try:
        _kite_login(runtime).complete(db, user=user, request_token=request_token)
    except TraderTapeError as exc:
        return _to_settings(runtime, broker, login="failed", reason=exc.detail)
    runtime.account_views.invalidate(user.id)
    return _to_settings(runtime, broker, login="ok")


@router.post("/brokers/kite/session", response_model=CredentialsOut)
def kite_session(
    body: KiteSessionIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> CredentialsOut:
    """Browser Login: exchange Kite's request token with the checksum the browser computed.

    ``checksum = sha256(api_key + request_token + api_secret)`` (hex, WebCrypto); the API
    secret stays in the browser. The access token is stored encrypted until 06:00 IST.
    The login's ``state`` must be this user's (403 otherwise), as at the callback.
    """
    if not _ours(runtime, user, BrokerName.KITE, body.state):
        raise Forbidden(f"state: {NOT_OURS}")
    login = _kite_login(runtime)
    login.complete(db, user=user, request_token=body.request_token, checksum=body.checksum)
    runtime.account_views.invalidate(user.id)
    return _out(runtime, db, user, BrokerName.KITE)


@router.post("/brokers/upstox/session", response_model=CredentialsOut)
def upstox_session(
    body: UpstoxSessionIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> CredentialsOut:
    """Browser Login: exchange Upstox's code with the API secret typed in the browser.

    Upstox's token exchange takes the secret itself (no checksum to compute instead), so it
    passes through the server for this one exchange and is never stored or logged. The
    access token is stored encrypted until 03:30 IST. The login's ``state`` must be this
    user's (403 otherwise), as at the callback.
    """
    if not _ours(runtime, user, BrokerName.UPSTOX, body.state):
        raise Forbidden(f"state: {NOT_OURS}")
    secret = body.api_secret.get_secret_value()
    try:
        _upstox_login(runtime).complete(db, user=user, code=body.code, api_secret=secret)
    except UpstoxLoginFailed as exc:
        if exc.reason == "not_configured":
            raise Conflict("save your Upstox API key first (Settings → Brokers)") from None
        if exc.reason == "unreachable":
            raise ServiceUnavailable(f"upstox did not answer: {exc}") from None
        raise InvalidField("code", f"Upstox refused the code or the secret ({exc})") from None
    runtime.account_views.invalidate(user.id)
    return _out(runtime, db, user, BrokerName.UPSTOX)


@router.post("/brokers/kite/postback", response_model=PostbackOut)
def kite_postback(
    payload: Annotated[JsonObject, Body()], runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Kite's order postback (no cookie: Kite calls it). Verified by its checksum,
    ``sha256(order_id + order_timestamp + api_secret)`` with the owner's stored secret
    (403 and no change otherwise); the fill it reports is booked once, however else it
    also arrives (ticker update, polling)."""
    booked = book_kite_postback(runtime.orders, db, runtime.brokers, payload)
    return {"status": "ok", "order_id": str(payload.get("order_id")), "known": booked}
