"""Sign-in (magic link, OTP, password), sign-out, the current user and broker session status."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from tradertape.api.deps import (
    SESSION_COOKIE,
    CurrentUser,
    DbDep,
    DeskDep,
    RuntimeDep,
    SessionLogin,
    client_ip,
)
from tradertape.api.schemas.auth import (
    BrokerSessionsOut,
    BrokerStatusOut,
    LiveTradingIn,
    LoginOut,
    MagicLinkRequest,
    MagicLinkSent,
    MeOut,
    PasswordLoginRequest,
    SessionOut,
    UserOut,
    VerifyRequest,
)
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models import User
from tradertape.runtime import Runtime
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.brokers.live_trading import live_allowed, set_live_switch

router = APIRouter(prefix="/auth", tags=["auth"])


def _sign_in(
    request: Request, response: Response, runtime: Runtime, db: DbDep, user: User
) -> LoginOut:
    token = runtime.sessions.start(
        db, user=user, ip=client_ip(request), user_agent=request.headers.get("user-agent")
    )
    lifetime = runtime.sessions.lifetime
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=runtime.settings.cookie_secure,
        path="/",
    )
    return LoginOut(
        user=UserOut.model_validate(user, from_attributes=True),
        session_expires_at=runtime.clock.now() + lifetime,
    )


@router.post("/magic-link", status_code=status.HTTP_202_ACCEPTED, response_model=MagicLinkSent)
def magic_link(
    body: MagicLinkRequest, request: Request, runtime: RuntimeDep, db: DbDep
) -> MagicLinkSent:
    """Send a one-time sign-in link and a six-digit code (creates the account if new)."""
    user = runtime.login.request_link(db, email=body.email, ip=client_ip(request))
    minutes = runtime.settings.login_challenge_minutes
    return MagicLinkSent(email=user.email, expires_in_s=minutes * 60)


@router.post("/verify-link", response_model=LoginOut)
def verify_link(
    body: VerifyRequest, request: Request, response: Response, runtime: RuntimeDep, db: DbDep
) -> LoginOut:
    """Redeem a link token or an e-mail + code; sets the `kite_session` cookie."""
    if body.token is not None:
        user = runtime.login.verify_token(db, token=body.token.get_secret_value())
    else:
        assert body.email is not None  # the schema requires email and otp together
        assert body.otp is not None
        user = runtime.login.verify_otp(db, email=body.email, otp=body.otp, ip=client_ip(request))
    return _sign_in(request, response, runtime, db, user)


@router.post("/password-login", response_model=LoginOut)
def password_login(
    body: PasswordLoginRequest,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    db: DbDep,
) -> LoginOut:
    """Sign in with e-mail and password; sets the `kite_session` cookie."""
    user = runtime.login.password_login(
        db, email=body.email, password=body.password.get_secret_value(), ip=client_ip(request)
    )
    return _sign_in(request, response, runtime, db, user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(login: SessionLogin, response: Response, runtime: RuntimeDep, db: DbDep) -> None:
    """Revoke the current session and clear the cookie."""
    runtime.sessions.revoke(db, login.session)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.cookie_secure,
    )


def _statuses(runtime: Runtime, db: Session, user_id: int) -> list[BrokerStatusOut]:
    return [
        BrokerStatusOut.model_validate(s, from_attributes=True)
        for s in runtime.brokers.all_statuses(db, user_id=user_id)
    ]


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> MeOut:
    """The signed-in user, admin flag and broker connection status."""
    brokers = _statuses(runtime, db, user.id)
    return MeOut(
        **UserOut.model_validate(user, from_attributes=True).model_dump(),
        brokers=brokers,
        broker_connected=any(b.connected for b in brokers),
        live_trading_enabled=live_allowed(runtime.settings.live_trading_enabled, user),
        live_trading_server=runtime.settings.live_trading_enabled,
        live_trading_user=user.live_trading,
    )


@router.put("/live-trading", response_model=MeOut)
def live_trading(body: LiveTradingIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> MeOut:
    """Your own live-trading switch. On needs ``"confirm": "LIVE"``; off always works.

    Live orders (``mode: "live"``) also need the server's switch; ``live_trading_enabled``
    in the answer is the effective state.
    """
    set_live_switch(db, user, on=body.live_trading, confirm=body.confirm)
    return me(user, runtime, db)


@router.get("/status", response_model=BrokerSessionsOut)
async def broker_status(desk: DeskDep) -> BrokerSessionsOut:
    """Broker sessions (separate from the user session); `paper` until a broker connects."""

    def read(db: Session, user: SignedIn) -> BrokerSessionsOut:
        brokers = _statuses(desk.runtime, db, user.id)
        active = next((b.broker for b in brokers if b.connected), "paper")
        return BrokerSessionsOut(active_broker=active, brokers=brokers)

    return await desk.read(read)


@router.get("/sessions", response_model=list[SessionOut])
def sessions(login: SessionLogin, runtime: RuntimeDep, db: DbDep) -> list[SessionOut]:
    """The user's live browser sessions."""
    rows = runtime.sessions.list_live(db, user=login.user)
    return [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.id == login.session.id,
        )
        for row in rows
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: RowId, login: SessionLogin, runtime: RuntimeDep, db: DbDep) -> None:
    """Revoke one of the user's sessions (e.g. a lost laptop)."""
    runtime.sessions.revoke_by_id(db, user=login.user, session_id=session_id)
