"""Kite's login: exchange the redirect's single-use request token for an access token.

The exchange needs ``checksum = sha256(api_key + request_token + api_secret)``. In Browser
Login the browser computes it, so the server swaps the token without ever holding the
secret; `checksum` serves the stored-secret path. The token dies at 06:00 IST.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiteconnect import KiteConnect

from tradertape_brokers.compat import UTC
from tradertape_brokers.kite.adapter import DEFAULT_ROOT
from tradertape_brokers.kite.errors import map_error
from tradertape_brokers.port import BrokerError, BrokerSession, TransientBrokerError

IST = ZoneInfo("Asia/Kolkata")
TOKEN_DIES_AT = time(6, 0)


class LoginFailed(BrokerError):
    """Kite refused the request token or the checksum."""


def checksum(api_key: str, request_token: str, api_secret: str) -> str:
    """Kite's login checksum, hex SHA-256 of the three strings joined."""
    return hashlib.sha256((api_key + request_token + api_secret).encode()).hexdigest()


def session_expiry(issued_at: datetime) -> datetime:
    """The next 06:00 IST after `issued_at` (aware), when Kite's access tokens die."""
    local = issued_at.astimezone(IST)
    cutoff = datetime.combine(local.date(), TOKEN_DIES_AT, tzinfo=IST)
    return cutoff if cutoff > local else cutoff + timedelta(days=1)


def exchange_request_token(
    api_key: str,
    request_token: str,
    checksum: str,
    root: str = DEFAULT_ROOT,
    *,
    timeout_secs: float = 7.0,
    now: datetime | None = None,
) -> BrokerSession:
    """Swap `request_token` (with its `checksum`) for a session; `LoginFailed` if refused.

    The expiry counts from Kite's ``login_time`` (IST), else from `now`.
    """
    kite = KiteConnect(api_key, root=root, timeout=timeout_secs)
    form = {"api_key": api_key, "request_token": request_token, "checksum": checksum}
    try:
        data = kite._post("api.token", params=form)  # noqa: SLF001 - the SDK's own route
    except Exception as exc:  # every SDK failure becomes a port error
        mapped = map_error(exc)
        if isinstance(mapped, TransientBrokerError):
            raise mapped from exc
        raise LoginFailed(f"Kite refused the login: {exc}") from exc
    issued = _login_time(data.get("login_time")) or now or datetime.now(UTC)
    extra = {k: str(data[k]) for k in ("public_token", "refresh_token", "user_name") if data.get(k)}
    return BrokerSession(
        access_token=str(data["access_token"]),
        expires_at=session_expiry(issued),
        broker_user_id=data.get("user_id"),
        extra=extra or None,
    )


def _login_time(text: object) -> datetime | None:
    if not isinstance(text, str) or len(text) != 19:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
