"""The fake's account: prices, orders, trades, positions, holdings, cash and GTTs.

Prices move only when told (``set_price``), so tests are deterministic; every move matches
the resting orders and the active GTTs of that instrument. MARKET orders fill at the last
price, LIMIT orders when the price reaches them, SL/SL-M once their trigger is crossed.
A GTT fires when the last price touches or crosses a trigger and places its LIMIT order
(reference §5.7); a two-leg GTT fires one leg only. CNC buys arrive in holdings as T1
quantity and settle when the fake's day rolls over.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tradertape.fakebrokers.freeze import KITE_SLICES, freeze_of, slice_quantities
from tradertape.fakebrokers.kite.errors import KiteError, input_error, order_error
from tradertape.fakebrokers.kite.instruments import DEFAULT_INSTRUMENTS, Instrument
from tradertape.fakebrokers.kite.sessions import USER_ID
from tradertape.ports.clock import IST

VARIETIES = ("regular", "amo", "co", "iceberg", "auction")
PRODUCTS = ("CNC", "NRML", "MIS", "MTF")
ORDER_TYPES = ("MARKET", "LIMIT", "SL", "SL-M")
Row = dict[str, Any]
_ZERO = Decimal(0)


def _dec(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise input_error(f"Invalid `{name}`.") from exc
    if not number.is_finite():
        raise input_error(f"Invalid `{name}`.")
    return number


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value))
    except ValueError as exc:
        raise input_error(f"Invalid `{name}`.") from exc


def _f(value: Decimal) -> float:
    return float(value)


@dataclass(slots=True)
class _Leg:
    """Buys and sells of one (exchange, symbol, product) today."""

    instrument: Instrument
    product: str
    buy_qty: int = 0
    buy_value: Decimal = _ZERO
    sell_qty: int = 0
    sell_value: Decimal = _ZERO


@dataclass(slots=True)
class _Holding:
    instrument: Instrument
    quantity: int = 0
    t1_quantity: int = 0
    average_price: Decimal = _ZERO


@dataclass(slots=True)
class _Day:
    """One instrument's price and today's range."""

    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal  # yesterday's close
    volume: int = 0
    # The touch, when a test sets one: buys fill at the ask, sells at the bid (as the paper
    # exchange's matching does); None: at the last price.
    bid: Decimal | None = None
    ask: Decimal | None = None


@dataclass(slots=True)
class KiteBook:
    """The account and market of the fake; thread-safe (the ticker may read prices)."""

    now: Callable[[], datetime]
    cash: Decimal = Decimal(1_000_000)
    instruments: tuple[Instrument, ...] = DEFAULT_INSTRUMENTS
    orders: dict[str, Row] = field(default_factory=dict)
    history: dict[str, list[Row]] = field(default_factory=dict)
    trades: list[Row] = field(default_factory=list)
    gtts: dict[int, Row] = field(default_factory=dict)
    #: the ``algo_id`` each order arrived with (SEBI's retail-algo rules), by order id
    algo_ids: dict[str, str | None] = field(default_factory=dict)
    #: children (1-based place) of the next ``autoslice`` order Kite refuses, with the
    #: ``(error_type, message)`` it answers each with (``/_fake/autoslice``)
    slice_refusals: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: the size the next ``autoslice`` order is sliced at instead of the freeze quantity
    slice_at: int | None = None
    _by_key: dict[str, Instrument] = field(default_factory=dict)
    _by_token: dict[int, Instrument] = field(default_factory=dict)
    _days: dict[int, _Day] = field(default_factory=dict)
    _legs: dict[tuple[int, str], _Leg] = field(default_factory=dict)
    _holdings: dict[int, _Holding] = field(default_factory=dict)
    _day_start_cash: Decimal = _ZERO
    _trading_day: date | None = None
    _seq: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: called with a copy of an order each time it reaches a new status (the ticker pushes it)
    order_listeners: list[Callable[[Row], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for inst in self.instruments:
            self._index(inst)
        self._day_start_cash = self.cash
        self._trading_day = self._today()

    def _index(self, inst: Instrument) -> None:
        self._by_key[inst.key] = inst
        self._by_token[inst.instrument_token] = inst
        p = inst.price
        self._days[inst.instrument_token] = _Day(p, p, p, p, p)

    def list_instrument(self, inst: Instrument) -> None:
        """List one more instrument (an F&O contract a test trades), priced at its
        ``price``; one already listed keeps its price and orders."""
        with self.lock:
            if inst.key in self._by_key:
                return
            self.instruments = (*self.instruments, inst)
            self._index(inst)

    # -- time and prices ------------------------------------------------------------------

    def _today(self) -> date:
        return self.now().astimezone(IST).date()

    def stamp(self) -> str:
        """Now as Kite writes it: ``YYYY-MM-DD HH:MM:SS`` IST."""
        return self.now().astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")

    def roll_day(self) -> None:
        """On a new IST date: settle T1 holdings, clear the day's orders, trades, positions
        (an AMO still waiting for the open stays: it is the new day's order)."""
        with self.lock:
            today = self._today()
            if today == self._trading_day:
                return
            self._trading_day = today
            for holding in self._holdings.values():
                holding.quantity += holding.t1_quantity
                holding.t1_quantity = 0
            waiting = {k: o for k, o in self.orders.items() if o["status"] == "AMO REQ RECEIVED"}
            kept = {k: self.history[k] for k in waiting if k in self.history}
            self.orders.clear()
            self.history.clear()
            self.orders.update(waiting)
            self.history.update(kept)
            self.trades.clear()
            self._legs.clear()
            self._day_start_cash = self.cash
            for day in self._days.values():
                day.close = day.open = day.high = day.low = day.last
                day.volume = 0

    def instrument(self, key: str) -> Instrument:
        """The instrument ``EXCH:SYMBOL``; 400 if unknown."""
        inst = self._by_key.get(key)
        if inst is None:
            raise input_error(f"Invalid instrument `{key}`.")
        return inst

    def ltp(self, instrument_token: int) -> Decimal:
        """The last price of `instrument_token` (the ticker reads this)."""
        with self.lock:
            return self._days[instrument_token].last

    def day(self, instrument_token: int) -> _Day:
        """Today's price range of `instrument_token` (a copy)."""
        with self.lock:
            return copy.copy(self._days[instrument_token])

    def set_price(
        self, key: str, price: Decimal, *, bid: Decimal | None = None, ask: Decimal | None = None
    ) -> None:
        """Move the last price (and the touch, if given); AMOs go to the market once the
        session is open; resting orders and GTTs of the instrument react."""
        with self.lock:
            self.roll_day()
            inst = self.instrument(key)
            day = self._days[inst.instrument_token]
            day.last, day.bid, day.ask = price, bid, ask
            day.high, day.low = max(day.high, price), min(day.low, price)
            self._release_amos()
            for order in list(self.orders.values()):
                if order["instrument_token"] == inst.instrument_token:
                    self._work(order)
            for gtt in list(self.gtts.values()):
                if gtt["condition"]["instrument_token"] == inst.instrument_token:
                    self._check_gtt(gtt)

    def walk(self, rng: random.Random, *, bps: int = 20) -> dict[str, Decimal]:
        """Move every instrument once by up to ±`bps` (seeded `rng`: repeatable); new prices."""
        moved = {}
        with self.lock:
            for inst in self.instruments:
                last = self._days[inst.instrument_token].last
                tick = inst.tick_size or Decimal("0.05")
                step = last * Decimal(rng.randint(-bps, bps)) / Decimal(10_000)
                price = max(tick, ((last + step) / tick).quantize(Decimal(1)) * tick)
                self.set_price(inst.key, price)
                moved[inst.key] = price
        return moved

    # -- orders ---------------------------------------------------------------------------

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def place(self, variety: str, form: Mapping[str, str]) -> str:
        """Validate and book an order; fill what can fill now. Returns the order id.

        An F&O order above its freeze quantity is refused whole, as the exchange refuses it
        (Kite's message, quoted on its forum); ``autoslice`` places it (`place_sliced`)."""
        with self.lock:
            self.roll_day()
            inst, fields = self._validate(variety, form)
            freeze = self._freeze(inst)
            if freeze is not None and fields["quantity"] > freeze:
                lot = max(inst.lot_size, 1)
                raise input_error(
                    f"The order quantity {fields['quantity']} ({fields['quantity'] // lot} lots)"
                    f" is higher than the maximum quantity of {freeze} ({freeze // lot} lots)"
                    " allowed by the exchanges. Please reduce the order quantity or use"
                    " iceberg orders."
                )
            return self._book(variety, form, inst, fields)

    def _freeze(self, inst: Instrument) -> int | None:
        return freeze_of(inst.exchange, inst.name, inst.freeze_quantity)

    def place_sliced(self, variety: str, form: Mapping[str, str]) -> Row:
        """``autoslice=true``: an order above the freeze quantity placed as children of at
        most that quantity in whole lots, at most `KITE_SLICES`; answered as Kite does,
        ``{order_id, children: [{order_id} | {error: {code, error_type, message, data}}]}``
        (the parent's id is its first placed child's). Each child carries the order's tag,
        and the tags ``autoslice`` and ``autoslice:<parent>`` (Kite's forum). At or below
        the freeze quantity, or above the cap, a 400 and nothing placed."""
        with self.lock:
            self.roll_day()
            inst, fields = self._validate(variety, form)
            freeze = self._freeze(inst)
            quantity = fields["quantity"]
            if freeze is None or quantity <= freeze:
                limit = "" if freeze is None else f" than {freeze}"
                raise input_error(f"Quantity should be greater{limit} for order slicing.")
            size, self.slice_at = self.slice_at or freeze, None
            cuts = slice_quantities(quantity, size, inst.lot_size)
            if len(cuts) > KITE_SLICES:
                raise input_error(
                    f"The order needs {len(cuts)} slices of at most {cuts[0]}; autoslice"
                    f" places at most {KITE_SLICES}."
                )
            parent: str | None = None
            children: list[Row] = []
            refusals, self.slice_refusals = self.slice_refusals, {}
            for place, cut in enumerate(cuts, start=1):
                child_form = {**form, "quantity": str(cut)}
                child_fields = {**fields, "quantity": cut}
                tags = ["autoslice"] + ([f"autoslice:{parent}"] if parent else [])
                try:
                    if place in refusals:  # armed: Kite's RMS refuses this child alone
                        raise KiteError(400, *refusals[place])
                    order_id = self._book(variety, child_form, inst, child_fields, tags)
                except KiteError as exc:
                    error = {"code": exc.status, "error_type": exc.error_type}
                    children.append({"error": {**error, "message": exc.message, "data": None}})
                    continue
                parent = parent or order_id
                children.append({"order_id": order_id})
            if parent is None:  # not one child placed: the first refusal answers
                first = children[0]["error"]
                raise KiteError(first["code"], first["error_type"], first["message"])
            return {"order_id": parent, "children": children}

    def arm_slicing(
        self, refusals: Mapping[int, tuple[str, str]], *, slice_at: int | None = None
    ) -> None:
        """Refuse these children (by 1-based place) of the next ``autoslice`` order, each
        answered as an ``error`` with its ``(error_type, message)`` while the others are
        placed, as a margin shortfall part-way does; with `slice_at`, slice it at that
        size (whole lots) as a broker whose freeze quantity is not the client's figure."""
        with self.lock:
            self.slice_refusals, self.slice_at = dict(refusals), slice_at

    def _book(
        self,
        variety: str,
        form: Mapping[str, str],
        inst: Instrument,
        fields: Row,
        extra_tags: list[str] | None = None,
    ) -> str:
        """Book a validated order and fill what can fill now; its id."""
        with self.lock:
            order_id = str(250000000000000 + self._next())
            stamp = self.stamp()
            order: Row = {
                "placed_by": USER_ID,
                "order_id": order_id,
                "exchange_order_id": None,
                "parent_order_id": None,
                "status": "OPEN",
                "status_message": None,
                "status_message_raw": None,
                "order_timestamp": stamp,
                "exchange_update_timestamp": None,
                "exchange_timestamp": None,
                "variety": variety,
                "modified": False,
                "exchange": inst.exchange,
                "tradingsymbol": inst.tradingsymbol,
                "instrument_token": inst.instrument_token,
                "order_type": fields["order_type"],
                "transaction_type": fields["side"],
                "validity": form.get("validity", "DAY"),
                "validity_ttl": 0,
                "product": fields["product"],
                "quantity": fields["quantity"],
                "disclosed_quantity": _int(form.get("disclosed_quantity", "0"), "disclosed"),
                "price": _f(fields["price"]),
                "trigger_price": _f(fields["trigger"]),
                "average_price": 0.0,
                "filled_quantity": 0,
                "pending_quantity": fields["quantity"],
                "cancelled_quantity": 0,
                "market_protection": _int(form.get("market_protection") or "0", "protection"),
                "meta": {},
                "tag": form.get("tag"),
                "tags": ([form["tag"]] if form.get("tag") else []) + (extra_tags or []),
                "guid": f"fk{order_id}",
            }
            self.orders[order_id] = order
            self.algo_ids[order_id] = form.get("algo_id") or None
            self.history[order_id] = []
            for status in ("PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING"):
                self._snapshot(order, status)
            refusal = self._funds_refusal(order, inst)
            if refusal is not None:
                order["status_message"] = order["status_message_raw"] = refusal.message
                self._set(order, "REJECTED")
                raise refusal
            order["exchange_order_id"] = str(1100000000000000 + self._seq)
            if variety == "amo" and not self._in_session():
                self._set(order, "AMO REQ RECEIVED")  # sent to the exchange at the open
                return order_id
            stop = fields["order_type"] in ("SL", "SL-M")
            self._set(order, "TRIGGER PENDING" if stop else "OPEN")
            self._work(order)
            return order_id

    def _in_session(self) -> bool:
        """Whether the fake's clock is inside NSE's normal session (a weekday 09:15–15:30 IST;
        holidays are not modelled)."""
        now = self.now().astimezone(IST)
        return now.weekday() < 5 and (9, 15) <= (now.hour, now.minute) < (15, 30)

    def _release_amos(self) -> None:
        """Send every waiting AMO to the market once the session is open (Kite's 09:15)."""
        if not self._in_session():
            return
        for order in self.orders.values():
            if order["status"] == "AMO REQ RECEIVED":
                stop = order["order_type"] in ("SL", "SL-M")
                self._set(order, "TRIGGER PENDING" if stop else "OPEN")

    def _validate(self, variety: str, form: Mapping[str, str]) -> tuple[Instrument, Row]:
        """The instrument and the checked fields of an order form; 400 on the first fault."""
        if variety not in VARIETIES:
            raise input_error("Invalid `variety`.")
        inst = self.instrument(f"{form.get('exchange', '')}:{form.get('tradingsymbol', '')}")
        fields: Row = {
            "side": form.get("transaction_type", ""),
            "quantity": _int(form.get("quantity", ""), "quantity"),
            "product": form.get("product", ""),
            "order_type": form.get("order_type", ""),
            "price": _dec(form.get("price", "0"), "price"),
            "trigger": _dec(form.get("trigger_price", "0"), "trigger_price"),
        }
        checks = {
            "transaction_type": fields["side"] in ("BUY", "SELL"),
            "quantity": fields["quantity"] > 0,
            "product": fields["product"] in PRODUCTS,
            "order_type": fields["order_type"] in ORDER_TYPES,
            "price": fields["order_type"] not in ("LIMIT", "SL") or fields["price"] > 0,
            "trigger_price": fields["order_type"] not in ("SL", "SL-M") or fields["trigger"] > 0,
            "tag": len(form.get("tag") or "") <= 20,
        }
        for name, ok in checks.items():
            if not ok:
                raise input_error(f"Invalid `{name}`.")
        if fields["order_type"] in ("MARKET", "SL-M") and form.get("market_protection") == "0":
            raise input_error("Market orders need market protection (`market_protection`).")
        return inst, fields

    def _funds_refusal(self, order: Row, inst: Instrument) -> KiteError | None:
        qty, ltp = order["quantity"], self._days[inst.instrument_token].last
        if order["transaction_type"] == "BUY":
            price = Decimal(str(order["price"])) if order["price"] else ltp
            needed = price * qty
            if needed > self.cash:
                return KiteError(
                    400,
                    "MarginException",
                    f"Insufficient funds. Required margin is {needed:.2f} "
                    f"but available margin is {self.cash:.2f}.",
                )
        elif order["product"] == "CNC":
            held = self._holdings.get(inst.instrument_token)
            owned = (held.quantity + held.t1_quantity) if held else 0
            if qty > owned:
                return KiteError(
                    400, "HoldingException", f"Insufficient holdings: {owned} to sell, {qty} asked."
                )
        return None

    def _snapshot(self, order: Row, status: str) -> None:
        row = dict(order, status=status, order_timestamp=self.stamp())
        self.history[order["order_id"]].append(row)

    def _set(self, order: Row, status: str) -> None:
        order["status"] = status
        order["exchange_update_timestamp"] = order["exchange_timestamp"] = self.stamp()
        self._snapshot(order, status)
        for listener in self.order_listeners:
            listener(dict(order))

    def _work(self, order: Row) -> None:
        """Trigger and fill `order` if the last price allows."""
        if order["status"] not in ("OPEN", "TRIGGER PENDING"):
            return
        day = self._days[order["instrument_token"]]
        last = day.last
        buy = order["transaction_type"] == "BUY"
        touch = (day.ask if buy else day.bid) or last
        if order["status"] == "TRIGGER PENDING":
            trigger = Decimal(str(order["trigger_price"]))
            if (buy and last < trigger) or (not buy and last > trigger):
                return
            self._set(order, "OPEN")
        if order["order_type"] in ("LIMIT", "SL"):
            limit = Decimal(str(order["price"]))
            if (buy and touch > limit) or (not buy and touch < limit):
                return
            touch = min(limit, touch) if buy else max(limit, touch)  # at the limit or better
        self._fill(order, touch)

    def fill_part(self, order_id: str, quantity_text: Any, price_text: Any) -> Row:
        """Fill a quantity of a working order at a price (one trade), as the exchange matches
        an order in parts; the order stays OPEN until nothing is pending."""
        quantity, price = _int(quantity_text, "quantity"), _dec(price_text, "price")
        with self.lock:
            order = self._live(order_id, "filled")
            if not 0 < quantity <= order["pending_quantity"]:
                raise input_error("Invalid `quantity`.")
            if price <= 0:
                raise input_error("Invalid `price`.")
            if order["status"] == "TRIGGER PENDING":
                self._set(order, "OPEN")
            self._fill(order, price, quantity)
            return dict(order)

    def _fill(self, order: Row, price: Decimal, quantity: int | None = None) -> None:
        inst = self._by_token[order["instrument_token"]]
        qty = order["pending_quantity"] if quantity is None else quantity
        earlier = [t for t in self.trades if t["order_id"] == order["order_id"]]
        value = price * qty + sum(Decimal(str(t["average_price"])) * t["quantity"] for t in earlier)
        filled = order["filled_quantity"] + qty
        order.update(
            filled_quantity=filled,
            pending_quantity=order["quantity"] - filled,
            average_price=_f(value / filled),
        )
        stamp = self.stamp()
        self.trades.append(
            {
                "trade_id": str(10000000 + self._next()),
                "order_id": order["order_id"],
                "exchange": inst.exchange,
                "tradingsymbol": inst.tradingsymbol,
                "instrument_token": inst.instrument_token,
                "product": order["product"],
                "average_price": _f(price),
                "quantity": qty,
                "exchange_order_id": order["exchange_order_id"],
                "transaction_type": order["transaction_type"],
                "fill_timestamp": stamp,
                "order_timestamp": stamp[11:],
                "exchange_timestamp": stamp,
            }
        )
        leg = self._legs.setdefault(
            (inst.instrument_token, order["product"]), _Leg(inst, order["product"])
        )
        value = price * qty
        self._days[inst.instrument_token].volume += qty
        if order["transaction_type"] == "BUY":
            leg.buy_qty += qty
            leg.buy_value += value
            self.cash -= value
        else:
            leg.sell_qty += qty
            leg.sell_value += value
            self.cash += value
        if order["product"] == "CNC":
            self._settle(inst, order["transaction_type"], qty, price)
        self._set(order, "COMPLETE" if order["pending_quantity"] == 0 else "OPEN")

    def _settle(self, inst: Instrument, side: str, qty: int, price: Decimal) -> None:
        held = self._holdings.setdefault(inst.instrument_token, _Holding(inst))
        if side == "BUY":
            total = held.quantity + held.t1_quantity
            held.average_price = (held.average_price * total + price * qty) / (total + qty)
            held.t1_quantity += qty
            return
        from_settled = min(qty, held.quantity)
        held.quantity -= from_settled
        held.t1_quantity -= qty - from_settled

    def modify(self, order_id: str, form: Mapping[str, str]) -> str:
        """Change a resting order."""
        with self.lock:
            order = self._live(order_id, "modified")
            if "quantity" in form:
                quantity = _int(form["quantity"], "quantity")
                if quantity <= 0:
                    raise input_error("Invalid `quantity`.")
                order["quantity"] = order["pending_quantity"] = quantity
            if "price" in form:
                order["price"] = _f(_dec(form["price"], "price"))
            if "trigger_price" in form:
                order["trigger_price"] = _f(_dec(form["trigger_price"], "trigger_price"))
            if "order_type" in form:
                if form["order_type"] not in ORDER_TYPES:
                    raise input_error("Invalid `order_type`.")
                order["order_type"] = form["order_type"]
            if "validity" in form:
                order["validity"] = form["validity"]
            order["modified"] = True
            resting = order["status"]
            for status in ("MODIFY VALIDATION PENDING", "MODIFY PENDING", "MODIFIED"):
                self._snapshot(order, status)
            self._set(order, resting)
            self._work(order)
            return order_id

    def reject(self, order_id: str, message: str) -> Row:
        """Reject a resting order after it was accepted, as the exchange's or the broker's
        RMS does (a margin shortfall found later, a price band): its status says so in the
        order book, its history and a postback, never in the place answer."""
        with self.lock:
            order = self._live(order_id, "rejected")
            order["status_message"] = order["status_message_raw"] = message
            order["cancelled_quantity"] = order["pending_quantity"]
            order["pending_quantity"] = 0
            self._set(order, "REJECTED")
            return dict(order)

    def cancel(self, order_id: str) -> str:
        """Cancel a resting order."""
        with self.lock:
            order = self._live(order_id, "cancelled")
            self._snapshot(order, "CANCEL PENDING")
            order["cancelled_quantity"] = order["pending_quantity"]
            order["pending_quantity"] = 0
            self._set(order, "CANCELLED")
            return order_id

    def _live(self, order_id: str, verb: str) -> Row:
        order = self.orders.get(order_id)
        if order is None:
            raise order_error("Couldn't find that `order_id`.")
        if order["status"] not in ("OPEN", "TRIGGER PENDING"):
            raise order_error(f"Order cannot be {verb} as it is {order['status'].lower()}.")
        return order

    def order_history(self, order_id: str) -> list[Row]:
        """Every state of one order."""
        with self.lock:
            if order_id not in self.history:
                raise order_error("Couldn't find that `order_id`.")
            return [dict(row) for row in self.history[order_id]]

    # -- portfolio ------------------------------------------------------------------------

    def positions(self) -> dict[str, list[Row]]:
        """``{"net": [...], "day": [...]}``; without overnight carry the two agree."""
        with self.lock:
            self.roll_day()
            rows = [self._position(leg) for leg in self._legs.values()]
            return {"net": rows, "day": [dict(row) for row in rows]}

    def _position(self, leg: _Leg) -> Row:
        day = self._days[leg.instrument.instrument_token]
        qty = leg.buy_qty - leg.sell_qty
        buy_price = leg.buy_value / leg.buy_qty if leg.buy_qty else _ZERO
        sell_price = leg.sell_value / leg.sell_qty if leg.sell_qty else _ZERO
        value = leg.sell_value - leg.buy_value
        pnl = value + qty * day.last
        average = buy_price if qty > 0 else sell_price if qty < 0 else _ZERO
        closed = min(leg.buy_qty, leg.sell_qty)
        realised = (sell_price - buy_price) * closed if closed else _ZERO
        return {
            "tradingsymbol": leg.instrument.tradingsymbol,
            "exchange": leg.instrument.exchange,
            "instrument_token": leg.instrument.instrument_token,
            "product": leg.product,
            "quantity": qty,
            "overnight_quantity": 0,
            "multiplier": 1,
            "average_price": _f(average),
            "close_price": _f(day.close),
            "last_price": _f(day.last),
            "value": _f(value),
            "pnl": _f(pnl),
            "m2m": _f(pnl),
            "unrealised": _f(pnl - realised),
            "realised": _f(realised),
            "buy_quantity": leg.buy_qty,
            "buy_price": _f(buy_price),
            "buy_value": _f(leg.buy_value),
            "buy_m2m": _f(leg.buy_value),
            "sell_quantity": leg.sell_qty,
            "sell_price": _f(sell_price),
            "sell_value": _f(leg.sell_value),
            "sell_m2m": _f(leg.sell_value),
            "day_buy_quantity": leg.buy_qty,
            "day_buy_price": _f(buy_price),
            "day_buy_value": _f(leg.buy_value),
            "day_sell_quantity": leg.sell_qty,
            "day_sell_price": _f(sell_price),
            "day_sell_value": _f(leg.sell_value),
        }

    def add_holding(self, key: str, quantity: int, average_price: Decimal) -> None:
        """Seed a settled holding (demo and tests)."""
        with self.lock:
            inst = self.instrument(key)
            held = self._holdings.setdefault(inst.instrument_token, _Holding(inst))
            total = held.quantity + held.t1_quantity
            held.average_price = (held.average_price * total + average_price * quantity) / (
                total + quantity
            )
            held.quantity += quantity

    def holdings(self) -> list[Row]:
        """Delivery holdings: settled quantity and today's T1."""
        with self.lock:
            self.roll_day()
            return [
                self._holding(h) for h in self._holdings.values() if h.quantity or h.t1_quantity
            ]

    def _holding(self, held: _Holding) -> Row:
        day = self._days[held.instrument.instrument_token]
        total = held.quantity + held.t1_quantity
        change = day.last - day.close
        return {
            "tradingsymbol": held.instrument.tradingsymbol,
            "exchange": held.instrument.exchange,
            "instrument_token": held.instrument.instrument_token,
            "isin": held.instrument.isin,
            "product": "CNC",
            "price": 0,
            "quantity": held.quantity,
            "used_quantity": 0,
            "t1_quantity": held.t1_quantity,
            "realised_quantity": held.quantity,
            "authorised_quantity": 0,
            "authorised_date": None,
            "authorisation": {},
            "opening_quantity": held.quantity,
            "short_quantity": 0,
            "collateral_quantity": 0,
            "collateral_type": "",
            "discrepancy": False,
            "average_price": _f(held.average_price.quantize(Decimal("0.01"))),
            "last_price": _f(day.last),
            "close_price": _f(day.close),
            "pnl": _f(((day.last - held.average_price) * total).quantize(Decimal("0.01"))),
            "day_change": _f(change),
            "day_change_percentage": _f(change / day.close * 100) if day.close else 0.0,
            "mtf": {
                "quantity": 0,
                "used_quantity": 0,
                "average_price": 0,
                "value": 0,
                "initial_margin": 0,
            },
        }

    def set_cash(self, cash: Decimal) -> None:
        """The account holds `cash` now, as if the day had opened with it (a test's funds)."""
        with self.lock:
            self.roll_day()
            self.cash = self._day_start_cash = cash

    def margins(self) -> dict[str, Row]:
        """``{"equity": {...}, "commodity": {...}}``."""
        with self.lock:
            self.roll_day()
            debits = max(self._day_start_cash - self.cash, _ZERO)
            return {
                "equity": _segment(self._day_start_cash, self.cash, debits),
                "commodity": _segment(_ZERO, _ZERO, _ZERO),
            }

    # -- GTT ------------------------------------------------------------------------------

    def place_gtt(self, form: Mapping[str, str]) -> int:
        """Create a trigger from the SDK's form (JSON in ``condition`` and ``orders``)."""
        with self.lock:
            kind, condition, orders = self._gtt_form(form)
            trigger_id = self._next()
            stamp = self.stamp()
            expires = (self.now() + timedelta(days=365)).astimezone(IST)
            self.gtts[trigger_id] = {
                "id": trigger_id,
                "user_id": USER_ID,
                "parent_trigger": None,
                "type": kind,
                "created_at": stamp,
                "updated_at": stamp,
                "expires_at": expires.strftime("%Y-%m-%d %H:%M:%S"),
                "status": "active",
                "condition": condition,
                "orders": orders,
                "meta": {},
            }
            return trigger_id

    def modify_gtt(self, trigger_id: int, form: Mapping[str, str]) -> int:
        """Replace an active trigger's condition and orders."""
        with self.lock:
            gtt = self._active_gtt(trigger_id)
            kind, condition, orders = self._gtt_form(form)
            gtt.update(type=kind, condition=condition, orders=orders, updated_at=self.stamp())
            return trigger_id

    def delete_gtt(self, trigger_id: int) -> int:
        """Delete a trigger (kept in the list as ``deleted``)."""
        with self.lock:
            gtt = self.gtts.get(trigger_id)
            if gtt is None or gtt["status"] == "deleted":
                raise KiteError(404, "InputException", "Trigger not found.")
            gtt.update(status="deleted", updated_at=self.stamp())
            return trigger_id

    def _active_gtt(self, trigger_id: int) -> Row:
        gtt = self.gtts.get(trigger_id)
        if gtt is None:
            raise KiteError(404, "InputException", "Trigger not found.")
        if gtt["status"] != "active":
            raise input_error(f"Trigger is {gtt['status']} and cannot be modified.")
        return gtt

    def _gtt_form(self, form: Mapping[str, str]) -> tuple[str, Row, list[Row]]:
        kind = form.get("type", "")
        if kind not in ("single", "two-leg"):
            raise input_error("Invalid `type`.")
        try:
            condition = json.loads(form.get("condition", ""))
            orders = json.loads(form.get("orders", ""))
        except ValueError as exc:
            raise input_error("Invalid `condition` or `orders`: not JSON.") from exc
        if not isinstance(condition, dict) or not isinstance(orders, list):
            raise input_error("Invalid `condition` or `orders`.")
        inst = self.instrument(f"{condition.get('exchange')}:{condition.get('tradingsymbol')}")
        triggers = condition.get("trigger_values")
        legs = 1 if kind == "single" else 2
        if not isinstance(triggers, list) or len(triggers) != legs or len(orders) != legs:
            raise input_error(f"A {kind} trigger needs {legs} trigger value(s) and order(s).")
        values = [_dec(v, "trigger_values") for v in triggers]
        if kind == "two-leg" and not values[0] < values[1]:
            raise input_error("Two-leg triggers are [stop-loss, target], the lower first.")
        for leg in orders:
            if not isinstance(leg, dict) or leg.get("order_type") != "LIMIT":
                raise input_error("GTT orders must be LIMIT orders.")
            for name in ("transaction_type", "quantity", "product", "price"):
                if name not in leg:
                    raise input_error(f"Missing `{name}` in orders.")
            leg["result"] = None
        last = _dec(condition.get("last_price", self._days[inst.instrument_token].last), "ltp")
        cond = {
            "exchange": inst.exchange,
            "tradingsymbol": inst.tradingsymbol,
            "instrument_token": inst.instrument_token,
            "trigger_values": [_f(v) for v in values],
            "last_price": _f(last),
        }
        return kind, cond, orders

    def _check_gtt(self, gtt: Row) -> None:
        if gtt["status"] != "active":
            return
        cond = gtt["condition"]
        last = self._days[cond["instrument_token"]].last
        values = [Decimal(str(v)) for v in cond["trigger_values"]]
        leg: int | None = None
        if gtt["type"] == "single":
            above = values[0] >= Decimal(str(cond["last_price"]))
            if (above and last >= values[0]) or (not above and last <= values[0]):
                leg = 0
        elif last <= values[0]:
            leg = 0
        elif last >= values[1]:
            leg = 1
        if leg is not None:
            self._fire(gtt, leg)

    def _fire(self, gtt: Row, leg: int) -> None:
        spec = gtt["orders"][leg]
        cond = gtt["condition"]
        form = {
            "exchange": cond["exchange"],
            "tradingsymbol": cond["tradingsymbol"],
            "transaction_type": str(spec["transaction_type"]),
            "quantity": str(spec["quantity"]),
            "product": str(spec["product"]),
            "order_type": "LIMIT",
            "price": str(spec["price"]),
        }
        gtt.update(status="triggered", updated_at=self.stamp())
        try:
            order_id = self.place("regular", form)
            outcome = {"status": "success", "order_id": order_id, "rejection_reason": ""}
        except KiteError as exc:
            outcome = {"status": "failed", "order_id": "", "rejection_reason": exc.message}
        spec["result"] = {
            "account_id": USER_ID,
            "exchange": cond["exchange"],
            "tradingsymbol": cond["tradingsymbol"],
            "validity": "DAY",
            "product": spec["product"],
            "order_type": "LIMIT",
            "transaction_type": spec["transaction_type"],
            "quantity": spec["quantity"],
            "price": spec["price"],
            "meta": "",
            "timestamp": self.stamp(),
            "triggered_at": _f(self._days[cond["instrument_token"]].last),
            "order_result": outcome,
        }


def _segment(opening: Decimal, cash: Decimal, debits: Decimal) -> Row:
    return {
        "enabled": True,
        "net": _f(cash),
        "available": {
            "adhoc_margin": 0,
            "cash": _f(opening),
            "opening_balance": _f(opening),
            "live_balance": _f(cash),
            "collateral": 0,
            "intraday_payin": 0,
        },
        "utilised": {
            "debits": _f(debits),
            "exposure": 0,
            "m2m_realised": 0,
            "m2m_unrealised": 0,
            "option_premium": 0,
            "payout": 0,
            "span": 0,
            "holding_sales": 0,
            "turnover": 0,
            "liquid_collateral": 0,
            "stock_collateral": 0,
            "delivery": 0,
        },
    }
