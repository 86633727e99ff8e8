"""`GrowwBroker`: the port's `Broker` on the official growwapi SDK.

Every call passes the client-side rate limiter for its family, runs through the SDK and
has its failures mapped to the port's errors. Reads are retried on transient failures
with exponential backoff. An order is never sent twice: it carries our idempotency key as
Groww's ``order_reference_id``, and after any transient failure the order is looked up by
that reference before it is placed again (Groww also refuses a reused reference, GA007).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from tradertape_brokers.groww import gtt as smart
from tradertape_brokers.groww import parsing
from tradertape_brokers.groww.errors import call, map_error
from tradertape_brokers.groww.limits import GROWW_LIMITS, Family, RateLimiter, Sleep
from tradertape_brokers.groww.sdk import DEFAULT_ROOT, GrowwClient, GrowwHttpError
from tradertape_brokers.gtt_match import matching
from tradertape_brokers.port import (
    BrokerCapabilities,
    BrokerError,
    DailyBar,
    GttSpec,
    KiteDict,
    OrderLike,
    OrderRejected,
    TransientBrokerError,
)

T = TypeVar("T")
SEGMENTS = ("CASH", "FNO")
_REFERENCE = re.compile(r"[A-Za-z0-9-]{8,20}")
_MAX_PAGES = 100

CAPABILITIES = BrokerCapabilities(
    gtt=True,
    two_leg_gtt=True,
    amo=False,
    iceberg=False,
    cover_orders=False,
    market_orders=True,
    order_postbacks=False,
    max_orders_per_second=10,
    quote_batch_limit=50,
)


def reference_id(idempotency_key: str) -> str:
    """Groww's ``order_reference_id`` for our key: 8–20 alphanumerics, at most 2 hyphens.

    A key that already fits is sent as it is; any other is hashed to a stable 20-character
    id, so a retry of the same order always carries the same reference.
    """
    key = idempotency_key.strip()
    if (
        _REFERENCE.fullmatch(key)
        and key.count("-") <= 2
        and not key.startswith("-")
        and not key.endswith("-")
    ):
        return key
    return "tt" + hashlib.sha256(key.encode()).hexdigest()[:18]


class GrowwBroker:
    """One Groww session (an access token) behind the `Broker` port."""

    name = "groww"
    capabilities = CAPABILITIES

    def __init__(
        self,
        *,
        access_token: str,
        root: str = DEFAULT_ROOT,
        expires_at: datetime | None = None,
        timeout_secs: float = 10.0,
        limiter: RateLimiter | None = None,
        retries: int = 3,
        backoff_secs: float = 0.5,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._client = GrowwClient(access_token, root=root)
        self._expires_at = expires_at
        self._timeout = timeout_secs
        self._limiter = limiter or RateLimiter(GROWW_LIMITS)
        self._retries = retries
        self._backoff = backoff_secs
        self._sleep = sleep
        self._segments: dict[str, str] = {}  # order id → segment, for the orders we placed

    def session_expires_at(self) -> datetime | None:
        """When the access token dies (06:00 IST after it was minted), if known."""
        return self._expires_at

    def _once(self, family: Family, fn: Callable[[], T], *, ordering: bool = False) -> T:
        self._limiter.acquire(family)
        return call(fn, ordering=ordering)

    def _retrying(self, family: Family, fn: Callable[[], T], *, ordering: bool = False) -> T:
        for attempt in range(self._retries + 1):
            try:
                return self._once(family, fn, ordering=ordering)
            except TransientBrokerError:
                if attempt == self._retries:
                    raise
                self._sleep(self._backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _segment(self, order_id: str) -> str:
        """The segment Groww keeps `order_id` in: remembered, or found by asking each one.

        Groww files an order under its segment and finds it only there, so an F&O order
        this adapter did not place (another process, or before a restart) is looked up in
        each segment rather than assumed to be a cash one."""
        known = self._segments.get(order_id)
        if known is not None:
            return known
        for segment in SEGMENTS:
            try:
                self._retrying(
                    Family.NON_TRADING,
                    partial(
                        self._client.get_order_detail,
                        segment=segment,
                        groww_order_id=order_id,
                        timeout=self._timeout,
                    ),
                )
            except BrokerError as exc:
                if "GA004" not in str(exc):
                    raise
                continue
            self._segments[order_id] = segment
            return segment
        return "CASH"  # found in neither: let the call itself say so

    def place_order(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> str:
        """Place once; after a timeout or transient error, find it by reference first.

        Groww's order API (growwapi 1.5.0) has no algo id field: `algo_id` is not sent and
        only our order row records it."""
        del algo_id
        exchange, segment = parsing.venue(spec.exchange)
        ref = reference_id(idempotency_key)

        def create() -> dict[str, Any]:
            answer: dict[str, Any] = self._client.place_order(
                validity=spec.validity or "DAY",
                exchange=exchange,
                order_type=parsing.groww_order_type(spec.order_type),
                product=spec.product,
                quantity=int(spec.quantity),
                segment=segment,
                trading_symbol=spec.tradingsymbol,
                transaction_type=spec.transaction_type.upper(),
                order_reference_id=ref,
                price=float(spec.price) if spec.price is not None else 0.0,
                trigger_price=float(spec.trigger_price) if spec.trigger_price else None,
                timeout=self._timeout,
            )
            return answer

        for attempt in range(self._retries + 1):
            try:
                answer = self._once(Family.ORDERS, create, ordering=True)
            except TransientBrokerError:
                found = self._find_by_reference(segment, ref)
                if found is not None:
                    return self._remember(found, segment)
                if attempt == self._retries:
                    raise
                self._sleep(self._backoff * 2**attempt)
                continue
            except OrderRejected as exc:
                if "GA007" in str(exc):  # our reference is already an order: it is ours
                    found = self._find_by_reference(segment, ref)
                    if found is not None:
                        return self._remember(found, segment)
                raise
            return self._remember(str(answer["groww_order_id"]), segment)
        raise AssertionError("unreachable")  # pragma: no cover

    def _remember(self, order_id: str, segment: str) -> str:
        self._segments[order_id] = segment
        return order_id

    def find_order(self, idempotency_key: str) -> str | None:
        """The id of the order placed with `idempotency_key` (its `reference_id`), looked up
        in either segment (Groww refuses a reused reference, so there is at most one)."""
        ref = reference_id(idempotency_key)
        for segment in SEGMENTS:
            found = self._find_by_reference(segment, ref)
            if found is not None:
                return self._remember(found, segment)
        return None

    def _find_by_reference(self, segment: str, ref: str) -> str | None:
        """The order carrying `ref`, or None when Groww has none (retries the lookup)."""
        for attempt in range(self._retries + 1):
            self._limiter.acquire(Family.NON_TRADING)
            try:
                status = self._client.get_order_status_by_reference(
                    segment=segment, order_reference_id=ref, timeout=self._timeout
                )
            except Exception as exc:  # noqa: BLE001 - mapped; only transient ones are retried
                if isinstance(exc, GrowwHttpError) and (exc.status == 404 or exc.code == "GA004"):
                    return None
                mapped = map_error(exc)
                if not isinstance(mapped, TransientBrokerError):
                    raise mapped from exc
            else:
                order_id = status.get("groww_order_id")
                return str(order_id) if order_id else None
            if attempt < self._retries:
                self._sleep(self._backoff * 2**attempt)
        raise TransientBrokerError(
            f"order {ref} may have reached Groww; its status could not be read, so it was "
            "not sent again"
        )

    def _detail(self, order_id: str) -> dict[str, Any]:
        segment = self._segment(order_id)
        detail: dict[str, Any] = self._retrying(
            Family.NON_TRADING,
            lambda: self._client.get_order_detail(
                segment=segment, groww_order_id=order_id, timeout=self._timeout
            ),
        )
        return detail

    def modify_order(self, order_id: str, changes: Mapping[str, Any]) -> str:
        """Groww's modify needs every field: the unchanged ones come from the order."""
        current = self._detail(order_id)
        order_type = changes.get("order_type") or current.get("order_type", "LIMIT")
        price = changes.get("price", current.get("price"))
        trigger = changes.get("trigger_price", current.get("trigger_price"))
        segment = str(current.get("segment") or self._segment(order_id))
        self._retrying(
            Family.ORDERS,
            lambda: self._client.modify_order(
                order_type=parsing.groww_order_type(str(order_type)),
                segment=segment,
                groww_order_id=order_id,
                quantity=int(changes.get("quantity") or current.get("quantity") or 0),
                price=float(price) if price is not None else None,
                trigger_price=float(trigger) if trigger else None,
                timeout=self._timeout,
            ),
            ordering=True,
        )
        return order_id

    def cancel_order(self, order_id: str) -> str:
        """Cancel a live order."""
        segment = self._segment(order_id)
        self._retrying(
            Family.ORDERS,
            lambda: self._client.cancel_order(
                groww_order_id=order_id, segment=segment, timeout=self._timeout
            ),
            ordering=True,
        )
        return order_id

    def _raw_orders(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for segment in SEGMENTS:
            for page in range(_MAX_PAGES):
                payload = self._retrying(
                    Family.NON_TRADING,
                    partial(
                        self._client.get_order_list,
                        page=page,
                        segment=segment,
                        timeout=self._timeout,
                    ),
                )
                batch = payload.get("order_list") or []
                rows.extend(batch)
                if not batch:
                    break
        for row in rows:
            self._segments[str(row.get("groww_order_id"))] = str(row.get("segment", "CASH"))
        return rows

    def orders(self) -> list[KiteDict]:
        """Today's orders, both segments."""
        return [parsing.order(row) for row in self._raw_orders()]

    def order_history(self, order_id: str) -> list[KiteDict]:
        """Groww keeps no state history: the order's current state is its only entry."""
        return [parsing.order(self._detail(order_id))]

    def trades(self) -> list[KiteDict]:
        """Today's fills: Groww lists them per order, so each filled order is asked."""
        out: list[KiteDict] = []
        for row in self._raw_orders():
            if not parsing.qty(row.get("filled_quantity")):
                continue
            order_id = str(row.get("groww_order_id"))
            segment = str(row.get("segment", "CASH"))
            payload = self._retrying(
                Family.NON_TRADING,
                partial(
                    self._client.get_trade_list_for_order,
                    groww_order_id=order_id,
                    segment=segment,
                    page=0,
                    page_size=50,
                    timeout=self._timeout,
                ),
            )
            out.extend(parsing.trade(t, row) for t in payload.get("trade_list") or [])
        return out

    def _ltps(self, keys: Sequence[str]) -> dict[str, float]:
        """Last prices for ``EXCH:SYM`` keys (50 a request), keyed the same way."""
        wanted: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            exchange, symbol = parsing.split_key(key)
            groww_exchange, segment = parsing.venue(exchange)
            wanted.setdefault(segment, []).append(f"{groww_exchange}_{symbol}")
        prices: dict[str, float] = {}
        for segment, names in wanted.items():
            for start in range(0, len(names), 50):
                chunk = tuple(names[start : start + 50])
                payload = self._retrying(
                    Family.LIVE_DATA,
                    partial(
                        self._client.get_ltp,
                        exchange_trading_symbols=chunk,
                        segment=segment,
                        timeout=self._timeout,
                    ),
                )
                for name, price in payload.items():
                    exchange, _, symbol = str(name).partition("_")
                    kite = parsing.kite_exchange(exchange, segment)
                    prices[f"{kite}:{symbol}"] = parsing.num(price)
        return prices

    def positions(self) -> dict[str, list[KiteDict]]:
        """``{net, day}`` with last prices (one LTP batch)."""
        payload = self._retrying(
            Family.NON_TRADING,
            lambda: self._client.get_positions_for_user(timeout=self._timeout),
        )
        rows = payload.get("positions") or []
        keys = [
            f"{parsing.kite_exchange(str(r.get('exchange', 'NSE')), str(r.get('segment', '')))}:"
            f"{r.get('trading_symbol')}"
            for r in rows
        ]
        return parsing.positions(rows, self._ltps(keys) if keys else {})

    def holdings(self) -> list[KiteDict]:
        """Demat holdings with last prices (one LTP batch)."""
        payload = self._retrying(
            Family.NON_TRADING,
            lambda: self._client.get_holdings_for_user(timeout=self._timeout),
        )
        rows = payload.get("holdings") or []
        keys = [f"NSE:{r.get('trading_symbol')}" for r in rows]
        return parsing.holdings(rows, self._ltps(keys) if keys else {})

    def margins(self) -> KiteDict:
        """Kite's ``{equity, commodity}``."""
        payload = self._retrying(
            Family.NON_TRADING,
            lambda: self._client.get_available_margin_details(timeout=self._timeout),
        )
        return parsing.margins(payload)

    def quote(self, keys: Sequence[str]) -> dict[str, KiteDict]:
        """Full quotes; Groww answers one instrument a request."""
        out: dict[str, KiteDict] = {}
        for key in dict.fromkeys(keys):
            exchange, symbol = parsing.split_key(key)
            groww_exchange, segment = parsing.venue(exchange)
            payload = self._retrying(
                Family.LIVE_DATA,
                partial(
                    self._client.get_quote,
                    trading_symbol=symbol,
                    exchange=groww_exchange,
                    segment=segment,
                    timeout=self._timeout,
                ),
            )
            out[key] = parsing.quote(payload)
        return out

    def ltp(self, keys: Sequence[str]) -> dict[str, float]:
        """Last traded prices keyed ``EXCH:SYM``."""
        return self._ltps(keys)

    def historical_daily(self, key: str, start: date, end: date) -> list[DailyBar]:
        """Daily candles from ``/historical/candles`` (groww_symbol ``NSE-INFY``)."""
        exchange, symbol = parsing.split_key(key)
        groww_exchange, segment = parsing.venue(exchange)
        payload = self._retrying(
            Family.LIVE_DATA,
            lambda: self._client.get_historical_candles(
                exchange=groww_exchange,
                segment=segment,
                groww_symbol=f"{groww_exchange}-{symbol}",
                start_time=f"{start.isoformat()} 00:00:00",
                end_time=f"{end.isoformat()} 23:59:59",
                candle_interval="1day",
                timeout=self._timeout,
            ),
        )
        bars = parsing.daily_bars(payload.get("candles") or [])
        return [b for b in bars if start <= b.day <= end]

    def place_gtt(self, spec: GttSpec) -> int:
        """A GTT (single trigger) or OCO (two-leg) smart order."""
        args = smart.smart_order_args(spec)
        ref = secrets.token_hex(10)  # the port gives GTTs no key; Groww wants a reference
        created = self._once(
            Family.ORDERS,
            lambda: self._client.create_smart_order(
                **args, reference_id=ref, timeout=self._timeout
            ),
            ordering=True,
        )
        return smart.trigger_id(args["segment"], str(created["smart_order_id"]))

    def modify_gtt(self, trigger_id: int, spec: GttSpec) -> int:
        """Change a smart order's triggers, legs and quantity in place."""
        segment, kind, smart_id = smart.parse_trigger_id(trigger_id)
        args = smart.smart_order_args(spec)
        if args["smart_order_type"] != kind:
            raise OrderRejected(f"a {kind} smart order cannot become {args['smart_order_type']}")
        fields = (
            *("quantity", "duration", "trigger_price", "trigger_direction", "order"),
            *("product_type", "target", "stop_loss"),
        )
        changes = {k: args[k] for k in fields if k in args}
        self._retrying(
            Family.ORDERS,
            lambda: self._client.modify_smart_order(
                smart_order_id=smart_id,
                smart_order_type=kind,
                segment=segment,
                timeout=self._timeout,
                **changes,
            ),
            ordering=True,
        )
        return trigger_id

    def delete_gtt(self, trigger_id: int) -> int:
        """Cancel a smart order."""
        segment, kind, smart_id = smart.parse_trigger_id(trigger_id)
        self._retrying(
            Family.ORDERS,
            lambda: self._client.cancel_smart_order(
                segment=segment,
                smart_order_type=kind,
                smart_order_id=smart_id,
                timeout=self._timeout,
            ),
            ordering=True,
        )
        return trigger_id

    def gtts(self) -> list[KiteDict]:
        """Every smart order Groww lists (both kinds, both segments)."""
        payload = self._retrying(
            Family.NON_TRADING,
            lambda: self._client.get_smart_order_list(page=0, page_size=50, timeout=self._timeout),
        )
        rows = payload.get("orders") or payload.get("smart_orders") or []
        return [smart.kite_gtt(row) for row in rows]

    def gtt(self, trigger_id: int) -> KiteDict:
        """One smart order as Kite's GTT dict."""
        segment, kind, smart_id = smart.parse_trigger_id(trigger_id)
        raw = self._retrying(
            Family.NON_TRADING,
            lambda: self._client.get_smart_order(
                segment=segment,
                smart_order_type=kind,
                smart_order_id=smart_id,
                timeout=self._timeout,
            ),
        )
        return smart.kite_gtt(raw)

    def find_gtts(self, spec: GttSpec) -> list[int]:
        """Active smart orders saying what `spec` says, newest (by creation) first."""
        return matching(self.gtts(), spec, smart.same_gtt, newest=smart.created)


__all__ = ["CAPABILITIES", "BrokerError", "GrowwBroker", "reference_id"]
