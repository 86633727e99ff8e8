"""Kite's published request ceilings (reference §1.8), paced by the shared `RateLimiter`.

Kite answers 429 past 10 orders/s, quotes 1/s, historical 3/s and 10/s for everything else
per API key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tradertape_brokers.pacing import Backoff, Ceiling, RateLimiter

KITE_LIMITS: Mapping[str, Sequence[Ceiling]] = {
    "orders": (Ceiling(10),),
    "quote": (Ceiling(1),),
    "historical": (Ceiling(3),),
    "other": (Ceiling(10),),
}

__all__ = ["KITE_LIMITS", "Backoff", "RateLimiter"]
