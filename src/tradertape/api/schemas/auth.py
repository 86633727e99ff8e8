"""Auth request and response bodies."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import Flag


class Strict(BaseModel):
    """Request bodies reject unknown fields, so a typo is a 422, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class MagicLinkRequest(Strict):
    """Ask for a sign-in link and code."""

    email: str = Field(max_length=320, examples=["you@example.com"])


class MagicLinkSent(BaseModel):
    """The link was sent (or logged, without SMTP)."""

    status: str = "sent"
    email: str
    expires_in_s: int


class VerifyRequest(Strict):
    """Either the link token, or the e-mail and its six-digit code."""

    token: SecretStr | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    otp: str | None = Field(default=None, pattern=r"^\d{6}$")

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.token is None and (self.email is None or self.otp is None):
            raise ValueError("send either 'token', or both 'email' and 'otp'")
        if self.token is not None and self.otp is not None:
            raise ValueError("send 'token' or 'email'+'otp', not both")
        return self


class PasswordLoginRequest(Strict):
    """E-mail and password."""

    email: str = Field(max_length=320)
    password: SecretStr = Field(max_length=1024)


class BrokerStatusOut(BaseModel):
    """A broker connection without secrets."""

    broker: str
    configured: bool
    has_secret: bool
    connected: bool
    status: str
    access_token_expires_at: UtcDateTime | None
    broker_user_id: str | None


class UserOut(BaseModel):
    """The signed-in user."""

    id: int
    email: str
    name: str | None
    is_admin: bool
    cloud_secrets_allowed: bool
    created_at: UtcDateTime
    last_login_at: UtcDateTime | None


class MeOut(UserOut):
    """`GET /api/auth/me`: the user and their broker connections."""

    brokers: list[BrokerStatusOut]
    broker_connected: bool
    live_trading_enabled: bool  # effective: the server's switch and the user's both on
    live_trading_server: bool  # the server's switch (TRADERTAPE_LIVE_TRADING_ENABLED)
    live_trading_user: bool  # the user's own switch


class LiveTradingIn(Strict):
    """Turn the user's own live-trading switch on (typing ``LIVE`` to confirm) or off."""

    live_trading: Flag
    confirm: str | None = Field(default=None, max_length=16)


class LoginOut(BaseModel):
    """A successful sign-in (the cookie is set on the response)."""

    status: str = "ok"
    user: UserOut
    session_expires_at: UtcDateTime


class BrokerSessionsOut(BaseModel):
    """`GET /api/auth/status`: broker sessions, separate from the user session."""

    active_broker: str
    brokers: list[BrokerStatusOut]


class SessionOut(BaseModel):
    """One live browser session."""

    id: int
    created_at: UtcDateTime
    last_seen_at: UtcDateTime
    expires_at: UtcDateTime
    ip: str | None
    user_agent: str | None
    current: bool
