"""The fake Upstox account: orders matched against settable prices, GTTs, positions, funds.

Everything is in memory and driven by the app's event loop (one thread), so no locks.
Prices move only when told to (`set_prices`, or `step` for a seeded random walk), and each
move matches open orders and fires GTT rules, so a test decides exactly when a fill happens.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tradertape.domain.instruments import InstrumentCatalog, UnknownInstrumentError
from tradertape.domain.symbols import from_upstox
from tradertape.fakebrokers.freeze import UPSTOX_SLICES, freeze_of, slice_quantities
from tradertape.ports.clock import IST

PAISA = Decimal("0.01")
TICK = Decimal("0.05")
OPEN_STATES = ("open", "trigger pending")
_OTHER_SIDE = {"BUY": "SELL", "SELL": "BUY"}


class FakeError(Exception):
    """An Upstox error reply: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _money(value: Decimal) -> float:
    return float(value.quantize(PAISA, ROUND_HALF_UP))


def _tick(value: Decimal) -> Decimal:
    return (value / TICK).quantize(Decimal(1), ROUND_HALF_UP) * TICK


@dataclass(slots=True)
class Order:
    """One order and its state."""

    order_id: str
    key: str
    symbol: str
    exchange: str
    side: str
    quantity: int
    product: str
    order_type: str
    price: Decimal
    trigger_price: Decimal
    validity: str
    tag: str | None
    is_amo: bool
    placed_at: datetime
    status: str = "open"
    status_message: str | None = None
    filled: int = 0
    average: Decimal = Decimal(0)
    history: list[dict[str, Any]] = field(default_factory=list)
    algo_name: str | None = None  # the ``X-Algo-Name`` header it arrived with


@dataclass(slots=True)
class Gtt:
    """One GTT: its rules (dicts with strategy, trigger_type, trigger_price, status…)."""

    gtt_id: str
    kind: str
    key: str
    symbol: str
    exchange: str
    side: str
    quantity: int
    product: str
    rules: list[dict[str, Any]]
    created_at: datetime


@dataclass(slots=True)
class Position:
    """One instrument and product's position."""

    key: str
    symbol: str
    exchange: str
    product: str
    overnight: int = 0
    overnight_price: Decimal = Decimal(0)
    day_buy: int = 0
    day_buy_value: Decimal = Decimal(0)
    day_sell: int = 0
    day_sell_value: Decimal = Decimal(0)


@dataclass(slots=True)
class Holding:
    """Delivery shares (settled and T1)."""

    key: str
    symbol: str
    exchange: str
    quantity: int
    average: Decimal
    t1: int = 0


class Book:
    """The account's whole state."""

    def __init__(
        self,
        *,
        catalog: InstrumentCatalog,
        now: Callable[[], datetime],
        cash: Decimal = Decimal("1000000"),
        seed: int = 7,
    ) -> None:
        self._catalog = catalog
        self.now = now
        self.cash = cash
        self.used = Decimal(0)
        self.prices: dict[str, Decimal] = {}
        self.orders: dict[str, Order] = {}
        self.trades: list[dict[str, Any]] = []
        self.gtts: dict[str, Gtt] = {}
        self.positions: dict[tuple[str, str], Position] = {}
        self.holdings: dict[str, Holding] = {}
        self._seq = 0
        # The next ``slice`` order's slice size, as a broker whose freeze quantity is not
        # the client's figure (`/_control/slice`); spent by that order.
        self.slice_at: int | None = None
        # Prices for tests and demos, reproducible from the seed; nothing secret.
        self._random = random.Random(seed)  # noqa: S311

    def instrument(self, key: str) -> tuple[str, str]:
        """``(exchange, trading symbol)`` of an Upstox key; unknown keys are a 400."""
        try:
            found = from_upstox(self._catalog, key)
            return found.exchange.value, found.tradingsymbol
        except UnknownInstrumentError:
            if key in self.prices:  # a test may price instruments the catalog lacks
                segment, _, ident = key.partition("|")
                return segment.partition("_")[0], ident
            raise FakeError(400, "UDAPI1087", f"Invalid instrument key: {key}") from None

    def freeze(self, key: str) -> tuple[int, int] | None:
        """``(freeze quantity, lot size)`` of an F&O contract's key, else None."""
        try:
            found = from_upstox(self._catalog, key)
        except UnknownInstrumentError:
            return None
        limit = freeze_of(found.exchange.value, found.underlying)
        return None if limit is None else (limit, max(found.lot_size, 1))

    def place_sliced(self, body: dict[str, Any], *, algo_name: str | None = None) -> list[Order]:
        """The v3 ``slice`` flag: an order above the freeze quantity placed as children of
        at most that quantity in whole lots (or at `slice_at`, when a test set it), at
        most `UPSTOX_SLICES`, each a whole order carrying the request's tag; within the
        limit, one order as without the flag. Above the cap, or short of funds for the
        whole, a 400 and nothing placed."""
        frozen = self.freeze(str(body.get("instrument_token") or ""))
        quantity = int(body.get("quantity") or 0)
        if frozen is None or quantity <= frozen[0]:
            return [self.place(body, algo_name=algo_name)]
        size, self.slice_at = self.slice_at or frozen[0], None
        cuts = slice_quantities(quantity, size, frozen[1])
        if len(cuts) > UPSTOX_SLICES:
            raise FakeError(
                400,
                "UDAPI100036",
                f"Invalid input: the order needs {len(cuts)} slices; at most {UPSTOX_SLICES}",
            )
        key, side = str(body.get("instrument_token")), str(body.get("transaction_type"))
        price = Decimal(str(body.get("price") or 0)) or self.price(key)
        if side == "BUY" and price * quantity > self.cash - self.used:
            raise FakeError(400, "UDAPI100013", "Insufficient funds to place this order")
        return [self._place(body | {"quantity": cut}, algo_name) for cut in cuts]

    def price(self, key: str) -> Decimal:
        """The last price (a stable made-up one until set)."""
        if key not in self.prices:
            self.prices[key] = Decimal(100 + zlib.crc32(key.encode()) % 3000)
        return self.prices[key]

    def set_prices(self, prices: dict[str, Decimal]) -> None:
        """Move prices, then match orders and fire GTTs."""
        self.prices.update(prices)
        self.match()

    def step(self, steps: int = 1) -> None:
        """A seeded random walk of every known price (±0.5% a step)."""
        for _ in range(steps):
            for key, value in list(self.prices.items()):
                move = Decimal(str(self._random.uniform(-0.005, 0.005)))
                self.prices[key] = max(TICK, _tick(value * (1 + move)))
            self.match()

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def stamp(self) -> str:
        """An order timestamp as Upstox writes it (IST, no zone)."""
        return f"{self.now().astimezone(IST):%Y-%m-%d %H:%M:%S}"

    def place(self, body: dict[str, Any], *, algo_name: str | None = None) -> Order:
        """Validate and accept an order; a marketable one fills at once. `algo_name` is the
        request's ``X-Algo-Name`` header (SEBI's algo id), kept on the order. An F&O order
        above its freeze quantity is refused whole, as the exchange would (``slice``
        places it: `place_sliced`)."""
        key = str(body.get("instrument_token") or "")
        frozen = self.freeze(key)
        quantity = int(body.get("quantity") or 0)
        if frozen is not None and quantity > frozen[0]:
            raise FakeError(
                400,
                "UDAPI100036",
                f"Invalid input: quantity {quantity} is above the freeze quantity {frozen[0]};"
                " place it with slice",
            )
        return self._place(body, algo_name)

    def _place(self, body: dict[str, Any], algo_name: str | None) -> Order:
        key = str(body.get("instrument_token") or "")
        exchange, symbol = self.instrument(key)
        quantity = int(body.get("quantity") or 0)
        order_type = str(body.get("order_type") or "")
        side = str(body.get("transaction_type") or "")
        price = Decimal(str(body.get("price") or 0))
        trigger = Decimal(str(body.get("trigger_price") or 0))
        if quantity <= 0:
            raise FakeError(400, "UDAPI100036", "Invalid input: quantity must be positive")
        if order_type not in ("MARKET", "LIMIT", "SL", "SL-M") or side not in ("BUY", "SELL"):
            raise FakeError(400, "UDAPI100036", "Invalid input: order_type or transaction_type")
        if order_type in ("LIMIT", "SL") and price <= 0:
            raise FakeError(400, "UDAPI100036", "Invalid input: price is required")
        if order_type in ("SL", "SL-M") and trigger <= 0:
            raise FakeError(400, "UDAPI100036", "Invalid input: trigger_price is required")
        if side == "BUY":
            value = (price or self.price(key)) * quantity
            if value > self.cash - self.used:
                raise FakeError(400, "UDAPI100013", "Insufficient funds to place this order")
        now = self.now()
        order = Order(
            order_id=f"{now.astimezone(IST):%y%m%d}{self._next():09d}",
            key=key,
            symbol=symbol,
            exchange=exchange,
            side=side,
            quantity=quantity,
            product=str(body.get("product") or "D"),
            order_type=order_type,
            price=price,
            trigger_price=trigger,
            validity=str(body.get("validity") or "DAY"),
            tag=body.get("tag"),
            is_amo=bool(body.get("is_amo")),
            placed_at=now,
            status="trigger pending" if order_type in ("SL", "SL-M") else "open",
            algo_name=algo_name or None,
        )
        self.orders[order.order_id] = order
        self._record(order)
        self._try_fill(order)
        return order

    def _record(self, order: Order) -> None:
        order.history.append(self.order_row(order))

    def live(self, order_id: str) -> Order:
        """An order that can still change (400 otherwise, as Upstox answers)."""
        order = self.orders.get(order_id)
        if order is None:
            raise FakeError(400, "UDAPI100010", f"Order not found: {order_id}")
        if order.status not in OPEN_STATES:
            raise FakeError(400, "UDAPI100040", f"Order is already {order.status}")
        return order

    def modify(self, body: dict[str, Any]) -> Order:
        """Change a live order."""
        order = self.live(str(body.get("order_id") or ""))
        if body.get("quantity"):
            order.quantity = int(body["quantity"])
        for name, attr in (("price", "price"), ("trigger_price", "trigger_price")):
            if body.get(name) is not None:
                setattr(order, attr, Decimal(str(body[name])))
        if body.get("order_type"):
            order.order_type = str(body["order_type"])
        if body.get("validity"):
            order.validity = str(body["validity"])
        self._record(order)
        self._try_fill(order)
        return order

    def cancel(self, order_id: str) -> Order:
        """Cancel a live order."""
        order = self.live(order_id)
        order.status = "cancelled"
        order.status_message = "Cancelled by user"
        self._record(order)
        return order

    def match(self) -> None:
        """Fill what the current prices allow; fire GTT rules."""
        for order in list(self.orders.values()):
            if order.status in OPEN_STATES:
                self._try_fill(order)
        for gtt in list(self.gtts.values()):
            self._fire(gtt)

    def _try_fill(self, order: Order) -> None:
        ltp = self.price(order.key)
        buy = order.side == "BUY"
        if order.status == "trigger pending":
            crossed = ltp >= order.trigger_price if buy else ltp <= order.trigger_price
            if not crossed:
                return
            order.status = "open"
            self._record(order)
        if order.order_type in ("MARKET", "SL-M"):
            self._fill(order, ltp)
        elif (buy and ltp <= order.price) or (not buy and ltp >= order.price):
            self._fill(order, ltp)  # marketable: at the last price, the limit or better

    def _fill(self, order: Order, price: Decimal) -> None:
        quantity = order.quantity - order.filled
        order.filled = order.quantity
        order.average = price
        order.status = "complete"
        self._record(order)
        self.trades.append(
            {
                "exchange": order.exchange,
                "product": order.product,
                "tradingsymbol": order.symbol,
                "trading_symbol": order.symbol,
                "instrument_token": order.key,
                "order_type": order.order_type,
                "transaction_type": order.side,
                "quantity": quantity,
                "exchange_order_id": f"1{order.order_id}",
                "order_id": order.order_id,
                "exchange_timestamp": self.stamp(),
                "average_price": _money(price),
                "trade_id": f"{self._next():08d}",
                "order_ref_id": order.tag,
                "order_timestamp": f"{order.placed_at.astimezone(IST):%Y-%m-%d %H:%M:%S}",
            }
        )
        pos = self.positions.setdefault(
            (order.key, order.product),
            Position(order.key, order.symbol, order.exchange, order.product),
        )
        value = price * quantity
        if order.side == "BUY":
            pos.day_buy += quantity
            pos.day_buy_value += value
            self.used += value
        else:
            pos.day_sell += quantity
            pos.day_sell_value += value
            self.used -= value

    def order_row(self, order: Order) -> dict[str, Any]:
        """An order as the order book lists it."""
        return {
            "exchange": order.exchange,
            "product": order.product,
            "price": _money(order.price),
            "quantity": order.quantity,
            "status": order.status,
            "guid": None,
            "tag": order.tag,
            "instrument_token": order.key,
            "placed_by": "FAKE01",
            "tradingsymbol": order.symbol,
            "trading_symbol": order.symbol,
            "order_type": order.order_type,
            "validity": order.validity,
            "trigger_price": _money(order.trigger_price),
            "disclosed_quantity": 0,
            "transaction_type": order.side,
            "average_price": _money(order.average),
            "filled_quantity": order.filled,
            "pending_quantity": order.quantity - order.filled if order.status in OPEN_STATES else 0,
            "status_message": order.status_message,
            "status_message_raw": order.status_message,
            "exchange_order_id": f"1{order.order_id}" if order.status != "rejected" else None,
            "parent_order_id": None,
            "order_id": order.order_id,
            "variety": "AMO" if order.is_amo else "SIMPLE",
            "order_timestamp": f"{order.placed_at.astimezone(IST):%Y-%m-%d %H:%M:%S}",
            "exchange_timestamp": self.stamp(),
            "is_amo": order.is_amo,
            "order_request_id": "1",
            "order_ref_id": order.tag,
        }

    def _check_rules(self, kind: str, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        strategies = [str(r.get("strategy")) for r in rules]
        if not rules or len(rules) > 3 or len(set(strategies)) != len(strategies):
            raise FakeError(400, "UDAPI100036", "Invalid input: 1 to 3 rules, no repeats")
        if kind == "SINGLE" and strategies != ["ENTRY"]:
            raise FakeError(400, "UDAPI100036", "Invalid input: SINGLE takes one ENTRY rule")
        checked = []
        for rule in rules:
            trigger = Decimal(str(rule.get("trigger_price") or 0))
            if trigger <= 0:
                raise FakeError(400, "UDAPI100036", "Invalid input: trigger_price")
            checked.append(
                {
                    "strategy": rule.get("strategy"),
                    "trigger_type": rule.get("trigger_type"),
                    "trigger_price": trigger,
                    "trailing_gap": rule.get("trailing_gap"),
                    "status": "SCHEDULED",
                    "message": None,
                    "order_id": None,
                }
            )
        return checked

    def place_gtt(self, body: dict[str, Any]) -> Gtt:
        """Accept a GTT (SINGLE: ENTRY; MULTIPLE: ENTRY and/or TARGET, STOPLOSS)."""
        key = str(body.get("instrument_token") or "")
        exchange, symbol = self.instrument(key)
        kind = str(body.get("type") or "")
        if kind not in ("SINGLE", "MULTIPLE") or int(body.get("quantity") or 0) <= 0:
            raise FakeError(400, "UDAPI100036", "Invalid input: type or quantity")
        if body.get("transaction_type") not in _OTHER_SIDE:
            raise FakeError(400, "UDAPI100036", "Invalid input: transaction_type")
        now = self.now()
        gtt = Gtt(
            gtt_id=f"GTT-C{now.astimezone(IST):%y%m%d}{self._next():08d}",
            kind=kind,
            key=key,
            symbol=symbol,
            exchange=exchange,
            side=str(body["transaction_type"]),
            quantity=int(body["quantity"]),
            product=str(body.get("product") or "D"),
            rules=self._check_rules(kind, list(body.get("rules") or [])),
            created_at=now,
        )
        self.gtts[gtt.gtt_id] = gtt
        self._fire(gtt)
        return gtt

    def scheduled(self, gtt_id: str) -> Gtt:
        """A GTT that has not fired yet."""
        gtt = self.gtts.get(gtt_id)
        if gtt is None:
            raise FakeError(400, "UDAPI1100", f"GTT order not found: {gtt_id}")
        if any(r["status"] != "SCHEDULED" for r in gtt.rules):
            raise FakeError(400, "UDAPI1101", "GTT order is no longer active")
        return gtt

    def modify_gtt(self, body: dict[str, Any]) -> Gtt:
        """Replace a scheduled GTT's rules and quantity."""
        gtt = self.scheduled(str(body.get("gtt_order_id") or ""))
        gtt.kind = str(body.get("type") or gtt.kind)
        gtt.quantity = int(body.get("quantity") or gtt.quantity)
        gtt.rules = self._check_rules(gtt.kind, list(body.get("rules") or []))
        self._fire(gtt)
        return gtt

    def cancel_gtt(self, gtt_id: str) -> Gtt:
        """Cancel what of a GTT has not fired (a bracket's exits after its ENTRY, too)."""
        gtt = self.gtts.get(gtt_id)
        if gtt is None:
            raise FakeError(400, "UDAPI1100", f"GTT order not found: {gtt_id}")
        waiting = [r for r in gtt.rules if r["status"] == "SCHEDULED"]
        if not waiting:
            raise FakeError(400, "UDAPI1101", "GTT order is no longer active")
        for rule in waiting:
            rule["status"] = "CANCELLED"
        return gtt

    def _fire(self, gtt: Gtt) -> None:
        """Fire what the price allows: the ENTRY first; then one exit, cancelling the other.

        Without an ENTRY (an exit-only GTT) the exits trade the GTT's own side; after an
        ENTRY they close what it opened, so they trade the other side.
        """
        ltp = self.price(gtt.key)
        entry = next((r for r in gtt.rules if r["strategy"] == "ENTRY"), None)
        if entry is not None and entry["status"] == "SCHEDULED":
            if self._hit(gtt.side, entry, ltp):  # the exits wait for the next price
                self._trigger(gtt, entry, gtt.side, ltp)
            return
        exits = [r for r in gtt.rules if r["strategy"] != "ENTRY"]
        if not exits or any(r["status"] != "SCHEDULED" for r in exits):
            return
        side = gtt.side if entry is None else _OTHER_SIDE[gtt.side]
        for rule in exits:
            if self._hit(side, rule, ltp):
                self._trigger(gtt, rule, side, ltp)
                for other in exits:
                    if other is not rule:
                        other["status"] = "CANCELLED"
                return

    def _trigger(self, gtt: Gtt, rule: dict[str, Any], side: str, ltp: Decimal) -> None:
        order = self.place(
            {
                "instrument_token": gtt.key,
                "quantity": gtt.quantity,
                "order_type": "LIMIT",  # Upstox places a LIMIT on trigger
                "transaction_type": side,
                "price": _money(ltp),
                "product": gtt.product,
                "tag": gtt.gtt_id,
            }
        )
        rule["status"] = "TRIGGERED"
        rule["order_id"] = order.order_id

    @staticmethod
    def _hit(side: str, rule: dict[str, Any], ltp: Decimal) -> bool:
        trigger: Decimal = rule["trigger_price"]
        strategy, kind = rule["strategy"], rule["trigger_type"]
        if strategy == "ENTRY":
            if kind == "IMMEDIATE":
                return True
            return ltp >= trigger if kind == "ABOVE" else ltp <= trigger
        # Exits: a SELL exit takes profit above and stops out below; a BUY exit the reverse.
        above = (strategy == "TARGET") == (side == "SELL")
        return ltp >= trigger if above else ltp <= trigger

    @staticmethod
    def _rule_side(gtt: Gtt, rule: dict[str, Any]) -> str:
        bracket = rule["strategy"] != "ENTRY" and any(r["strategy"] == "ENTRY" for r in gtt.rules)
        return _OTHER_SIDE[gtt.side] if bracket else gtt.side

    def gtt_row(self, gtt: Gtt) -> dict[str, Any]:
        """A GTT as ``GET /v3/order/gtt`` lists it (times in epoch microseconds)."""
        created = int(gtt.created_at.timestamp() * 1_000_000)
        expires = int((gtt.created_at + timedelta(days=365)).timestamp() * 1_000_000)
        return {
            "type": gtt.kind,
            "exchange": gtt.key.partition("|")[0],
            "quantity": gtt.quantity,
            "product": gtt.product,
            "rules": [
                {
                    "strategy": r["strategy"],
                    "status": r["status"],
                    "message": r["message"],
                    "trigger_type": r["trigger_type"],
                    "trigger_price": _money(r["trigger_price"]),
                    "transaction_type": self._rule_side(gtt, r),
                    "order_id": r["order_id"],
                    "trailing_gap": r["trailing_gap"],
                }
                for r in gtt.rules
            ],
            "trading_symbol": gtt.symbol,
            "instrument_token": gtt.key,
            "gtt_order_id": gtt.gtt_id,
            "expires_at": expires,
            "created_at": created,
        }

    def add_holding(self, key: str, quantity: int, average: Decimal) -> None:
        """Seed settled delivery shares."""
        exchange, symbol = self.instrument(key)
        self.holdings[key] = Holding(key, symbol, exchange, quantity, average)

    def settle(self) -> None:
        """End of day: delivery positions become holdings, day positions go flat."""
        for (key, product), pos in list(self.positions.items()):
            net = pos.day_buy - pos.day_sell
            if product == "D" and net:
                held = self.holdings.get(key) or Holding(
                    key, pos.symbol, pos.exchange, 0, Decimal(0)
                )
                if net > 0:
                    cost = held.average * held.quantity + pos.day_buy_value / pos.day_buy * net
                    held.quantity += net
                    held.average = cost / held.quantity
                else:
                    held.quantity = max(held.quantity + net, 0)
                self.holdings[key] = held
            del self.positions[(key, product)]

    def position_row(self, pos: Position) -> dict[str, Any]:
        """A short-term position as Upstox reports it."""
        ltp = self.price(pos.key)
        net = pos.overnight + pos.day_buy - pos.day_sell
        buy_qty = pos.day_buy + max(pos.overnight, 0)
        buy_value = pos.day_buy_value + pos.overnight_price * max(pos.overnight, 0)
        buy_price = buy_value / buy_qty if buy_qty else Decimal(0)
        sell_price = pos.day_sell_value / pos.day_sell if pos.day_sell else Decimal(0)
        realised = (
            (sell_price - buy_price) * min(buy_qty, pos.day_sell) if pos.day_sell else Decimal(0)
        )
        average = buy_price if net >= 0 else sell_price
        unrealised = (ltp - average) * net
        return {
            "exchange": pos.exchange,
            "multiplier": 1.0,
            "value": _money(pos.day_sell_value - buy_value),
            "pnl": _money(realised + unrealised),
            "product": pos.product,
            "instrument_token": pos.key,
            "average_price": _money(average),
            "buy_value": _money(buy_value),
            "overnight_quantity": pos.overnight,
            "day_buy_value": _money(pos.day_buy_value),
            "day_buy_price": _money(pos.day_buy_value / pos.day_buy) if pos.day_buy else 0.0,
            "overnight_buy_amount": _money(pos.overnight_price * max(pos.overnight, 0)),
            "overnight_buy_quantity": max(pos.overnight, 0),
            "day_buy_quantity": pos.day_buy,
            "day_sell_value": _money(pos.day_sell_value),
            "day_sell_price": _money(sell_price),
            "overnight_sell_amount": 0.0,
            "overnight_sell_quantity": 0,
            "day_sell_quantity": pos.day_sell,
            "quantity": net,
            "last_price": _money(ltp),
            "unrealised": _money(unrealised),
            "realised": _money(realised),
            "sell_value": _money(pos.day_sell_value),
            "tradingsymbol": pos.symbol,
            "trading_symbol": pos.symbol,
            "close_price": _money(ltp),
            "buy_price": _money(buy_price),
            "sell_price": _money(sell_price),
        }

    def holding_row(self, held: Holding) -> dict[str, Any]:
        """A long-term holding as Upstox reports it."""
        ltp = self.price(held.key)
        return {
            "isin": held.key.partition("|")[2],
            "cnc_used_quantity": 0,
            "collateral_type": "WC",
            "company_name": held.symbol,
            "haircut": 0.2,
            "product": "D",
            "quantity": held.quantity,
            "tradingsymbol": held.symbol,
            "trading_symbol": held.symbol,
            "last_price": _money(ltp),
            "close_price": _money(ltp),
            "pnl": _money((ltp - held.average) * held.quantity),
            "day_change": 0.0,
            "day_change_percentage": 0.0,
            "instrument_token": held.key,
            "average_price": _money(held.average),
            "collateral_quantity": 0,
            "collateral_update_quantity": 0,
            "t1_quantity": held.t1,
            "exchange": held.exchange,
        }

    def funds(self) -> dict[str, Any]:
        """``get-funds-and-margin``'s data: equity and commodity segments."""
        equity = {
            "used_margin": _money(self.used),
            "payin_amount": 0.0,
            "span_margin": 0.0,
            "adhoc_margin": 0.0,
            "notional_cash": 0.0,
            "available_margin": _money(self.cash - self.used),
            "exposure_margin": 0.0,
        }
        commodity = dict.fromkeys(equity, 0.0)
        return {"equity": equity, "commodity": commodity}
