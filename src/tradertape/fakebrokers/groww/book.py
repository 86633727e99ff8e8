"""The fake Groww account: orders that fill against the fake's prices, trades, positions,
holdings that settle the next day, cash, and smart orders (GTT, OCO) that trigger.

Everything is kept in Groww's own field names, since the routes hand it out as is. State
changes only in `Book` methods, under one lock; `match` runs after each of them.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradertape.fakebrokers.groww.market import Prices
from tradertape.ports.clock import IST, Clock

OPEN = ("NEW", "ACKED", "TRIGGER_PENDING")
Row = dict[str, Any]


class Refused(Exception):
    """A request Groww would refuse: an HTTP status, a ``GA00x`` code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _stamp(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S")


def _money(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise Refused(400, "GA001", f"{name} is not a number") from None


@dataclass
class _Position:
    credit_quantity: int = 0
    credit_value: Decimal = Decimal(0)
    debit_quantity: int = 0
    debit_value: Decimal = Decimal(0)


@dataclass
class _Holding:
    isin: str
    quantity: int = 0  # settled
    t1_quantity: int = 0
    t1_day: str = ""
    average_price: Decimal = Decimal(0)


@dataclass
class Book:
    """One fake Groww account."""

    clock: Clock
    prices: Prices
    cash: Decimal = Decimal(1_000_000)
    orders: dict[str, Row] = field(default_factory=dict)
    by_reference: dict[str, str] = field(default_factory=dict)
    trades: list[Row] = field(default_factory=list)
    smart: dict[str, Row] = field(default_factory=dict)
    positions: dict[tuple[str, str, str, str], _Position] = field(default_factory=dict)
    holdings: dict[str, _Holding] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def place(self, body: Row) -> Row:
        """Accept an order (``/order/create``) and match it at once."""
        with self.lock:
            ref = str(body.get("order_reference_id") or "")
            if ref in self.by_reference:
                raise Refused(400, "GA007", "Duplicate order reference id")
            for name in ("trading_symbol", "transaction_type", "order_type", "segment"):
                if not body.get(name):
                    raise Refused(400, "GA001", f"{name} is required")
            quantity = int(body.get("quantity") or 0)
            if quantity <= 0:
                raise Refused(400, "GA001", "quantity must be positive")
            symbol = str(body["trading_symbol"])
            kind = str(body["order_type"])
            price = _money(body.get("price") or 0, "price")
            side = str(body["transaction_type"])
            if kind in ("LIMIT", "SL") and price <= 0:
                raise Refused(400, "GA001", "price is required for a limit order")
            value = quantity * (price if price > 0 else self.prices.get(symbol))
            if side == "BUY" and value > self.available():
                raise Refused(400, "GA001", "Insufficient balance for this order")
            now = _stamp(self.clock.now())
            order_id = self._next("GMK")
            row: Row = {
                "groww_order_id": order_id,
                "order_reference_id": ref or order_id,
                "trading_symbol": symbol,
                "order_status": "TRIGGER_PENDING" if kind in ("SL", "SL_M") else "ACKED",
                "remark": "Order placed successfully",
                "quantity": quantity,
                "price": float(price),
                "trigger_price": float(_money(body.get("trigger_price") or 0, "trigger_price")),
                "filled_quantity": 0,
                "remaining_quantity": quantity,
                "average_fill_price": 0.0,
                "deliverable_quantity": 0,
                "amo_status": "NA",
                "validity": body.get("validity") or "DAY",
                "exchange": body.get("exchange") or "NSE",
                "order_type": kind,
                "transaction_type": side,
                "segment": body["segment"],
                "product": body.get("product") or "CNC",
                "created_at": now,
                "exchange_time": now,
                "trade_date": now[:10],
            }
            self.orders[order_id] = row
            self.by_reference[row["order_reference_id"]] = order_id
            self.match()
            return row

    def order(self, order_id: str, segment: str | None = None) -> Row:
        """One order (404 GA004 when unknown, or not in `segment` when one is named: Groww
        keeps each segment's orders apart, so an F&O order is not found under CASH)."""
        row = self.orders.get(order_id)
        if row is None or segment not in (None, row["segment"]):
            raise Refused(404, "GA004", f"order {order_id} not found")
        return row

    def modify(self, body: Row) -> Row:
        """Change a live order's quantity, price, trigger or type."""
        with self.lock:
            row = self.order(str(body.get("groww_order_id")), body.get("segment"))
            if row["order_status"] not in OPEN:
                raise Refused(400, "GA006", f"order is {row['order_status']}; cannot modify")
            if body.get("quantity"):
                row["quantity"] = int(body["quantity"])
                row["remaining_quantity"] = row["quantity"] - row["filled_quantity"]
            if body.get("price") is not None:
                row["price"] = float(_money(body["price"], "price"))
            if body.get("trigger_price") is not None:
                row["trigger_price"] = float(_money(body["trigger_price"], "trigger_price"))
            if body.get("order_type"):
                row["order_type"] = body["order_type"]
            self.match()
            return row

    def cancel(self, order_id: str, segment: str | None = None) -> Row:
        """Cancel a live order."""
        with self.lock:
            row = self.order(order_id, segment)
            if row["order_status"] not in OPEN:
                raise Refused(400, "GA006", f"order is {row['order_status']}; cannot cancel")
            row["order_status"] = "CANCELLED"
            row["remark"] = "Order cancelled by user"
            return row

    def available(self) -> Decimal:
        """Cash less what open buy orders hold."""
        return self.cash - self.blocked()

    def blocked(self) -> Decimal:
        """What open buy orders hold."""
        held = Decimal(0)
        for row in self.orders.values():
            if row["order_status"] in OPEN and row["transaction_type"] == "BUY":
                price = Decimal(str(row["price"])) or self.prices.get(row["trading_symbol"])
                held += price * row["remaining_quantity"]
        return held

    def match(self) -> None:
        """Fill what the current prices allow; trigger what they cross; settle T+1."""
        with self.lock:
            self._settle()
            self._trigger_smart()
            for row in list(self.orders.values()):
                if row["order_status"] in OPEN:
                    self._try_fill(row)

    def _try_fill(self, row: Row) -> None:
        last = self.prices.get(row["trading_symbol"])
        buy = row["transaction_type"] == "BUY"
        if row["order_status"] == "TRIGGER_PENDING":
            trigger = Decimal(str(row["trigger_price"]))
            if (buy and last < trigger) or (not buy and last > trigger):
                return
            row["order_status"] = "ACKED"
        limited = row["order_type"] in ("LIMIT", "SL")
        limit = Decimal(str(row["price"]))
        if limited and ((buy and last > limit) or (not buy and last < limit)):
            return
        self._fill(row, last)

    def _fill(self, row: Row, price: Decimal) -> None:
        quantity = int(row["remaining_quantity"])
        now = _stamp(self.clock.now())
        row.update(
            order_status="EXECUTED",
            filled_quantity=row["filled_quantity"] + quantity,
            remaining_quantity=0,
            average_fill_price=float(price),
            remark="Order executed",
            exchange_time=now,
        )
        trade_id = self._next("GTR")
        self.trades.append(
            {
                "groww_trade_id": trade_id,
                "exchange_trade_id": f"X{trade_id}",
                "exchange_order_id": f"X{row['groww_order_id']}",
                "groww_order_id": row["groww_order_id"],
                "trading_symbol": row["trading_symbol"],
                "price": float(price),
                "quantity": quantity,
                "trade_status": "EXECUTED",
                "remark": "",
                "exchange": row["exchange"],
                "segment": row["segment"],
                "product": row["product"],
                "transaction_type": row["transaction_type"],
                "created_at": now,
                "trade_date_time": now,
                "settlement_number": now[:10].replace("-", ""),
            }
        )
        value = price * quantity
        buy = row["transaction_type"] == "BUY"
        self.cash += -value if buy else value
        key = (row["trading_symbol"], row["exchange"], row["segment"], row["product"])
        position = self.positions.setdefault(key, _Position())
        if buy:
            position.credit_quantity += quantity
            position.credit_value += value
        else:
            position.debit_quantity += quantity
            position.debit_value += value
        if row["product"] == "CNC" and row["segment"] == "CASH":
            self._deliver(row["trading_symbol"], quantity if buy else -quantity, price, now)

    def _deliver(self, symbol: str, quantity: int, price: Decimal, now: str) -> None:
        holding = self.holdings.setdefault(symbol, _Holding(isin=f"INE{symbol[:6]:0<6}01"))
        if quantity > 0:
            total = holding.quantity + holding.t1_quantity
            cost = holding.average_price * total + price * quantity
            holding.average_price = (cost / (total + quantity)).quantize(Decimal("0.01"))
            holding.t1_quantity += quantity
            holding.t1_day = now[:10]
        else:
            holding.quantity += quantity  # a sale draws on settled shares first
            if holding.quantity < 0:
                holding.t1_quantity += holding.quantity
                holding.quantity = 0

    def _settle(self) -> None:
        today = _stamp(self.clock.now())[:10]
        for holding in self.holdings.values():
            if holding.t1_quantity and holding.t1_day < today:
                holding.quantity += holding.t1_quantity
                holding.t1_quantity = 0

    def create_smart(self, body: Row) -> Row:
        """A GTT or OCO (``/order-advance/create``)."""
        with self.lock:
            kind = str(body.get("smart_order_type", "")).upper()
            if kind not in ("GTT", "OCO"):
                raise Refused(400, "GA001", "smart_order_type must be GTT or OCO")
            needed = (
                ("trigger_price", "trigger_direction", "order")
                if kind == "GTT"
                else (
                    "target",
                    "stop_loss",
                    "transaction_type",
                )
            )
            for name in (*needed, "trading_symbol", "quantity", "segment"):
                if body.get(name) in (None, ""):
                    raise Refused(400, "GA001", f"{name} is required for {kind}")
            now = _stamp(self.clock.now())
            smart_id = f"{kind.lower()}_{next(self._ids):06x}"
            row: Row = {
                **{k: v for k, v in body.items() if k != "smart_order_type"},
                "smart_order_id": smart_id,
                "smart_order_type": kind,
                "status": "ACTIVE",
                "created_at": now,
                "updated_at": now,
                "expire_at": None,
                "triggered_at": None,
                "child_order_id": None,
                "last_price": float(self.prices.get(str(body["trading_symbol"]))),
            }
            self.smart[smart_id] = row
            self.match()
            return row

    def smart_order(self, smart_id: str) -> Row:
        """One smart order (404 GA004 when unknown)."""
        row = self.smart.get(smart_id)
        if row is None:
            raise Refused(404, "GA004", f"smart order {smart_id} not found")
        return row

    def modify_smart(self, smart_id: str, body: Row) -> Row:
        """Change an active smart order's fields."""
        with self.lock:
            row = self.smart_order(smart_id)
            if row["status"] != "ACTIVE":
                raise Refused(400, "GA006", f"smart order is {row['status']}")
            for name, value in body.items():
                if name not in ("smart_order_type", "segment") and value is not None:
                    row[name] = value
            row["updated_at"] = _stamp(self.clock.now())
            self.match()
            return row

    def cancel_smart(self, smart_id: str) -> Row:
        """Cancel an active smart order."""
        with self.lock:
            row = self.smart_order(smart_id)
            if row["status"] != "ACTIVE":
                raise Refused(400, "GA006", f"smart order is {row['status']}")
            row["status"] = "CANCELLED"
            row["updated_at"] = _stamp(self.clock.now())
            return row

    def _trigger_smart(self) -> None:
        for row in self.smart.values():
            if row["status"] != "ACTIVE":
                continue
            last = self.prices.get(str(row["trading_symbol"]))
            row["last_price"] = float(last)
            leg = self._fired_leg(row, last)
            if leg is None:
                continue
            side, order_type, price = leg
            row["status"] = "TRIGGERED"
            row["triggered_at"] = row["updated_at"] = _stamp(self.clock.now())
            child = {
                "trading_symbol": row["trading_symbol"],
                "quantity": row["quantity"],
                "price": price,
                "validity": "DAY",
                "exchange": row.get("exchange", "NSE"),
                "segment": row["segment"],
                "product": row.get("product_type", "CNC"),
                "order_type": order_type,
                "transaction_type": side,
                "order_reference_id": f"{row['smart_order_id']}-1",
            }
            try:
                row["child_order_id"] = self.place(child)["groww_order_id"]
            except Refused as refused:
                row["status"] = "FAILED"
                row["remark"] = refused.message

    @staticmethod
    def _fired_leg(row: Row, last: Decimal) -> tuple[str, str, float] | None:
        if row["smart_order_type"] == "GTT":
            trigger = Decimal(str(row["trigger_price"]))
            up = str(row["trigger_direction"]).upper() == "UP"
            if (up and last >= trigger) or (not up and last <= trigger):
                order = row["order"]
                return (
                    order["transaction_type"],
                    order["order_type"],
                    float(order.get("price") or 0),
                )
            return None
        side = str(row["transaction_type"])
        stop, target = row["stop_loss"], row["target"]
        stop_at = Decimal(str(stop["trigger_price"]))
        target_at = Decimal(str(target["trigger_price"]))
        long_exit = side == "SELL"
        for leg, hit in (
            (stop, last <= stop_at if long_exit else last >= stop_at),
            (target, last >= target_at if long_exit else last <= target_at),
        ):
            if hit:
                return side, leg["order_type"], float(leg.get("price") or 0)
        return None

    def position_rows(self) -> list[Row]:
        """Groww's ``/positions/user`` rows."""
        rows = []
        for (symbol, exchange, segment, product), p in sorted(self.positions.items()):
            net = p.credit_quantity - p.debit_quantity
            average = (
                p.credit_value / p.credit_quantity
                if net >= 0 and p.credit_quantity
                else (p.debit_value / p.debit_quantity if p.debit_quantity else Decimal(0))
            )
            rows.append(
                {
                    "trading_symbol": symbol,
                    "segment": segment,
                    "exchange": exchange,
                    "product": product,
                    "symbol_isin": f"INE{symbol[:6]:0<6}01",
                    "quantity": net,
                    "credit_quantity": p.credit_quantity,
                    "credit_price": _avg(p.credit_value, p.credit_quantity),
                    "debit_quantity": p.debit_quantity,
                    "debit_price": _avg(p.debit_value, p.debit_quantity),
                    "carry_forward_credit_quantity": 0,
                    "carry_forward_credit_price": 0.0,
                    "carry_forward_debit_quantity": 0,
                    "carry_forward_debit_price": 0.0,
                    "net_carry_forward_quantity": 0,
                    "net_carry_forward_price": 0.0,
                    "net_price": float(average.quantize(Decimal("0.01"))),
                }
            )
        return rows

    def holding_rows(self) -> list[Row]:
        """Groww's ``/holdings/user`` rows."""
        self.match()
        return [
            {
                "isin": h.isin,
                "trading_symbol": symbol,
                "quantity": h.quantity + h.t1_quantity,
                "average_price": float(h.average_price),
                "pledge_quantity": 0,
                "demat_locked_quantity": 0,
                "groww_locked_quantity": 0,
                "repledge_quantity": 0,
                "t1_quantity": h.t1_quantity,
                "demat_free_quantity": h.quantity,
                "corporate_action_additional_quantity": 0,
                "active_demat_transfer_quantity": 0,
            }
            for symbol, h in sorted(self.holdings.items())
            if h.quantity or h.t1_quantity
        ]

    def add_holding(self, symbol: str, quantity: int, average_price: Decimal) -> None:
        """Seed a settled holding (a control action)."""
        with self.lock:
            holding = self.holdings.setdefault(symbol, _Holding(isin=f"INE{symbol[:6]:0<6}01"))
            holding.quantity += quantity
            holding.average_price = average_price

    def margin_payload(self) -> Row:
        """Groww's ``/margins/detail/user`` payload."""
        used = self.blocked()
        return {
            "clear_cash": float(self.cash),
            "net_margin_used": float(used),
            "brokerage_and_charges": 0.0,
            "collateral_used": 0.0,
            "collateral_available": 0.0,
            "adhoc_margin": 0.0,
            "fno_margin_details": {
                "net_fno_margin_used": 0.0,
                "span_margin_used": 0.0,
                "exposure_margin_used": 0.0,
                "future_balance_available": float(self.cash - used),
                "option_buy_balance_available": float(self.cash - used),
                "option_sell_balance_available": float(self.cash - used),
            },
            "equity_margin_details": {
                "net_equity_margin_used": float(used),
                "cnc_margin_used": float(used),
                "mis_margin_used": 0.0,
                "cnc_balance_available": float(self.cash - used),
                "mis_balance_available": float(self.cash - used),
            },
        }


def _avg(value: Decimal, quantity: int) -> float:
    return float((value / quantity).quantize(Decimal("0.01"))) if quantity else 0.0
