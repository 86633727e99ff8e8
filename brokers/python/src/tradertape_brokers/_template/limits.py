"""The broker's published request ceilings, paced by the shared `RateLimiter`.

One bucket per family of requests the broker limits apart; ``orders`` (place, modify,
cancel) is every adapter's, and its first ceiling is the row's ``orders_per_second``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tradertape_brokers.pacing import Ceiling

TEMPLATE_LIMITS: Mapping[str, Sequence[Ceiling]] = {
    "orders": (Ceiling(10, 1.0),),  # SEBI's ceiling without exchange algo registration
    "other": (Ceiling(10, 1.0),),
}
