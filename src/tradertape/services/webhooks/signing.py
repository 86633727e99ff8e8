"""The signature of a webhook request: HMAC-SHA256, keyed by the hook's secret, over the
timestamp, a dot and the raw body (``X-TraderTape-Signature: sha256=<hex>``), as Stripe and
GitHub sign theirs. The timestamp binds the signature to a moment, so a captured request
is refused once `MAX_SKEW` has passed, and within it a replay is refused by its signature
(`receive`)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from tradertape.errors import Unauthenticated
from tradertape.security.tokens import digests_equal

MAX_SKEW = timedelta(minutes=5)
PREFIX = "sha256="
_MAX_SKEW_S = MAX_SKEW.total_seconds()


def key(secret: str) -> hmac.HMAC:
    """An HMAC-SHA256 keyed by `secret`, before any message. A hook's is made once
    (`receive.HookKeys`) and each request signed on a copy: the key is set up and the
    digest looked up once, not per request (a third of a signature's cost, issue 69)."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def signature(secret: str | hmac.HMAC, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``timestamp + "." + body`` keyed by ``secret`` (or its `key`)."""
    message = timestamp.encode() + b"." + body
    if isinstance(secret, str):
        return PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    mac = secret.copy()
    mac.update(message)
    return PREFIX + mac.hexdigest()


def verify(
    secret: str | hmac.HMAC,
    *,
    timestamp: str | None,
    signed: str | None,
    body: bytes,
    now: datetime,
) -> str:
    """The request's signature hex when it is good and fresh; 401 saying what is wrong."""
    if not timestamp or not signed:
        raise Unauthenticated(
            "X-TraderTape-Timestamp and X-TraderTape-Signature are required on this hook"
        )
    if not (timestamp.isascii() and timestamp.isdecimal()) or len(timestamp) > 12:
        raise Unauthenticated("X-TraderTape-Timestamp: unix seconds, e.g. 1764300000")
    skew = abs(now.timestamp() - int(timestamp))
    if skew > _MAX_SKEW_S:
        raise Unauthenticated("X-TraderTape-Timestamp is more than 5 minutes from our clock")
    signed = signed.strip()
    if not digests_equal(signature(secret, timestamp, body), signed):
        raise Unauthenticated("X-TraderTape-Signature does not match the body and timestamp")
    return signed[len(PREFIX) :]
