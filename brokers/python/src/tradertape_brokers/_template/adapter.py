"""The broker behind the `Broker` port, in Kite's shapes (``tradertape_brokers.port``).

Every call is paced by the limiter (its bucket), its failures mapped by ``errors``, and a
transient one retried with backoff where it is safe: a read always, a placement only after
`find_order` says the broker has no order with our key (a timeout may have placed it).
Replace each `NotImplementedError` with the broker's request and its answer in Kite's shape
(``parsing``); the conformance suite says what each must answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from tradertape_brokers._template.limits import TEMPLATE_LIMITS
from tradertape_brokers._template.login import DEFAULT_ROOT
from tradertape_brokers.pacing import RateLimiter
from tradertape_brokers.port import (
    BrokerCapabilities,
    DailyBar,
    GttSpec,
    KiteDict,
    OrderLike,
    TransientBrokerError,
)

T = TypeVar("T")
_TODO = "the broker's request, its answer in Kite's shape"


class TemplateBroker:
    """One session (an access token) at the broker behind the `Broker` port."""

    name = "template"  # the registry's name, and the server row's `BrokerName` value
    #: What the broker does not do (the port's defaults are Kite's); the server's row says
    #: the same of its varieties.
    capabilities = BrokerCapabilities(iceberg=False, cover_orders=False)

    def __init__(
        self,
        *,
        access_token: str,
        root: str = DEFAULT_ROOT,
        expires_at: datetime | None = None,
        timeout_secs: float = 10.0,
        limiter: RateLimiter | None = None,
        attempts: int = 4,
        backoff_secs: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = access_token
        self._root = root
        self._expires_at = expires_at
        self._timeout = timeout_secs
        self._limiter = limiter or RateLimiter(TEMPLATE_LIMITS, sleep=sleep)
        self._attempts = attempts
        self._backoff = backoff_secs
        self._sleep = sleep

    def session_expires_at(self) -> datetime | None:
        """When the access token dies (the broker's daily cut-off), if known."""
        return self._expires_at

    def _call(self, bucket: str, request: Callable[[], T]) -> T:
        """`request` within the limiter's `bucket`, retried while it fails transiently."""
        for attempt in range(self._attempts):
            self._limiter.acquire(bucket)
            try:
                return request()
            except TransientBrokerError:
                if attempt == self._attempts - 1:
                    raise
                self._sleep(self._backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _todo(self) -> Any:
        raise NotImplementedError(_TODO)

    # --- orders -----------------------------------------------------------------------

    def place_order(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> str:
        """Place `spec` carrying `idempotency_key` (as a tag or reference the broker keeps)
        and `algo_id` where the broker takes one; the broker's order id."""
        return str(self._call("orders", self._todo))

    def find_order(self, idempotency_key: str) -> str | None:
        """The order placed with `idempotency_key`, by the tag or reference it carried."""
        rows = self.orders()
        return next((str(o["order_id"]) for o in rows if o.get("tag") == idempotency_key), None)

    def modify_order(self, order_id: str, changes: Mapping[str, Any]) -> str:
        """Change a working order's price, quantity, trigger or type (Kite's names)."""
        return str(self._call("orders", self._todo))

    def cancel_order(self, order_id: str) -> str:
        """Cancel a working order."""
        return str(self._call("orders", self._todo))

    def orders(self) -> list[KiteDict]:
        """Today's orders, each in Kite's shape (its statuses mapped to Kite's)."""
        return list(self._call("other", self._todo))

    def order_history(self, order_id: str) -> list[KiteDict]:
        """An order's states, oldest first."""
        return list(self._call("other", self._todo))

    def trades(self) -> list[KiteDict]:
        """Today's fills, each by its trade id."""
        return list(self._call("other", self._todo))

    # --- the account ------------------------------------------------------------------

    def positions(self) -> dict[str, list[KiteDict]]:
        """``{"net": [...], "day": [...]}``."""
        return dict(self._call("other", self._todo))

    def holdings(self) -> list[KiteDict]:
        """The demat holdings (today's buys as ``t1_quantity``)."""
        return list(self._call("other", self._todo))

    def margins(self) -> KiteDict:
        """``{"equity": {"net": ..., "available": {...}, "utilised": {...}}}``."""
        return dict(self._call("other", self._todo))

    # --- market data ------------------------------------------------------------------

    def quote(self, keys: Sequence[str]) -> dict[str, KiteDict]:
        """Full quotes keyed by the Kite key asked (``NSE:INFY``)."""
        return dict(self._call("other", self._todo))

    def historical_daily(self, key: str, start: date, end: date) -> list[DailyBar]:
        """Daily candles of `key` from `start` to `end`, both included."""
        return list(self._call("other", self._todo))

    # --- triggers ---------------------------------------------------------------------

    def place_gtt(self, spec: GttSpec) -> int:
        """Place a single or two-leg trigger; its id."""
        return int(self._call("orders", self._todo))

    def modify_gtt(self, trigger_id: int, spec: GttSpec) -> int:
        """Replace a trigger's terms."""
        return int(self._call("orders", self._todo))

    def delete_gtt(self, trigger_id: int) -> int:
        """Delete a trigger."""
        return int(self._call("orders", self._todo))

    def gtts(self) -> list[KiteDict]:
        """The account's triggers in Kite's shape."""
        return list(self._call("other", self._todo))

    def gtt(self, trigger_id: int) -> KiteDict:
        """One trigger in Kite's shape."""
        return dict(self._call("other", self._todo))

    def find_gtts(self, spec: GttSpec) -> list[int]:
        """The active triggers matching `spec` (a placing that may have landed)."""
        return [int(g["id"]) for g in self.gtts() if g.get("condition") == spec.kind]
