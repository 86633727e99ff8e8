"""Groww (growwapi 1.5.0) behind the Kite-shaped broker port.

Needs the ``[groww]`` extra. Nothing here imports the TraderTape server.
"""

from __future__ import annotations

from tradertape_brokers.groww.adapter import CAPABILITIES, GrowwBroker, reference_id
from tradertape_brokers.groww.limits import GROWW_LIMITS, Ceiling, Family, RateLimiter
from tradertape_brokers.groww.login import (
    access_token_from_secret,
    access_token_from_totp,
    token_expiry,
)
from tradertape_brokers.groww.sdk import DEFAULT_ROOT

__all__ = [
    "CAPABILITIES",
    "DEFAULT_ROOT",
    "GROWW_LIMITS",
    "Ceiling",
    "Family",
    "GrowwBroker",
    "RateLimiter",
    "access_token_from_secret",
    "access_token_from_totp",
    "reference_id",
    "token_expiry",
]
