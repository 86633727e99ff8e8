"""SEBI's per-client order-rate ceiling: at most N orders a second, whatever path or broker.

SEBI's retail-algo framework (in force since 2026-04-01) lets a client's API orders run at
up to 10 a second without registering the algo with the exchange; Kite answers a 429 past
it. The ceiling is one sliding one-second window per user (`db.rate_window`, in the
database, so every server process counts the same orders), consulted by the pre-trade
gate (`oms.gate.PreTradeGate.admit`) for every order that is about to be accepted (paper)
or sent (live), and for every modification: the exchange counts a modify as an order
message and so does the broker's limit. Cancellations are not counted and never refused,
and neither is the paper broker's own square-off; a client's exit (``exit_only``) is
counted but never refused (exits are never blocked; the broker adapter paces it).

The time is the injected wall clock, not market time: the ceiling is about messages per
real second, also when a demo replays an old session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tradertape.db.rate_window import SlotAsk, bucket_lock
from tradertape.ports.clock import Clock

WINDOW = timedelta(seconds=1)
SEBI_ORDERS_PER_SEC = 10  # the threshold for an unregistered retail algo


def bucket(user_id: int) -> str:
    """The window's bucket of one client (all their brokers, paper and live alike)."""
    return f"orders:{user_id}"


@dataclass(frozen=True, slots=True)
class OrderRateCeiling:
    """At most `per_sec` orders of one client in any second of `clock`'s time."""

    clock: Clock  # wall time (a `ManualClock` in tests)
    per_sec: int = SEBI_ORDERS_PER_SEC

    def ask(self, user_id: int, *, force: bool = False) -> SlotAsk:
        """The slot one order of `user_id` takes now (``force``: counted even past the
        ceiling, an exit); taken with the order's claim (`oms.order_log.claim_taking`)."""
        return SlotAsk(
            bucket=bucket(user_id),
            now=self.clock.now(),
            limit=self.per_sec,
            window=WINDOW,
            force=force,
        )

    def lock(self, user_id: int) -> str:
        """The named lock (`db.locks`) a client's orders are counted under."""
        return bucket_lock(bucket(user_id))

    def message(self, retry_after_s: int) -> str:
        """What a refused order is told (the API's 429, the risk event)."""
        registered = "" if self.per_sec == SEBI_ORDERS_PER_SEC else " (registered algo)"
        return (
            f"SEBI order-rate ceiling hit: at most {self.per_sec} orders per second per "
            f"client{registered}; nothing was sent. Retry after {retry_after_s} s."
        )
