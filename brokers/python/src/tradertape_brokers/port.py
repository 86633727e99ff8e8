"""The broker port: one protocol for every real broker adapter (Kite, Upstox, Groww).

The paper exchange is not a `Broker`: on the server both sit behind the order pipeline's
`Venue` (``tradertape.oms.orders``), the paper one matching in process, the live one sending
through an adapter of this port.

Shapes follow Kite Connect v3 (the richest of the three brokers and what the worker
SDK parses): orders, trades, positions ``{net, day}``, holdings, margins and GTTs are
Kite-shaped dicts at this boundary; adapters for Upstox and Groww translate into them.
Errors are mapped at the boundary into `BrokerError` subclasses so the OMS never sees a
vendor exception: transient ones are retried with backoff, the others are final.

This module is the port's one definition; ``tradertape.ports.broker`` re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

KiteDict = dict[str, Any]
#: Prices arrive as JSON numbers or strings; the OMS turns them into exact Decimals.
Number = float | int | str | Decimal


@dataclass(frozen=True, slots=True)
class DailyBar:
    """One trading day of one instrument."""

    day: date
    open: float
    high: float
    low: float
    close: float
    volume: int


class OrderLike(Protocol):
    """The order fields an adapter sends (Kite's names); the server's `OrderSpec` fits it."""

    @property
    def exchange(self) -> str: ...
    @property
    def tradingsymbol(self) -> str: ...
    @property
    def transaction_type(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def product(self) -> str: ...
    @property
    def order_type(self) -> str: ...
    @property
    def variety(self) -> str: ...
    @property
    def validity(self) -> str: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def trigger_price(self) -> Decimal | None: ...
    @property
    def disclosed_quantity(self) -> int | None: ...
    @property
    def validity_ttl(self) -> int | None: ...
    @property
    def market_protection(self) -> int | None: ...
    @property
    def iceberg_legs(self) -> int | None: ...
    @property
    def iceberg_quantity(self) -> int | None: ...
    @property
    def auction_number(self) -> str | None: ...


class BrokerError(Exception):
    """Base of every failure an adapter reports."""


class TransientBrokerError(BrokerError):
    """Network trouble, 5xx, rate limiting: safe to retry (with the same idempotency key)."""


class OrderRejected(BrokerError):
    """The broker refused the order; it may have been stored as REJECTED."""


class InsufficientFunds(OrderRejected):
    """Not enough cash or margin."""


class SessionExpired(BrokerError):
    """The access token is no longer valid; the user must log in again."""


@dataclass(frozen=True, slots=True)
class BrokerCapabilities:
    """What a venue supports; adapters override only their quirks."""

    gtt: bool = True
    two_leg_gtt: bool = True
    amo: bool = True
    iceberg: bool = True
    cover_orders: bool = True
    market_orders: bool = True  # Class 1 cloud accounts place GTTs only
    order_postbacks: bool = False
    max_orders_per_second: int = 10
    quote_batch_limit: int = 500


@dataclass(frozen=True, slots=True)
class GttSpec:
    """A GTT trigger in Kite's terms: one trigger (single) or two (OCO: stop, target)."""

    exchange: str
    tradingsymbol: str
    trigger_values: Sequence[Number]
    last_price: Number
    orders: Sequence[Mapping[str, Any]]  # LIMIT orders, index-aligned with trigger_values

    @property
    def kind(self) -> str:
        """``single`` or ``two-leg``."""
        return "single" if len(self.trigger_values) == 1 else "two-leg"


class Broker(Protocol):
    """Everything the OMS, the portfolios, the workers and the agent need from a venue."""

    name: str
    capabilities: BrokerCapabilities

    def session_expires_at(self) -> datetime | None:
        """When the current access token dies (None: never, or not known)."""
        ...

    def place_order(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> str:
        """Place an order and return the broker's order id (replays return the same id).

        `algo_id` is the algo id SEBI's retail-algo framework has every algo order carry,
        sent where the broker takes one (Kite's ``algo_id`` field, Upstox's ``X-Algo-Name``
        header); Groww's order API has no such field, so its adapter cannot send it.
        """
        ...

    def find_order(self, idempotency_key: str) -> str | None:
        """The broker's id of today's order placed with `idempotency_key`, or None.

        Each adapter sends the key in a field the broker keeps (Kite's and Upstox's ``tag``,
        Groww's ``order_reference_id``) and looks it up there, so a send whose answer was
        lost is found again without placing anything. Several orders carrying it (only
        possible where the field is not unique): the first in the broker's order book.
        """
        ...

    def modify_order(self, order_id: str, changes: Mapping[str, Any]) -> str:
        """Change quantity, price, trigger, order type or validity of a live order."""
        ...

    def cancel_order(self, order_id: str) -> str:
        """Cancel a live order."""
        ...

    def orders(self) -> list[KiteDict]:
        """Today's orders."""
        ...

    def order_history(self, order_id: str) -> list[KiteDict]:
        """Every state the order went through, oldest first."""
        ...

    def trades(self) -> list[KiteDict]:
        """Today's executions."""
        ...

    def positions(self) -> dict[str, list[KiteDict]]:
        """``{"net": [...], "day": [...]}``."""
        ...

    def holdings(self) -> list[KiteDict]:
        """Delivery holdings (T+1 settled and T1 quantities)."""
        ...

    def margins(self) -> KiteDict:
        """``{"equity": {...}, "commodity": {...}}`` in Kite's shape."""
        ...

    def quote(self, keys: Sequence[str]) -> dict[str, KiteDict]:
        """Full quotes keyed by ``EXCH:SYMBOL``."""
        ...

    def historical_daily(self, key: str, start: date, end: date) -> list[DailyBar]:
        """Daily candles."""
        ...

    def place_gtt(self, spec: GttSpec) -> int:
        """Create a trigger; returns its id."""
        ...

    def modify_gtt(self, trigger_id: int, spec: GttSpec) -> int:
        """Replace a trigger's condition and orders."""
        ...

    def delete_gtt(self, trigger_id: int) -> int:
        """Delete a trigger."""
        ...

    def gtts(self) -> list[KiteDict]:
        """Every trigger (active and recent)."""
        ...

    def gtt(self, trigger_id: int) -> KiteDict:
        """One trigger."""
        ...

    def find_gtts(self, spec: GttSpec) -> list[int]:
        """The ids of the active triggers saying what `spec` says, newest first.

        GTTs carry no tag, so a placement whose answer was lost is found by its content;
        the caller skips the ids it already holds (two equal triggers are both listed).
        """
        ...


@dataclass(frozen=True, slots=True)
class Slice:
    """One child of an order the broker sliced: its order id, or why it was refused, and
    its quantity when the answer says it (the broker's slices, not ours, are what fill;
    None: the caller reads it from the broker's order book)."""

    order_id: str | None
    error: str | None = None
    quantity: int | None = None


def book_size(row: Mapping[str, Any]) -> int | None:
    """The quantity of an order-book row (Kite's shape) as a child's size: a positive
    whole number, else None (a row without one says nothing of the child's size)."""
    size = row.get("quantity")
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


@dataclass(frozen=True, slots=True)
class SlicedOrder:
    """A broker's answer to an order it sliced above the freeze quantity: the parent's id
    as it answered it and each child in placement order (Kite: ``order_id`` and
    ``children``; Upstox: its ``order_ids``, the first standing for the parent)."""

    order_id: str
    children: tuple[Slice, ...]


@runtime_checkable
class SlicesOrders(Protocol):
    """An adapter whose broker slices an order above the exchange's freeze quantity
    itself, into at most `slice_cap` children (Kite's ``autoslice``: 10; Upstox's
    ``slice``: 25). Groww has no such field: the OMS slices for it."""

    slice_cap: int

    def place_sliced(
        self, spec: OrderLike, *, idempotency_key: str, algo_id: str | None = None
    ) -> SlicedOrder:
        """Place `spec` whole with the broker's slicing asked for; once per key, as
        `Broker.place_order` (every child carries the key's tag)."""
        ...

    def find_sliced(self, idempotency_key: str) -> SlicedOrder | None:
        """Today's children placed with `idempotency_key`, in the broker's book order
        (None when there are none): a send whose answer was lost, found again."""
        ...


@runtime_checkable
class KnowsLocalAddress(Protocol):
    """An adapter that can tell which local address its last request left from (SEBI's
    static-IP rule: each live order records the IP it was sent from)."""

    def local_address(self) -> str | None:
        """The local IP of the connection that carried this thread's last request."""
        ...


@runtime_checkable
class KnowsBasketMargins(Protocol):
    """An adapter that asks the broker what a basket of orders needs together (Kite's
    ``/margins/basket``: the hedges' benefit counted, the account's positions too)."""

    def basket_margins(self, orders: Sequence[OrderLike]) -> KiteDict:
        """Kite's answer: ``initial`` and ``final`` (after netting) ``total``, each order's
        margins, and ``charges``."""
        ...


@dataclass(frozen=True, slots=True)
class BrokerSession:
    """What a completed login yields; the server encrypts the token before storing it."""

    access_token: str
    expires_at: datetime  # timezone-aware; Kite ~06:00 IST next day, Upstox 03:30 IST
    broker_user_id: str | None = None
    extra: Mapping[str, str] | None = None  # e.g. Kite's public_token, refresh_token
