"""`UpstoxBroker`: the port on ``upstox-python-sdk``, Kite-shaped at the boundary.

Never sends an order twice: the idempotency key travels as Upstox's ``tag``; when placing
fails in a way that leaves the outcome unknown (timeout, 5xx, dropped connection), the day's
order book is searched for that tag before the order is sent again. A 429 is certain not to
have been accepted, so it is simply retried after a back-off.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import upstox_client

from tradertape_brokers.gtt_match import matching
from tradertape_brokers.port import (
    BrokerCapabilities,
    BrokerError,
    DailyBar,
    GttSpec,
    KiteDict,
    Number,
    OrderLike,
    OrderRejected,
    Slice,
    SlicedOrder,
    TransientBrokerError,
    book_size,
)
from tradertape_brokers.upstox import parsing
from tradertape_brokers.upstox.errors import RateLimited, translate
from tradertape_brokers.upstox.gtt import gtt_rules, same_gtt
from tradertape_brokers.upstox.keys import InstrumentKeys
from tradertape_brokers.upstox.limits import UPSTOX_LIMITS, RateLimiter
from tradertape_brokers.upstox.login import UPSTOX_ROOT, api_client

T = TypeVar("T")
V2 = "2.0"
_TAG_MAX = 40  # Upstox accepts tags up to 40 characters
UPSTOX_SLICE_CAP = 25  # the v3 place order's ``slice``: at most 25 children
_DAILY_SPAN = timedelta(days=3652)  # daily candles: at most a decade per request


def order_tag(idempotency_key: str) -> str:
    """The key as Upstox's tag: itself when it fits, else a digest (a prefix could collide)."""
    if len(idempotency_key) <= _TAG_MAX:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:_TAG_MAX]


def _price(value: Number | None) -> float:
    return float(value) if value is not None else 0.0


class UpstoxBroker:
    """One Upstox session behind the Kite-shaped `Broker` port."""

    name = "upstox"
    capabilities = BrokerCapabilities(iceberg=False, cover_orders=False, order_postbacks=False)
    slice_cap = UPSTOX_SLICE_CAP  # `SlicesOrders`

    def __init__(
        self,
        *,
        access_token: str,
        keys: InstrumentKeys,
        root: str = UPSTOX_ROOT,
        expires_at: datetime | None = None,
        timeout_secs: float = 10.0,
        attempts: int = 3,
        backoff_secs: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | None = None,
    ) -> None:
        client = api_client(root, access_token)
        self._orders_v3 = upstox_client.OrderApiV3(client)
        self._orders_v2 = upstox_client.OrderApi(client)
        self._portfolio = upstox_client.PortfolioApi(client)
        self._user = upstox_client.UserApi(client)
        self._quotes = upstox_client.MarketQuoteApi(client)
        self._history = upstox_client.HistoryV3Api(client)
        self._keys = keys
        self._expires_at = expires_at
        # A (connect, read) pair: the SDK ignores a plain float (only ints and pairs count).
        self._timeout = (timeout_secs, timeout_secs)
        self._attempts = max(1, attempts)
        self._backoff = backoff_secs
        self._sleep = sleep
        self._limiter = limiter or RateLimiter(UPSTOX_LIMITS, monotonic=monotonic, sleep=sleep)
        self._gtt_ids: dict[int, str] = {}
        self._placed: dict[str, str] = {}  # tag → order id, so a replay returns the same id
        self._sliced: dict[str, SlicedOrder] = {}  # the same for orders sent with ``slice``
        self._unsettled: set[str] = set()  # tags whose last place ended with no answer

    def _once(self, call: Callable[[], T], *, order: bool) -> T:
        self._limiter.acquire("orders" if order else "standard")
        try:
            return call()
        except Exception as exc:
            raise translate(exc, order=order) from exc

    def _call(self, call: Callable[[], T], *, order: bool = False, rate_only: bool = False) -> T:
        """Call with back-off on transient errors (only on a 429 when `rate_only`)."""
        for attempt in range(self._attempts):
            try:
                return self._once(call, order=order)
            except TransientBrokerError as exc:
                last = attempt == self._attempts - 1
                if last or (rate_only and not isinstance(exc, RateLimited)):
                    raise
                self._sleep(self._backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def session_expires_at(self) -> datetime | None:
        """When the access token dies (03:30 IST), if the caller told us."""
        return self._expires_at

    def place_order(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> str:
        """Place once: the key is the tag, and an unknown outcome is looked up by it.

        `algo_id` travels in Upstox's ``X-Algo-Name`` header (required for registered algos)."""
        tag = order_tag(idempotency_key)
        if tag in self._placed:
            return self._placed[tag]
        found = self._orders_by_tag(tag)[:1] if tag in self._unsettled else []
        try:
            order_id = (found or self._place_once(spec, tag, algo_id, sliced=False))[0]
        except RateLimited:
            raise
        except TransientBrokerError:  # it may still have landed: a retry looks first
            self._unsettled.add(tag)
            raise
        self._unsettled.discard(tag)
        self._placed[tag] = order_id
        return order_id

    def place_sliced(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> SlicedOrder:
        """Place with the v3 ``slice`` flag once per key: Upstox slices above the freeze
        quantity (at most `UPSTOX_SLICE_CAP` children) and answers every child's id in
        ``order_ids`` (the first stands for the parent; no per-child errors are answered:
        a refused child shows in the order book)."""
        tag = order_tag(idempotency_key)
        if tag in self._sliced:
            return self._sliced[tag]
        found = self._orders_by_tag(tag) if tag in self._unsettled else []
        try:
            ids = found or self._place_once(spec, tag, algo_id, sliced=True)
        except RateLimited:
            raise
        except TransientBrokerError:
            self._unsettled.add(tag)
            raise
        self._unsettled.discard(tag)
        placed = SlicedOrder(ids[0], tuple(Slice(i) for i in ids))
        self._sliced[tag] = placed
        return placed

    def find_sliced(self, idempotency_key: str) -> SlicedOrder | None:
        """Today's children placed with ``slice`` under `idempotency_key` (its tag), in
        the book's order."""
        children = self._children_by_tag(order_tag(idempotency_key))
        return SlicedOrder(children[0].order_id or "", children) if children else None

    def _place_once(
        self, spec: OrderLike, tag: str, algo_id: str | None, *, sliced: bool
    ) -> list[str]:
        body = upstox_client.PlaceOrderV3Request(
            quantity=int(spec.quantity),
            product=parsing.upstox_product(spec.product),
            validity=spec.validity or "DAY",
            price=_price(spec.price),
            tag=tag,
            instrument_token=self._keys.upstox(f"{spec.exchange}:{spec.tradingsymbol}"),
            order_type=spec.order_type,
            transaction_type=spec.transaction_type,
            disclosed_quantity=int(spec.disclosed_quantity or 0),
            trigger_price=_price(spec.trigger_price),
            is_amo=spec.variety == "amo",
            slice=sliced,
        )
        if spec.market_protection is not None:
            body.market_protection = float(spec.market_protection)
        header = {"algo_name": algo_id} if algo_id else {}
        for attempt in range(self._attempts):
            try:
                reply = self._once(
                    lambda: self._orders_v3.place_order(
                        body, _request_timeout=self._timeout, **header
                    ),
                    order=True,
                )
                ids = [str(i) for i in reply.data.order_ids or []]
                return ids if sliced else ids[:1]
            except RateLimited:  # refused unseen: just wait and send again
                if attempt == self._attempts - 1:
                    raise
                self._sleep(self._backoff * 2**attempt)
            except TransientBrokerError:  # the outcome is unknown: did it land?
                found = self._orders_by_tag(tag)
                if not found:  # the book may lag the accept: look once more, later
                    self._sleep(self._backoff * 2**attempt)
                    found = self._orders_by_tag(tag)
                if found:
                    return found if sliced else found[:1]
                if attempt == self._attempts - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def find_order(self, idempotency_key: str) -> str | None:
        """The id of today's order placed with `idempotency_key` (its `order_tag`), if any."""
        return self._order_by_tag(order_tag(idempotency_key))

    def _order_by_tag(self, tag: str) -> str | None:
        found = self._orders_by_tag(tag)
        return found[0] if found else None

    def _orders_by_tag(self, tag: str) -> list[str]:
        """The ids of today's orders carrying `tag`, in the book's order."""
        return [str(child.order_id) for child in self._children_by_tag(tag)]

    def _children_by_tag(self, tag: str) -> tuple[Slice, ...]:
        """Today's orders carrying `tag`, in the book's order, each with its size as the
        book holds it (one read: a lost sliced answer's sizes come with its ids)."""
        book = self._call(
            lambda: self._orders_v2.get_order_book(V2, _request_timeout=self._timeout)
        )
        return tuple(
            Slice(str(row.order_id), quantity=book_size({"quantity": row.quantity}))
            for row in book.data or []
            if row.tag == tag
        )

    def modify_order(self, order_id: str, changes: Mapping[str, Any]) -> str:
        """Change a live order; unchanged fields are taken from the order as it stands."""
        current = self._order_row(order_id)
        body = upstox_client.ModifyOrderRequest(
            quantity=int(changes.get("quantity", current.quantity)),
            validity=str(changes.get("validity", current.validity)),
            price=_price(changes.get("price", current.price)),
            order_id=order_id,
            order_type=str(changes.get("order_type", current.order_type)),
            disclosed_quantity=int(changes.get("disclosed_quantity") or 0),
            trigger_price=_price(changes.get("trigger_price", current.trigger_price)),
        )
        reply = self._call(
            lambda: self._orders_v3.modify_order(body, _request_timeout=self._timeout),
            order=True,
            rate_only=True,
        )
        return str(reply.data.order_id)

    def _order_row(self, order_id: str) -> Any:
        reply = self._call(
            lambda: self._orders_v2.get_order_status(
                order_id=order_id, _request_timeout=self._timeout
            )
        )
        if reply.data is None:
            raise OrderRejected(f"no order {order_id}")
        return reply.data

    def cancel_order(self, order_id: str) -> str:
        """Cancel a live order."""
        reply = self._call(
            lambda: self._orders_v3.cancel_order(order_id, _request_timeout=self._timeout),
            order=True,
            rate_only=True,
        )
        return str(reply.data.order_id)

    def orders(self) -> list[KiteDict]:
        """Today's orders."""
        book = self._call(
            lambda: self._orders_v2.get_order_book(V2, _request_timeout=self._timeout)
        )
        return [parsing.order(self._keys, row.to_dict()) for row in book.data or []]

    def order_history(self, order_id: str) -> list[KiteDict]:
        """Every state the order went through, oldest first."""
        reply = self._call(
            lambda: self._orders_v2.get_order_details(
                V2, order_id=order_id, _request_timeout=self._timeout
            )
        )
        return [parsing.order(self._keys, row.to_dict()) for row in reply.data or []]

    def trades(self) -> list[KiteDict]:
        """Today's executions."""
        reply = self._call(
            lambda: self._orders_v2.get_trade_history(V2, _request_timeout=self._timeout)
        )
        return [parsing.trade(self._keys, row.to_dict()) for row in reply.data or []]

    def positions(self) -> dict[str, list[KiteDict]]:
        """``{"net": [...], "day": [...]}`` from Upstox's short-term positions."""
        reply = self._call(
            lambda: self._portfolio.get_positions(V2, _request_timeout=self._timeout)
        )
        net = [parsing.position(self._keys, row.to_dict()) for row in reply.data or []]
        day = [d for d in (parsing.day_position(p) for p in net) if d is not None]
        return {"net": net, "day": day}

    def holdings(self) -> list[KiteDict]:
        """Delivery holdings."""
        reply = self._call(lambda: self._portfolio.get_holdings(V2, _request_timeout=self._timeout))
        return [parsing.holding(self._keys, row.to_dict()) for row in reply.data or []]

    def margins(self) -> KiteDict:
        """Funds in Kite's margins shape (``equity`` and ``commodity``)."""
        reply = self._call(
            lambda: self._user.get_user_fund_margin(V2, _request_timeout=self._timeout)
        )
        data = {k: v.to_dict() for k, v in (reply.data or {}).items()}
        return {
            "equity": parsing.segment_margins(data.get("equity")),
            "commodity": parsing.segment_margins(data.get("commodity")),
        }

    def quote(self, keys: Sequence[str]) -> dict[str, KiteDict]:
        """Full quotes keyed ``EXCH:SYMBOL``."""
        wanted = ",".join(self._keys.upstox(k) for k in keys)
        reply = self._call(
            lambda: self._quotes.get_full_market_quote(wanted, V2, _request_timeout=self._timeout)
        )
        return dict(parsing.quote(self._keys, v.to_dict()) for v in (reply.data or {}).values())

    def historical_daily(self, key: str, start: date, end: date) -> list[DailyBar]:
        """Daily candles from the v3 history API, a decade per call (its widest span)."""
        ukey = self._keys.upstox(key)
        bars: list[DailyBar] = []
        chunk_end = end
        while chunk_end >= start:
            chunk_start = max(start, chunk_end - _DAILY_SPAN)
            first, last = chunk_start.isoformat(), chunk_end.isoformat()
            fetch = functools.partial(
                self._history.get_historical_candle_data1,
                ukey,
                "days",
                "1",
                last,
                first,
                _request_timeout=self._timeout,
            )
            reply = self._call(fetch)
            candles = reply.data.candles if reply.data is not None else None
            bars = parsing.daily_bars(list(candles or [])) + bars
            chunk_end = chunk_start - timedelta(days=1)
        return bars

    def learn_instrument(self, kite_key: str, upstox_key: str) -> None:
        """Map ``NSE:RELIANCE`` to ``NSE_EQ|INE002A01018`` from now on (a caller that
        learns an instrument's ISIN after start-up, as the agent from a signal)."""
        self._keys.learn(kite_key, upstox_key)

    def place_gtt(self, spec: GttSpec) -> int:
        """Create a GTT; returns its Kite-style integer id."""
        kind, rules = gtt_rules(spec)
        leg = spec.orders[0]
        body = upstox_client.GttPlaceOrderRequest(
            type=kind,
            quantity=int(leg["quantity"]),
            product=parsing.upstox_product(str(leg.get("product", "CNC"))),
            rules=rules,
            instrument_token=self._keys.upstox(f"{spec.exchange}:{spec.tradingsymbol}"),
            transaction_type=str(leg["transaction_type"]),
        )
        reply = self._call(
            lambda: self._orders_v3.place_gtt_order(body, _request_timeout=self._timeout),
            order=True,
            rate_only=True,
        )
        return self._remember(str(reply.data.gtt_order_ids[0]))

    def _remember(self, gtt_order_id: str) -> int:
        number = parsing.gtt_number(gtt_order_id)
        self._gtt_ids[number] = gtt_order_id
        return number

    def _upstox_gtt_id(self, trigger_id: int) -> str:
        if trigger_id not in self._gtt_ids:
            self.gtts()  # learns every id the account has
        try:
            return self._gtt_ids[trigger_id]
        except KeyError:
            raise BrokerError(f"no GTT {trigger_id}") from None

    def modify_gtt(self, trigger_id: int, spec: GttSpec) -> int:
        """Replace a GTT's rules and quantity."""
        gtt_id = self._upstox_gtt_id(trigger_id)
        kind, rules = gtt_rules(spec)
        body = upstox_client.GttModifyOrderRequest(
            type=kind, quantity=int(spec.orders[0]["quantity"]), rules=rules, gtt_order_id=gtt_id
        )
        reply = self._call(
            lambda: self._orders_v3.modify_gtt_order(body, _request_timeout=self._timeout),
            order=True,
            rate_only=True,
        )
        return self._remember(str(reply.data.gtt_order_ids[0]))

    def delete_gtt(self, trigger_id: int) -> int:
        """Cancel a GTT."""
        gtt_id = self._upstox_gtt_id(trigger_id)
        body = upstox_client.GttCancelOrderRequest(gtt_order_id=gtt_id)
        self._call(
            lambda: self._orders_v3.cancel_gtt_order(body, _request_timeout=self._timeout),
            order=True,
            rate_only=True,
        )
        return trigger_id

    def gtts(self) -> list[KiteDict]:
        """Every GTT of the account."""
        reply = self._call(
            lambda: self._orders_v3.get_gtt_order_details(_request_timeout=self._timeout)
        )
        rows = [row.to_dict() for row in reply.data or []]
        return [parsing.gtt(self._keys, r, self._remember(r["gtt_order_id"])) for r in rows]

    def gtt(self, trigger_id: int) -> KiteDict:
        """One GTT."""
        gtt_id = self._upstox_gtt_id(trigger_id)
        reply = self._call(
            lambda: self._orders_v3.get_gtt_order_details(
                gtt_order_id=gtt_id, _request_timeout=self._timeout
            )
        )
        rows = [row.to_dict() for row in reply.data or []]
        if not rows:
            raise BrokerError(f"no GTT {trigger_id}")
        return parsing.gtt(self._keys, rows[0], trigger_id)

    def find_gtts(self, spec: GttSpec) -> list[int]:
        """Active GTTs saying what `spec` says, newest (highest id) first."""
        return matching(self.gtts(), spec, same_gtt)
