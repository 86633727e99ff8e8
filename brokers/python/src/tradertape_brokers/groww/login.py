"""Groww's key flows: an API key plus a TOTP, or plus its secret (daily approval).

Groww has no browser redirect. The SDK's ``GrowwAPI.get_access_token`` posts to a
hard-coded host and stamps the checksum with the wall clock, so these functions build the
same request (the SDK's own headers and checksum) against any root, at the injected time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tradertape_brokers.compat import UTC
from tradertape_brokers.groww.errors import call
from tradertape_brokers.groww.sdk import DEFAULT_ROOT, GrowwAPI, GrowwClient
from tradertape_brokers.port import BrokerError, BrokerSession

IST = ZoneInfo("Asia/Kolkata")
#: A Groww access token dies at the next 06:00 IST after it is minted.
TOKEN_DIES_AT = time(6, 0)
TOKEN_PATH = "/token/api/access"  # noqa: S105 - a URL path, not a secret
Now = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def token_expiry(issued_at: datetime) -> datetime:
    """The next 06:00 IST after `issued_at` (aware)."""
    local = issued_at.astimezone(IST)
    cutoff = datetime.combine(local.date(), TOKEN_DIES_AT, tzinfo=IST)
    return cutoff if cutoff > local else cutoff + timedelta(days=1)


def approval_checksum(api_secret: str, timestamp: int) -> str:
    """``sha256_hex(secret + str(epoch_seconds))``, as the SDK computes it."""
    checksum: str = GrowwAPI._generate_checksum(api_secret, str(timestamp))
    return checksum


def access_token_from_totp(
    api_key: str,
    totp: str,
    root: str = DEFAULT_ROOT,
    *,
    now: Now = _utc_now,
    timeout_secs: float = 15.0,
) -> BrokerSession:
    """Mint today's access token from a TOTP API key and the current 6-digit code."""
    code = totp.strip()
    if not code:
        raise ValueError("totp is empty")
    return _mint(api_key, {"key_type": "totp", "totp": code}, root, now, timeout_secs)


def access_token_from_secret(
    api_key: str,
    api_secret: str,
    root: str = DEFAULT_ROOT,
    *,
    now: Now = _utc_now,
    timeout_secs: float = 15.0,
) -> BrokerSession:
    """Mint today's access token from an approval API key and its secret (checksum flow)."""
    if not api_secret.strip():
        raise ValueError("api_secret is empty")
    stamp = int(now().timestamp())
    body = {
        "key_type": "approval",
        "checksum": approval_checksum(api_secret, stamp),
        "timestamp": stamp,
    }
    return _mint(api_key, body, root, now, timeout_secs)


def _mint(
    api_key: str, body: dict[str, Any], root: str, now: Now, timeout_secs: float
) -> BrokerSession:
    client = GrowwClient(api_key, root=root)

    def post() -> dict[str, Any]:
        response = client._request_post(
            url=client.domain + TOKEN_PATH,
            json=body,
            headers=GrowwAPI._build_headers(api_key),
            timeout=timeout_secs,
        )
        answer: dict[str, Any] = client._parse_response(response)
        return answer

    answer = call(post)
    token = answer.get("token")
    if not isinstance(token, str) or not token:
        raise BrokerError("Groww's token endpoint answered without a token")
    extra = {k: str(answer[k]) for k in ("tokenRefId", "sessionName") if answer.get(k)}
    return BrokerSession(access_token=token, expires_at=token_expiry(now()), extra=extra or None)
