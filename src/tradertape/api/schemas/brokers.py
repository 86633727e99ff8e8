"""Broker credential bodies: secrets go in, only masks come out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, IPvAnyAddress, SecretStr

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.brokers import BROKERS, BrokerFacts, BrokerKey, LoginFlow, ScheduleName

#: The brokers whose token is minted from an API key, not a browser login.
_API_KEY_LOGINS = ", ".join(r.label for r in BROKERS.values() if r.login is LoginFlow.API_KEY)


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
        f"without a browser login, {_API_KEY_LOGINS})"
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


class BrokerFactsOut(BaseModel):
    """One broker a user can connect, as its row in `domain.brokers` states it."""

    name: BrokerKey
    label: str = Field(examples=["Kite"])
    house: str = Field(
        description="the firm whose statements and charges it is", examples=["Zerodha"]
    )
    segments: list[str] = Field(description="exchanges it takes orders on (Kite's names)")
    order_types: list[str]
    varieties: list[str]
    products: list[str]
    session_ends: str = Field(
        description="the IST time its daily access token dies", examples=["06:00 IST"]
    )
    slicing: Literal["broker", "pipeline"] = Field(
        description="who cuts an order above the freeze quantity into children: the broker "
        "from one request, or our pipeline one request a child"
    )
    slice_cap: int = Field(description="at most this many children for one order")
    orders_per_second: int = Field(description="its published order-rate ceiling per API key")
    symbols: str = Field(description="how it names an instrument (a symbol format)")
    charges: ScheduleName = Field(description="whose published charges schedule its fills pay")
    login: Literal["redirect", "api_key"] = Field(
        description="redirect: a browser login sent back to our callback; api_key: today's "
        "token minted from the API key and a TOTP code or its secret"
    )
    updates: Literal["postback", "poll"] = Field(
        description="how it tells us of an order's changes besides being polled"
    )
    agent: bool = Field(description="the local agent can place for a model portfolio at it")

    @classmethod
    def of(cls, row: BrokerFacts) -> BrokerFactsOut:
        """The row as the API shows it (its fields, read by name)."""
        return cls.model_validate(row, from_attributes=True)
