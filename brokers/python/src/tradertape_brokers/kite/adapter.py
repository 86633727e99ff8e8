"""`KiteBroker`: the broker port on the official ``kiteconnect`` SDK.

Every call takes a slot from the rate limiter, goes through the SDK and has its errors
mapped to the port's. Reads and idempotent writes are retried on transient failures with
backoff. Placing an order is never blindly repeated: the idempotency key becomes Kite's
``tag``, and after an ambiguous failure the adapter looks for an order with that tag
before sending it again, so one key yields at most one order at Kite.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from kiteconnect import KiteConnect

from tradertape_brokers.gtt_match import matching
from tradertape_brokers.kite.errors import NotAccepted, map_error
from tradertape_brokers.kite.gtt import gtt_args, same_gtt
from tradertape_brokers.kite.limits import KITE_LIMITS, Backoff, RateLimiter
from tradertape_brokers.kite.parsing import daily_bars, kite_shaped
from tradertape_brokers.port import (
    BrokerCapabilities,
    BrokerError,
    DailyBar,
    GttSpec,
    KiteDict,
    OrderLike,
    Slice,
    SlicedOrder,
    TransientBrokerError,
    book_size,
)

DEFAULT_ROOT = "https://api.kite.trade"
TAG_PREFIX = "tt"
_TAG_LEN = 20  # Kite's limit on an order tag
KITE_SLICE_CAP = 10  # autoslice places at most 10 children (SEBI's rules, since 2026-04-01)
T = TypeVar("T")
_MODIFIABLE = frozenset(
    {
        "quantity",
        "price",
        "order_type",
        "trigger_price",
        "validity",
        "disclosed_quantity",
        "market_protection",
    }
)


def kite_tag(idempotency_key: str) -> str:
    """A short, stable tag for `idempotency_key` (alphanumeric, at most 20 characters)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return TAG_PREFIX + digest[: _TAG_LEN - len(TAG_PREFIX)]


def sliced_answer(data: Any) -> SlicedOrder:
    """Kite's answer to an autoslice placement, ``{order_id, children: [{order_id} |
    {error: {code, error_type, message, data}}]}``: no ``children`` means one order."""
    parent = str(data["order_id"])
    children = []
    for child in data.get("children") or [{"order_id": parent}]:
        error = child.get("error")
        if error:
            message = error.get("message") if isinstance(error, Mapping) else error
            children.append(Slice(None, str(message or "refused by Kite")))
        else:
            children.append(Slice(str(child["order_id"])))
    return SlicedOrder(parent, tuple(children))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


# What Kite's margin calculators read of an order.
_BASKET_FIELDS = frozenset(
    {
        "exchange",
        "tradingsymbol",
        "transaction_type",
        "variety",
        "product",
        "order_type",
        "quantity",
        "price",
        "trigger_price",
    }
)


class KiteBroker:
    """One user's Kite session behind the `Broker` port."""

    name = "kite"
    capabilities = BrokerCapabilities(order_postbacks=True)
    slice_cap = KITE_SLICE_CAP  # `SlicesOrders`

    def __init__(
        self,
        *,
        api_key: str,
        access_token: str,
        root: str = DEFAULT_ROOT,
        timeout_secs: float = 7.0,
        expires_at: datetime | None = None,
        limiter: RateLimiter | None = None,
        backoff: Backoff | None = None,
        client: KiteConnect | None = None,
    ) -> None:
        self._kite = client or KiteConnect(
            api_key, access_token=access_token, root=root, timeout=timeout_secs
        )
        self._expires_at = expires_at
        self._limiter = limiter or RateLimiter(KITE_LIMITS)
        self._backoff = backoff or Backoff()
        self._placed: dict[str, str] = {}  # idempotency key → order id, for replays
        self._sliced: dict[str, SlicedOrder] = {}  # the same for orders sent with autoslice
        self._tokens: dict[str, int] = {}  # EXCH:SYMBOL → instrument token
        self._lock = threading.Lock()
        self._local = threading.local()  # this thread's last request's local address
        session = getattr(self._kite, "reqsession", None)  # the SDK's requests.Session
        if session is not None:
            session.hooks["response"].append(self._note_local_address)

    def _note_local_address(self, response: Any, *_args: Any, **_kwargs: Any) -> Any:
        """A response hook: the hook runs before the body is read, while the connection
        that carried the request is still attached to the response."""
        raw = getattr(response, "raw", None)
        connection = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # closed under us: the address stays unknown
                self._local.address = str(sock.getsockname()[0])
        return response

    def local_address(self) -> str | None:
        """The local IP of the connection that carried this thread's last request to Kite
        (None before any): the address a live order left from (`KnowsLocalAddress`)."""
        address = getattr(self._local, "address", None)
        return address if isinstance(address, str) else None

    # -- plumbing -------------------------------------------------------------------------

    def _once(self, bucket: str, call: Callable[[], T]) -> T:
        self._limiter.acquire(bucket)
        try:
            return call()
        except Exception as exc:  # every SDK failure becomes a port error
            raise map_error(exc) from exc

    def _call(self, bucket: str, call: Callable[[], T], *, idempotent: bool = True) -> T:
        """`call` with retries: any transient failure if `idempotent`, else only provable ones."""
        for attempt in range(self._backoff.attempts):
            try:
                return self._once(bucket, call)
            except TransientBrokerError as exc:
                retry = idempotent or isinstance(exc, NotAccepted)
                if not retry or attempt == self._backoff.attempts - 1:
                    raise
                self._backoff.wait(attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def session_expires_at(self) -> datetime | None:
        """When the access token dies (as told at construction)."""
        return self._expires_at

    # -- orders ---------------------------------------------------------------------------

    def place_order(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> str:
        """Place once per key: after an ambiguous failure, find the order by tag first.

        `algo_id` travels in Kite's ``algo_id`` field (SEBI's retail-algo rules)."""
        tag = kite_tag(idempotency_key)
        params = self._order_params(spec, tag)
        if algo_id:
            params["algo_id"] = algo_id
        return self._place_once(
            idempotency_key,
            self._placed,
            lambda: str(self._kite.place_order(**params)),
            lambda: self._order_by_tag(tag),
        )

    def place_sliced(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> SlicedOrder:
        """Place with ``autoslice=true`` once per key: Kite slices above the freeze
        quantity (at most `KITE_SLICE_CAP` children) and answers the parent's
        ``order_id`` with ``children`` (each an ``order_id`` or an ``error``). The SDK's
        ``place_order`` takes no ``autoslice`` and keeps only ``order_id`` of the answer
        (kiteconnect 5.2.2), so the form goes through its ``_post`` of the same route.
        After an ambiguous failure the children are looked up by tag before sending again."""
        tag = kite_tag(idempotency_key)
        params = self._order_params(spec, tag)
        variety = params.pop("variety")
        params["autoslice"] = "true"
        if algo_id:
            params["algo_id"] = algo_id

        def send() -> SlicedOrder:
            data = self._kite._post("order.place", url_args={"variety": variety}, params=params)
            return sliced_answer(data)

        return self._place_once(
            idempotency_key, self._sliced, send, lambda: self._sliced_by_tag(tag)
        )

    def _place_once(
        self, key: str, placed: dict[str, T], send: Callable[[], T], find: Callable[[], T | None]
    ) -> T:
        """Send an order once per idempotency key, whole or sliced: an answer already had
        for `key` is returned; a refusal the broker marks retryable is sent again after
        back-off; after an ambiguous failure (a timeout, a 5xx) the order is looked for by
        its tag (`find`) before it is sent again, so it never goes twice."""
        with self._lock:
            known = placed.get(key)
        if known is not None:
            return known
        for attempt in range(self._backoff.attempts):
            try:
                answer = self._once("orders", send)
            except NotAccepted:
                if attempt == self._backoff.attempts - 1:
                    raise
                self._backoff.wait(attempt)
                continue
            except TransientBrokerError:
                if attempt == self._backoff.attempts - 1:
                    raise
                self._backoff.wait(attempt)
                found = find()
                if found is None:
                    continue
                answer = found
            with self._lock:
                placed[key] = answer
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def find_sliced(self, idempotency_key: str) -> SlicedOrder | None:
        """Today's children of the order sent with autoslice under `idempotency_key`: every
        order carrying its tag, in the book's order (the first standing for the parent)."""
        return self._sliced_by_tag(kite_tag(idempotency_key))

    def _sliced_by_tag(self, tag: str) -> SlicedOrder | None:
        """The children carrying `tag`, each with its size as the book holds it (read
        once here, so the caller need not read the book again for the sizes)."""
        found = [o for o in self._call("other", self._kite.orders) if o.get("tag") == tag]
        if not found:
            return None
        children = tuple(Slice(str(o["order_id"]), quantity=book_size(o)) for o in found)
        return SlicedOrder(children[0].order_id or "", children)

    def find_order(self, idempotency_key: str) -> str | None:
        """The id of today's order placed with `idempotency_key` (its `kite_tag`), if any."""
        return self._order_by_tag(kite_tag(idempotency_key))

    def _order_by_tag(self, tag: str) -> str | None:
        for order in self._call("other", self._kite.orders):
            if order.get("tag") == tag:
                return str(order["order_id"])
        return None

    @staticmethod
    def _order_params(spec: OrderLike, tag: str) -> dict[str, Any]:
        protection = spec.market_protection
        if not protection and spec.order_type in ("MARKET", "SL-M"):
            # Kite refuses a MARKET or SL-M order without protection or with 0 (§0.3): never
            # send it one it refuses; -1 is Kite's automatic protection
            protection = -1
        params: dict[str, Any] = {
            "variety": spec.variety,
            "exchange": spec.exchange,
            "tradingsymbol": spec.tradingsymbol,
            "transaction_type": spec.transaction_type,
            "quantity": spec.quantity,
            "product": spec.product,
            "order_type": spec.order_type,
            "validity": spec.validity,
            "price": _number(spec.price),
            "trigger_price": _number(spec.trigger_price),
            "disclosed_quantity": spec.disclosed_quantity,
            "validity_ttl": spec.validity_ttl,
            "iceberg_legs": spec.iceberg_legs,
            "iceberg_quantity": spec.iceberg_quantity,
            "auction_number": spec.auction_number,
            "market_protection": protection,
            "tag": tag,
        }
        return {k: v for k, v in params.items() if v is not None}

    def _variety(self, order_id: str) -> str:
        history = self.order_history(order_id)
        return str(history[-1].get("variety") or "regular") if history else "regular"

    def modify_order(self, order_id: str, changes: Mapping[str, Any]) -> str:
        """Change a live order (the same change twice is harmless, so it is retried).

        `changes` may name the order's ``variety``; otherwise it is read from the order.
        """
        unknown = set(changes) - _MODIFIABLE - {"variety"}
        if unknown:
            raise BrokerError(f"Kite cannot modify {', '.join(sorted(unknown))}")
        fields = {
            k: float(v) if isinstance(v, Decimal) else v
            for k, v in changes.items()
            if v is not None and k != "variety"
        }
        variety = str(changes.get("variety") or self._variety(order_id))
        call = lambda: self._kite.modify_order(variety, order_id, **fields)  # noqa: E731
        return str(self._call("orders", call))

    def cancel_order(self, order_id: str) -> str:
        """Cancel a live order (one already cancelled is refused, as by Kite; the OMS reads
        the broker's status to tell a repeated cancel from a refused one)."""
        variety = self._variety(order_id)
        return str(self._call("orders", lambda: self._kite.cancel_order(variety, order_id)))

    def orders(self) -> list[KiteDict]:
        """Today's orders."""
        return list(kite_shaped(self._call("other", self._kite.orders)))

    def order_history(self, order_id: str) -> list[KiteDict]:
        """Every state the order went through, oldest first."""
        return list(kite_shaped(self._call("other", lambda: self._kite.order_history(order_id))))

    def trades(self) -> list[KiteDict]:
        """Today's executions."""
        return list(kite_shaped(self._call("other", self._kite.trades)))

    # -- portfolio ------------------------------------------------------------------------

    def positions(self) -> dict[str, list[KiteDict]]:
        """``{"net": [...], "day": [...]}``."""
        return dict(kite_shaped(self._call("other", self._kite.positions)))

    def holdings(self) -> list[KiteDict]:
        """Delivery holdings."""
        return list(kite_shaped(self._call("other", self._kite.holdings)))

    def margins(self) -> KiteDict:
        """``{"equity": {...}, "commodity": {...}}``."""
        return dict(kite_shaped(self._call("other", self._kite.margins)))

    def basket_margins(self, orders: Sequence[OrderLike]) -> KiteDict:
        """``/margins/basket`` with the account's positions considered (nothing placed)."""
        params = [
            {k: v for k, v in self._order_params(order, "").items() if k in _BASKET_FIELDS}
            for order in orders
        ]
        answer = self._call(
            "other", lambda: self._kite.basket_order_margins(params, consider_positions=True)
        )
        return dict(kite_shaped(answer))

    # -- market data ----------------------------------------------------------------------

    def quote(self, keys: Sequence[str]) -> dict[str, KiteDict]:
        """Full quotes keyed by ``EXCH:SYMBOL``."""
        return dict(kite_shaped(self._call("quote", lambda: self._kite.quote(*keys))))

    def instrument_token(self, key: str) -> int:
        """The instrument token of ``EXCH:SYMBOL`` (asked once, then remembered)."""
        with self._lock:
            token = self._tokens.get(key)
        if token is None:
            answer = self._call("quote", lambda: self._kite.ltp(key))
            if key not in answer:
                raise BrokerError(f"Kite does not know {key}")
            token = int(answer[key]["instrument_token"])
            with self._lock:
                self._tokens[key] = token
        return token

    def historical_candles(
        self, key: str, start: date, end: date, interval: str = "day"
    ) -> list[dict[str, Any]]:
        """Kite's candle rows (``date`` aware, ``open``…``volume``) of ``EXCH:SYMBOL`` from
        `start` to `end` inclusive, in one request: the caller keeps within Kite's window
        for `interval` (2000 days of ``day``, 60 of ``minute``)."""
        token = self.instrument_token(key)
        first, last = datetime.combine(start, time.min), datetime.combine(end, time(23, 59, 59))
        rows: list[dict[str, Any]] = self._call(
            "historical", lambda: self._kite.historical_data(token, first, last, interval)
        )
        return rows

    def historical_daily(self, key: str, start: date, end: date) -> list[DailyBar]:
        """Daily candles of ``EXCH:SYMBOL`` from `start` to `end` inclusive."""
        return daily_bars(self.historical_candles(key, start, end, "day"))

    # -- GTT ------------------------------------------------------------------------------

    def place_gtt(self, spec: GttSpec) -> int:
        """Create a trigger (retried only when Kite provably did not take it)."""
        args = gtt_args(spec)
        answer = self._call("other", lambda: self._kite.place_gtt(**args), idempotent=False)
        return int(answer["trigger_id"])

    def modify_gtt(self, trigger_id: int, spec: GttSpec) -> int:
        """Replace a trigger's condition and orders."""
        args = gtt_args(spec)
        answer = self._call("other", lambda: self._kite.modify_gtt(trigger_id, **args))
        return int(answer["trigger_id"])

    def delete_gtt(self, trigger_id: int) -> int:
        """Delete a trigger."""
        answer = self._call("other", lambda: self._kite.delete_gtt(trigger_id))
        return int(answer["trigger_id"])

    def gtts(self) -> list[KiteDict]:
        """Every trigger."""
        return list(kite_shaped(self._call("other", self._kite.get_gtts)))

    def gtt(self, trigger_id: int) -> KiteDict:
        """One trigger."""
        return dict(kite_shaped(self._call("other", lambda: self._kite.get_gtt(trigger_id))))

    def find_gtts(self, spec: GttSpec) -> list[int]:
        """Active triggers saying what `spec` says, newest (highest id) first."""
        return matching(self.gtts(), spec, same_gtt)
