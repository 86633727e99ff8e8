"""The authorization-code login: a single-use ``code`` from the dialog → an access token.

Upstox tokens die at 03:30 IST whatever time they were issued, so the expiry is computed
here rather than read from the response (which does not carry one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import upstox_client

from tradertape_brokers.compat import UTC
from tradertape_brokers.port import BrokerSession
from tradertape_brokers.upstox.errors import translate

UPSTOX_ROOT = "https://api.upstox.com"
IST = ZoneInfo("Asia/Kolkata")
_DIES_AT = time(3, 30)


def token_expiry(issued_at: datetime) -> datetime:
    """The next 03:30 IST after `issued_at` (aware), when an Upstox token stops working."""
    local = issued_at.astimezone(IST)
    cutoff = datetime.combine(local.date(), _DIES_AT, tzinfo=IST)
    if cutoff <= local:
        cutoff += timedelta(days=1)
    return cutoff


def api_client(root: str, access_token: str | None = None) -> upstox_client.ApiClient:
    """An SDK client whose REST and order hosts both point at `root`."""
    config = upstox_client.Configuration()
    config.host = root.rstrip("/")
    config.order_host = root.rstrip("/")
    if access_token is not None:
        config.access_token = access_token
    return upstox_client.ApiClient(config)


def exchange_code(
    api_key: str,
    api_secret: str,
    code: str,
    redirect_uri: str,
    root: str = UPSTOX_ROOT,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    timeout_secs: float = 10.0,
) -> BrokerSession:
    """Trade the dialog's `code` for a session (raises a port error if Upstox refuses)."""
    login = upstox_client.LoginApi(api_client(root))
    try:
        reply = login.token(
            "2.0",
            code=code,
            client_id=api_key,
            client_secret=api_secret,
            redirect_uri=redirect_uri,
            grant_type="authorization_code",
            _request_timeout=(timeout_secs, timeout_secs),  # the SDK ignores a float
        )
    except Exception as exc:
        raise translate(exc, order=False) from exc
    extra = {"user_name": reply.user_name or "", "email": reply.email or ""}
    if reply.extended_token:
        extra["extended_token"] = reply.extended_token
    return BrokerSession(
        access_token=reply.access_token,
        expires_at=token_expiry(now()),
        broker_user_id=reply.user_id,
        extra=extra,
    )
