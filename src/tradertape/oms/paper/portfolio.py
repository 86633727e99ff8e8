"""The paper account as Kite reports an account: orders, trades, positions, holdings, margins.

Everything is derived from the ledger (orders, trades, cash entries) and marked to the
last tick, in Kite's field names so the UI, the agent and workers parse one shape for
paper and live. CNC buys settle T+1: bought today they show as ``t1_quantity``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import CashEntry, Order, Trade
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.money import paise, shown_float
from tradertape.domain.order_state import OrderStatus
from tradertape.oms.order_log import parent_order_id
from tradertape.oms.paper.exchange import BROKER, PaperExchange
from tradertape.ports.clock import IST, Clock

KiteDict = dict[str, Any]
LastTick = Callable[[str], Tick | None]
_ZERO = Decimal(0)


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _num(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _stored(value: Decimal | None) -> float | None:
    # None only for a stored price no float can show (a row from before values were checked).
    return shown_float(value) if value is not None else 0.0


def order_dict(order: Order) -> KiteDict:
    """An order in Kite's order-book shape."""
    return {
        "order_id": order.order_id,
        "exchange_order_id": order.order_id,
        "parent_order_id": parent_order_id(order),  # a cover order's stop-loss leg
        "status": order.status,
        "status_message": order.status_message,
        "order_timestamp": order.placed_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "exchange_update_timestamp": order.updated_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "variety": order.variety,
        "exchange": order.exchange,
        "tradingsymbol": order.tradingsymbol,
        "instrument_token": order.instrument_token,
        "order_type": order.order_type,
        "transaction_type": order.transaction_type,
        "validity": order.validity,
        "validity_ttl": order.validity_ttl,
        "product": order.product,
        "quantity": order.quantity,
        "disclosed_quantity": order.disclosed_quantity or 0,
        "price": _stored(order.price),
        "trigger_price": _stored(order.trigger_price),
        "average_price": _stored(order.average_price),
        "filled_quantity": order.filled_quantity,
        "pending_quantity": 0
        if order.status in _TERMINAL
        else order.quantity - order.filled_quantity,
        "cancelled_quantity": order.quantity - order.filled_quantity
        if order.status == "CANCELLED"
        else 0,
        "market_protection": order.market_protection or 0,
        "tag": order.attribution.get("tag"),
        "meta": {"source": order.source},
    }


# A live order not yet acknowledged (``PUT ORDER REQ RECEIVED``) is no `OrderStatus`.
_TERMINAL = frozenset(s.value for s in OrderStatus if s.is_terminal)
_UTILISED_FIELDS = (
    "debits",
    "exposure",
    "m2m_realised",
    "m2m_unrealised",
    "option_premium",
    "payout",
    "span",
    "holding_sales",
    "turnover",
    "liquid_collateral",
    "stock_collateral",
    "delivery",
)


def trade_dict(trade: Trade, order_id: str) -> KiteDict:
    """A trade in Kite's shape (``order_timestamp`` is HH:MM:SS only, as Kite sends it)."""
    local = trade.filled_at.astimezone(IST)
    return {
        "trade_id": trade.trade_id,
        "order_id": order_id,
        "exchange": trade.exchange,
        "tradingsymbol": trade.tradingsymbol,
        "instrument_token": trade.instrument_token,
        "product": trade.product,
        "average_price": _num(trade.price),
        "quantity": trade.quantity,
        "exchange_order_id": order_id,
        "transaction_type": trade.transaction_type,
        "fill_timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
        "order_timestamp": local.strftime("%H:%M:%S"),
        "exchange_timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
    }


@dataclass(frozen=True, slots=True)
class CashFlows:
    """A book's (or the account's) cash: at the day's start, paid in since, and now."""

    opening: Decimal
    payin: Decimal
    cash: Decimal


@dataclass(frozen=True, slots=True)
class DayPnl:
    """Today's P&L of a book (or the account): what closed today, and everything, open and
    closed, marked to the last tick against the day's start (the previous close)."""

    realised: Decimal
    total: Decimal


@dataclass
class _Day:
    """One instrument's day: held at the start and now, today's cash flow, the last fill."""

    start: int = 0
    now: int = 0
    flow: Decimal = _ZERO
    last_fill: Decimal = _ZERO


@dataclass
class _Book:
    """Running totals of one symbol and product in one book."""

    book: str
    exchange: str
    tradingsymbol: str
    instrument_token: int
    product: str
    buy_qty: int = 0
    sell_qty: int = 0
    buy_value: Decimal = _ZERO
    sell_value: Decimal = _ZERO
    overnight: int = 0

    def add(self, trade: Trade) -> None:
        value = trade.price * trade.quantity
        if trade.transaction_type == "BUY":
            self.buy_qty += trade.quantity
            self.buy_value += value
        else:
            self.sell_qty += trade.quantity
            self.sell_value += value

    @property
    def quantity(self) -> int:
        return self.buy_qty - self.sell_qty


def _position_row(book: _Book, last: Decimal | None, close: Decimal | None) -> KiteDict:
    quantity = book.quantity
    price = last if last is not None else _ZERO
    value = book.sell_value - book.buy_value  # Kite: cash flow so far, negative when long
    pnl = value + quantity * price
    if quantity > 0:
        average = book.buy_value / book.buy_qty
    elif quantity < 0:
        average = book.sell_value / book.sell_qty
    else:
        average = _ZERO
    return {
        "tradingsymbol": book.tradingsymbol,
        "exchange": book.exchange,
        "instrument_token": book.instrument_token,
        "product": book.product,
        "quantity": quantity,
        "overnight_quantity": book.overnight,
        "multiplier": 1,
        "average_price": _num(average),
        "close_price": _num(close),
        "last_price": _num(last),
        "value": _num(value),
        "pnl": _num(pnl),
        "m2m": _num(pnl),
        "unrealised": _num(pnl) if quantity else 0.0,
        "realised": 0.0 if quantity else _num(pnl),
        "buy_quantity": book.buy_qty,
        "buy_price": _num(book.buy_value / book.buy_qty) if book.buy_qty else 0.0,
        "buy_value": _num(book.buy_value),
        "sell_quantity": book.sell_qty,
        "sell_price": _num(book.sell_value / book.sell_qty) if book.sell_qty else 0.0,
        "sell_value": _num(book.sell_value),
        "book": book.book,
    }


class PaperPortfolio:
    """Kite-shaped views of one user's paper account."""

    def __init__(self, *, clock: Clock, exchange: PaperExchange, last_tick: LastTick) -> None:
        self._clock = clock
        self._exchange = exchange
        self._last_tick = last_tick

    def _today(self) -> date:
        return self._clock.now().astimezone(IST).date()

    @staticmethod
    def order(order: Order) -> KiteDict:
        """One order, paper or live, as a row of Kite's order book."""
        return order_dict(order)

    def orders(self, db: Session, *, user_id: int, book: str | None = None) -> list[KiteDict]:
        """Today's orders, oldest first (Kite's order book); of one book when named."""
        query = select(Order).where(Order.user_id == user_id, Order.broker == BROKER)
        if book is not None:
            query = query.where(Order.book == book)
        rows = db.scalars(query.order_by(Order.id))
        today = self._today()
        return [
            {**order_dict(o), "book": o.book}
            for o in rows
            if o.placed_at.astimezone(IST).date() == today
        ]

    def trades(self, db: Session, *, user_id: int, book: str | None = None) -> list[KiteDict]:
        """Today's trades; of one book when named."""
        query = (
            select(Trade, Order.order_id)
            .join(Order, Order.id == Trade.order_pk)
            .where(
                Trade.user_id == user_id,
                Trade.broker == BROKER,
                Trade.trade_date == self._today().isoformat(),
            )
        )
        if book is not None:
            query = query.where(Trade.book == book)
        rows = db.execute(query.order_by(Trade.id)).all()
        return [{**trade_dict(trade, order_id), "book": trade.book} for trade, order_id in rows]

    def cash_flows(self, db: Session, user_id: int, book: str | None) -> CashFlows:
        """The cash of one book (None: the account) at the day's start, paid in since, and now."""
        start = datetime.combine(self._today(), time(0), IST)
        query = select(CashEntry.at, CashEntry.kind, CashEntry.amount).where(
            CashEntry.user_id == user_id, CashEntry.broker == BROKER
        )
        if book is not None:
            query = query.where(CashEntry.book == book)
        opening = payin = cash = _ZERO
        for at, kind, amount in db.execute(query):
            cash += amount
            if _aware(at) < start:
                opening += amount
            elif kind in ("deposit", "allocation"):
                payin += amount
        return CashFlows(opening, payin, cash)

    def day_pnl(self, db: Session, *, user_id: int, book: str | None = None) -> DayPnl:
        """Today's P&L, as the risk desk counts it: for each instrument, today's cash flow
        plus what it holds now at the last price, less what it held at the start at the
        previous close. ``realised`` is the part of positions flat again today."""
        today = self._today().isoformat()
        days: dict[str, _Day] = {}
        for trade in self._trades(db, user_id, book):
            day = days.setdefault(f"{trade.exchange}:{trade.tradingsymbol}", _Day())
            signed = trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
            day.now += signed
            day.last_fill = trade.price
            if trade.trade_date < today:
                day.start += signed
            else:
                day.flow -= signed * trade.price
        realised = total = _ZERO
        for key, day in days.items():
            if day.start == 0 and day.flow == 0 and day.now == 0:
                continue
            tick = self._last_tick(key)
            last = tick.last_price if tick is not None else day.last_fill
            base = tick.prev_close if tick is not None else day.last_fill
            pnl = day.flow + day.now * last - day.start * base
            total += pnl
            if day.now == 0:
                realised += pnl
        return DayPnl(realised, total)

    def _trades(self, db: Session, user_id: int, book: str | None) -> list[Trade]:
        query = select(Trade).where(Trade.user_id == user_id, Trade.broker == BROKER)
        if book is not None:
            query = query.where(Trade.book == book)
        return list(db.scalars(query.order_by(Trade.id)))

    def _books(
        self, db: Session, user_id: int, *, day_only: bool, book_key: str | None
    ) -> list[_Book]:
        today = self._today().isoformat()
        books: dict[tuple[str, str, str, str], _Book] = {}
        for trade in self._trades(db, user_id, book_key):
            if trade.product == "CNC" and not day_only and trade.trade_date < today:
                continue  # settled delivery lives in holdings, not positions
            key = (trade.book, trade.exchange, trade.tradingsymbol, trade.product)
            book = books.setdefault(
                key,
                _Book(
                    trade.book,
                    trade.exchange,
                    trade.tradingsymbol,
                    trade.instrument_token,
                    trade.product,
                ),
            )
            if day_only and trade.trade_date < today:
                continue
            if trade.trade_date < today:
                book.overnight += (
                    trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
                )
            book.add(trade)
        return [b for b in books.values() if b.buy_qty or b.sell_qty]

    def positions(
        self, db: Session, *, user_id: int, book: str | None = None
    ) -> dict[str, list[KiteDict]]:
        """``{"net": [...], "day": [...]}`` marked to the last tick, a row per book, symbol
        and product (of one book when named)."""
        return {
            "net": [self._row(b) for b in self._books(db, user_id, day_only=False, book_key=book)],
            "day": [self._row(b) for b in self._books(db, user_id, day_only=True, book_key=book)],
        }

    def _row(self, book: _Book) -> KiteDict:
        tick = self._last_tick(f"{book.exchange}:{book.tradingsymbol}")
        return _position_row(
            book, tick.last_price if tick else None, tick.prev_close if tick else None
        )

    def holdings(self, db: Session, *, user_id: int, book: str | None = None) -> list[KiteDict]:
        """Delivery holdings: settled quantity plus today's buys as ``t1_quantity``; a row per
        book and symbol (of one book when named)."""
        today = self._today().isoformat()
        books: dict[tuple[str, str, str], dict[str, Any]] = {}
        trades = (t for t in self._trades(db, user_id, book) if t.product == "CNC")
        for trade in trades:
            row = books.setdefault(
                (trade.exchange, trade.tradingsymbol, trade.book),
                {"token": trade.instrument_token, "settled": 0, "t1": 0, "cost": _ZERO, "held": 0},
            )
            signed = trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
            if trade.transaction_type == "BUY":
                row["cost"] += trade.price * trade.quantity
                row["held"] += trade.quantity
                row["t1" if trade.trade_date == today else "settled"] += trade.quantity
            else:
                average = row["cost"] / row["held"] if row["held"] else _ZERO
                row["cost"] -= average * trade.quantity
                row["held"] += signed
                row["settled"] -= trade.quantity
        catalog = self._exchange.catalog(db)
        return [
            self._holding(catalog, key, row) for key, row in sorted(books.items()) if row["held"]
        ]

    def _holding(
        self, catalog: InstrumentCatalog, key: tuple[str, str, str], row: dict[str, Any]
    ) -> KiteDict:
        exchange, symbol, book = key
        instrument = catalog.find(f"{exchange}:{symbol}")
        tick = self._last_tick(f"{exchange}:{symbol}")
        average = row["cost"] / row["held"]
        last = tick.last_price if tick else average
        close = tick.prev_close if tick else average
        quantity = row["settled"]
        held = row["held"]
        return {
            "tradingsymbol": symbol,
            "exchange": exchange,
            "instrument_token": row["token"],
            "isin": instrument.isin if instrument else None,
            "product": "CNC",
            "price": 0.0,
            "quantity": quantity,
            "t1_quantity": row["t1"],
            "used_quantity": 0,
            "realised_quantity": quantity,
            "opening_quantity": quantity,
            "collateral_quantity": 0,
            "average_price": _num(average),
            "last_price": _num(last),
            "close_price": _num(close),
            "pnl": _num((last - average) * held),
            "day_change": _num(last - close),
            "day_change_percentage": _num((last - close) / close * 100) if close else 0.0,
            "book": book,
        }

    def margins(self, db: Session, *, user_id: int, book: str | None = None) -> KiteDict:
        """Kite's ``/user/margins`` shape for the equity segment (of one book when named).

        ``net`` is what a new order may use: cash, plus what open positions would fetch
        at their marks, less the margin positions and pending orders hold
        (`oms.funds`); ``utilised.debits`` is that margin, split into its SPAN,
        exposure and option-premium parts (the rest is equity VaR, delivery and cover
        orders' risk). ``opening_balance`` is the cash at the start of the day, and
        ``intraday_payin`` what came in since (deposits and allocations); ``m2m_*`` add up to
        today's P&L (`day_pnl`), the risk desk's and the top bar's figure. A book's ``net``
        is its cash, at most what the account has free.
        """
        account = self._exchange.margins(db, user_id)
        used = account.used
        flows = self.cash_flows(db, user_id, book)
        pnl = self.day_pnl(db, user_id=user_id, book=book)
        utilised: dict[str, float] = dict.fromkeys(_UTILISED_FIELDS, 0.0)
        if book is None:
            utilised["debits"] = _num(used.total)
            utilised["span"] = _num(used.span)
            utilised["exposure"] = _num(used.exposure)
            utilised["option_premium"] = _num(used.option_premium)
        utilised["m2m_realised"] = _num(paise(pnl.realised))
        utilised["m2m_unrealised"] = _num(paise(pnl.total - pnl.realised))
        cash = account.cash if book is None else flows.cash
        net = account.available if book is None else min(flows.cash, account.available)
        segment = {
            "enabled": True,
            "net": _num(net),
            "available": {
                "adhoc_margin": 0.0,
                "cash": _num(cash),
                "opening_balance": _num(flows.opening),
                "live_balance": _num(cash),
                "collateral": 0.0,
                "intraday_payin": _num(flows.payin),
            },
            "utilised": utilised,
        }
        return {"equity": segment, "commodity": {**segment, "enabled": False, "net": 0.0}}
