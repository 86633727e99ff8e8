"""Broker credential bodies: secrets go in, only masks come out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, IPvAnyAddress, SecretStr

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.times import UtcDateTime


class CredentialsIn(Strict):
    """Save credentials; omitted secrets keep their stored value."""

    api_key: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_\-.:]+$")
    api_secret: SecretStr | None = Field(default=None, min_length=1, max_length=500)
    access_token: SecretStr | None = Field(default=None, min_length=1, max_length=2000)
    access_token_expires_at: UtcDateTime | None = None
    broker_user_id: str | None = Field(default=None, max_length=64)


class CredentialsOut(BaseModel):
    """Stored credentials, masked."""

    broker: str
    configured: bool
    api_key: str | None
    api_secret_masked: str | None
    has_secret: bool
    has_access_token: bool
    connected: bool
    status: str
    access_token_expires_at: UtcDateTime | None
    broker_user_id: str | None
    redirect_url: str
    login_url: str | None = Field(
        description="the broker's login page for this API key (null: none stored, or a broker "
        "without a browser login, Groww)"
    )
    updated_at: UtcDateTime | None
    static_ip: str | None = Field(
        default=None, description="the static IP you registered with this broker (SEBI)"
    )
    server_ip: str | None = Field(
        default=None,
        description="the address this server's orders leave from toward this broker "
        "(null: neither configured nor detectable)",
    )
    server_ip_source: Literal["configured", "detected"] | None = Field(
        default=None,
        description="configured: TRADERTAPE_EGRESS_IP; detected: the local socket's address",
    )
    static_ip_matches: bool | None = Field(
        default=None,
        description="whether the two agree (null: one is unknown); the broker refuses orders "
        "from any other address",
    )


class StaticIpIn(Strict):
    """The static IP registered with the broker, or null to forget it."""

    static_ip: IPvAnyAddress | None


class KiteSessionIn(Strict):
    """Browser Login: the redirect's request token and the checksum the browser computed.

    ``checksum = sha256(api_key + request_token + api_secret)`` in hex; the secret itself
    never leaves the browser.
    """

    request_token: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9]+$")
    checksum: str = Field(pattern=r"^[0-9a-f]{64}$")
    state: str = Field(
        min_length=1,
        max_length=128,
        description="The login's state, as the callback passed it on to the settings page",
    )


class UpstoxSessionIn(Strict):
    """Browser Login: the redirect's code and the API secret for this one exchange.

    Upstox's token endpoint takes the secret itself, so it passes through the server once;
    it is never stored (store it only by saving credentials, Class 0).
    """

    code: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
    api_secret: SecretStr = Field(min_length=1, max_length=200)
    state: str = Field(
        min_length=1,
        max_length=128,
        description="The login's state, as the callback passed it on to the settings page",
    )
