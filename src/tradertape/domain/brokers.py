"""Brokers we connect to and facts about their sessions."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

_IST = ZoneInfo("Asia/Kolkata")


class BrokerName(StrEnum):
    """A real broker a user can connect."""

    KITE = "kite"
    UPSTOX = "upstox"
    GROWW = "groww"


# The wall-clock time (IST) at which each broker's daily access token dies.
_TOKEN_DIES_AT: dict[BrokerName, time] = {
    BrokerName.KITE: time(6, 0),
    BrokerName.UPSTOX: time(3, 30),
    BrokerName.GROWW: time(6, 0),
}


def access_token_expiry(broker: BrokerName, issued_at: datetime) -> datetime:
    """When a token issued at `issued_at` stops working: the broker's next daily cut-off."""
    local = issued_at.astimezone(_IST)
    cutoff = datetime.combine(local.date(), _TOKEN_DIES_AT[broker], tzinfo=_IST)
    if cutoff <= local:
        cutoff += timedelta(days=1)
    return cutoff


def is_base32_secret(value: str) -> bool:
    """Whether `value` is a base32 TOTP secret (Groww's "API secret" is one)."""
    cleaned = value.replace(" ", "").upper()
    if len(cleaned) < 16:
        return False
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        return False
    return True
