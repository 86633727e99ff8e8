"""Upstox's request ceilings, paced by the shared `RateLimiter`.

Upstox allows about 50 requests/s, 500/min and 2000 per 30 min per user, and regulation
caps orders at 10/s without exchange algo registration (reference §2.7, unverified figures).
Order placement, changes and cancels count in the ``orders`` bucket; everything else in
``standard``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tradertape_brokers.pacing import Ceiling, RateLimiter

UPSTOX_LIMITS: Mapping[str, Sequence[Ceiling]] = {
    "standard": (Ceiling(50, 1.0), Ceiling(500, 60.0), Ceiling(2000, 1800.0)),
    "orders": (Ceiling(10, 1.0),),
}

__all__ = ["UPSTOX_LIMITS", "RateLimiter"]
