"""Groww's request families and published ceilings, paced by the shared `RateLimiter`.

Groww publishes per-second and per-minute ceilings for three request families (orders;
live data; everything else that reads the account).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tradertape_brokers.compat import StrEnum
from tradertape_brokers.pacing import Ceiling, RateLimiter, Sleep


class Family(StrEnum):
    """Which of Groww's published limits a request counts against."""

    ORDERS = "orders"  # create, modify, cancel (smart orders too)
    LIVE_DATA = "live_data"  # quote, ltp, ohlc, candles
    NON_TRADING = "non_trading"  # order status and lists, positions, holdings, margins


#: Groww's published ceilings (Trade API docs, "rate limits"; not in our reference file).
GROWW_LIMITS: Mapping[str, Sequence[Ceiling]] = {
    Family.ORDERS: (Ceiling(10, 1.0), Ceiling(250, 60.0)),
    Family.LIVE_DATA: (Ceiling(10, 1.0), Ceiling(300, 60.0)),
    Family.NON_TRADING: (Ceiling(20, 1.0), Ceiling(500, 60.0)),
}

__all__ = ["GROWW_LIMITS", "Ceiling", "Family", "RateLimiter", "Sleep"]
