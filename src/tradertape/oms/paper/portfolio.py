"""The paper account as Kite reports an account: orders, trades, positions, holdings, margins.

Everything is derived from the ledger (orders, trades, cash entries) and marked to the
last tick, in Kite's field names so the UI, the agent and workers parse one shape for
paper and live. CNC buys settle T+1: bought today and still held they show as
``t1_quantity``, and their day change is from their buy price (`domain.day_change`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.db.rows import table_of
from tradertape.domain.day_change import day_base, day_change
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.money import paise, paise_adding_up
from tradertape.oms.paper.exchange import BROKER, PaperExchange
from tradertape.oms.paper.snapshot import (
    CashFlows,
    Holding,
    LedgerSnapshot,
    LedgerSnapshots,
    Lot,
)
from tradertape.oms.read_models import KiteDict, order_dict, trade_dict
from tradertape.ports.clock import IST, Clock

__all__ = ["CashFlows", "DayPnl", "KiteDict", "PaperPortfolio", "order_dict", "trade_dict"]


LastTick = Callable[[str], Tick | None]
_ZERO = Decimal(0)
_ORDERS = table_of(Order)
_TODAYS_ORDERS = (
    select(_ORDERS)
    .where(
        _ORDERS.c.user_id == bindparam("user_id"),
        _ORDERS.c.broker == bindparam("broker"),
        _ORDERS.c.placed_at >= bindparam("start", type_=_ORDERS.c.placed_at.type),
        _ORDERS.c.placed_at < bindparam("end", type_=_ORDERS.c.placed_at.type),
    )
    .order_by(_ORDERS.c.id)
)
_TODAYS_BOOK_ORDERS = _TODAYS_ORDERS.where(_ORDERS.c.book == bindparam("book"))


def _num(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


_DELIVERY = frozenset({"CNC", "MTF"})
_DEBIT_PARTS = ("var", "span", "exposure", "option_premium", "delivery")  # adding up to debits
_UTILISED_FIELDS = (
    "debits",
    "var",
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


@dataclass(frozen=True, slots=True)
class DayPnl:
    """Today's P&L of a book (or the account, its books' sum): what closed today
    (`domain.day_pnl`'s rule per position, what was held at the start entering at the
    previous close), and everything, open and closed, marked to the last tick against the
    day's start."""

    realised: Decimal
    total: Decimal


def _position_row(book: Lot, last: Decimal | None, close: Decimal | None) -> KiteDict:
    quantity = book.quantity
    price = last if last is not None else _ZERO
    value = book.sell_value - book.buy_value  # Kite: cash flow so far, negative when long
    pnl = value + quantity * price
    realised = book.realised()
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
        "unrealised": _num(pnl - realised),
        "realised": _num(realised),
        "buy_quantity": book.buy_qty,
        "buy_price": _num(book.buy_value / book.buy_qty) if book.buy_qty else 0.0,
        "buy_value": _num(book.buy_value),
        "sell_quantity": book.sell_qty,
        "sell_price": _num(book.sell_value / book.sell_qty) if book.sell_qty else 0.0,
        "sell_value": _num(book.sell_value),
        "book": book.book,
    }


class PaperPortfolio:
    """Kite-shaped views of one user's paper account.

    What they derive from the ledger comes from the user's `LedgerSnapshot` at its current
    version (built once per booking, not per read); marks come from the last tick at
    each read.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        exchange: PaperExchange,
        last_tick: LastTick,
        snapshots: LedgerSnapshots | None = None,
        broker: str = BROKER,
    ) -> None:
        """`broker`: whose ledger the snapshots read; a live broker's (``kite``) gives its
        book's positions and day P&L by the same arithmetic (what an MTM exit on a live
        book reads), while the order book and margins stay the paper account's."""
        self._clock = clock
        self._exchange = exchange
        self._last_tick = last_tick
        self.snapshots = snapshots or LedgerSnapshots(
            broker=broker, today=self._today, trade_row=trade_dict
        )

    def _today(self) -> date:
        return self._clock.now().astimezone(IST).date()

    def last_tick(self, key: str) -> Tick | None:
        """The last tick of an instrument (``NSE:INFY``), which marks the views."""
        return self._last_tick(key)

    def snapshot(self, db: Session, user_id: int) -> LedgerSnapshot:
        """The user's ledger as the views derive it, at its current version."""
        return self.snapshots.of(db, user_id)

    @staticmethod
    def order(order: Order) -> KiteDict:
        """One order, paper or live, as a row of Kite's order book."""
        return order_dict(order)

    def orders(self, db: Session, *, user_id: int, book: str | None = None) -> list[KiteDict]:
        """Today's orders, oldest first (Kite's order book); of one book when named."""
        start = datetime.combine(self._today(), time(0), IST)
        params = {
            "user_id": user_id,
            "broker": BROKER,
            "start": start,
            "end": start + timedelta(days=1),
        }
        query = _TODAYS_ORDERS if book is None else _TODAYS_BOOK_ORDERS
        if book is not None:
            params["book"] = book
        return [{**order_dict(o), "book": o.book} for o in db.execute(query, params)]

    def trades(self, db: Session, *, user_id: int, book: str | None = None) -> list[KiteDict]:
        """Today's trades; of one book when named."""
        return self.snapshot(db, user_id).trades_of(book)

    def cash_flows(self, db: Session, user_id: int, book: str | None) -> CashFlows:
        """The cash of one book (None: the account) at the day's start, paid in since, and now."""
        return self.snapshot(db, user_id).cash_of(book)

    def day_pnl(self, db: Session, *, user_id: int, book: str | None = None) -> DayPnl:
        """Today's P&L of one book (None: the account, its books added up): for each
        instrument and product, today's cash flow plus what it holds now at the last price,
        less what it held at the start at the previous close. ``realised`` is the part
        closed today, by the one rule (`domain.day_pnl`), each position's to the paisa."""
        return self.day_pnl_of(self.snapshot(db, user_id), book)

    def day_pnl_of(self, snapshot: LedgerSnapshot, book: str | None) -> DayPnl:
        """`day_pnl` of a snapshot already read."""
        realised = total = _ZERO
        for key, day in snapshot.day_pnl_of(book):
            if day.start == 0 and day.flow == 0 and day.now == 0:
                continue
            tick = self._last_tick(key)
            last = tick.last_price if tick is not None else day.last_fill
            base = tick.prev_close if tick is not None else day.last_fill
            total += day.flow + day.now * last - day.start * base
            realised += paise(day.sides.realised(day.start, base))  # each row's, to the paisa
        return DayPnl(realised, total)

    def positions(
        self, db: Session, *, user_id: int, book: str | None = None
    ) -> dict[str, list[KiteDict]]:
        """``{"net": [...], "day": [...]}`` marked to the last tick, a row per book, symbol
        and product (of one book when named)."""
        return self.positions_of(self.snapshot(db, user_id), book)

    def positions_of(self, snapshot: LedgerSnapshot, book: str | None) -> dict[str, list[KiteDict]]:
        """`positions` of a snapshot already read."""
        return {
            "net": [self._row(lot) for lot in snapshot.net_of(book)],
            "day": [self._row(lot) for lot in snapshot.day_of(book)],
        }

    def _row(self, book: Lot) -> KiteDict:
        tick = self._last_tick(f"{book.exchange}:{book.tradingsymbol}")
        return _position_row(
            book, tick.last_price if tick else None, tick.prev_close if tick else None
        )

    def holdings(self, db: Session, *, user_id: int, book: str | None = None) -> list[KiteDict]:
        """Delivery holdings: settled quantity plus today's net buys as ``t1_quantity``; a
        row per book and symbol (of one book when named). Shares bought and sold the same
        day are a day position (`positions`), whatever the product, never a holding."""
        return self.holdings_of(db, self.snapshot(db, user_id), book)

    def holdings_of(
        self, db: Session, snapshot: LedgerSnapshot, book: str | None
    ) -> list[KiteDict]:
        """`holdings` of a snapshot already read."""
        held = snapshot.holdings_of(book)
        if not held:
            return []
        catalog = self._exchange.catalog(db)
        return [self._holding(catalog, key, row) for key, row in held]

    def _holding(
        self, catalog: InstrumentCatalog, key: tuple[str, str, str], row: Holding
    ) -> KiteDict:
        exchange, symbol, book = key
        instrument = catalog.find(f"{exchange}:{symbol}")
        tick = self._last_tick(f"{exchange}:{symbol}")
        average = row.cost / row.held
        last = tick.last_price if tick else average
        close = tick.prev_close if tick else average
        quantity = row.settled
        held = row.held
        bought_at = row.t1_cost / row.t1 if row.t1 else None
        base = day_base(
            settled=Decimal(quantity), t1=Decimal(row.t1), close=close, bought_at=bought_at
        )
        change, change_pct = day_change(last, base)
        return {
            "tradingsymbol": symbol,
            "exchange": exchange,
            "instrument_token": row.token,
            "isin": instrument.isin if instrument else None,
            "product": "CNC",
            "price": 0.0,
            "quantity": quantity,
            "t1_quantity": row.t1,
            "used_quantity": 0,
            "realised_quantity": quantity,
            "opening_quantity": quantity,
            "collateral_quantity": 0,
            "average_price": _num(average),
            "last_price": _num(last),
            "close_price": _num(close),
            "pnl": _num((last - average) * held),
            # from the previous close, or from the buy price for what was bought today
            "day_change": _num(change),
            "day_change_percentage": _num(change_pct),
            "book": book,
        }

    def _paid_today(
        self, db: Session, snapshot: LedgerSnapshot, book: str | None
    ) -> tuple[Decimal, Decimal]:
        """The premium of options and the value of delivery shares bought today (of one
        book when named): paid in full, so Kite shows them as used."""
        premium = delivery = _ZERO
        catalog = self._exchange.catalog(db)
        for lot in snapshot.day_of(book):
            if lot.product in _DELIVERY:
                delivery += lot.buy_value
                continue
            instrument = catalog.find(f"{lot.exchange}:{lot.tradingsymbol}")
            if instrument is not None and instrument.option_type is not None:
                premium += lot.buy_value
        return premium, delivery

    def margins(self, db: Session, *, user_id: int, book: str | None = None) -> KiteDict:
        """Kite's ``/user/margins`` shape for the equity segment (of one book when named),
        adding up as Kite's Funds page does::

            net = opening_balance + intraday_payin − utilised.debits + available.credits

        ``net`` is what a new order may use (`oms.funds`: cash, plus what open positions
        would fetch at their marks, less the margin positions and pending orders hold); a
        book's is what an order of that book may use (each book spends its own money).
        ``opening_balance`` is the cash at the start of the day and ``intraday_payin`` what
        came in since (deposits and allocations). ``utilised.debits`` is everything used,
        listed: the margin held, split into ``var`` (equity intraday and cover orders),
        ``span``, ``exposure`` and ``option_premium``, plus what today's buys paid for in
        full, as Kite counts them: the premium of options bought (in ``option_premium``)
        and the value of delivery shares bought (``delivery``); the parts add up to it to
        the paisa. ``available.credits`` (ours: Kite has no such field) is what came back
        today: the proceeds of what was sold, the margined positions (intraday, futures,
        sold options) at their marks, less the day's charges; for one book also what the
        books sharing its money leave it. ``cash`` (and ``live_balance``) stay the ledger's
        cash now, as before. ``m2m_*`` add up to today's P&L (`day_pnl`), the risk
        monitor's and the top bar's figure.
        """
        account = self._exchange.margins(db, user_id)
        held = account if book is None else self._exchange.book_margins(db, user_id, book)
        used = held.used
        snapshot = self.snapshot(db, user_id)
        flows = snapshot.cash_of(book)
        pnl = self.day_pnl_of(snapshot, book)
        premium, delivery = self._paid_today(db, snapshot, book)
        parts = paise_adding_up(
            (used.var, used.span, used.exposure, used.option_premium + premium, delivery)
        )
        debits = sum(parts, _ZERO)
        utilised: dict[str, float] = dict.fromkeys(_UTILISED_FIELDS, 0.0)
        utilised["debits"] = _num(debits)
        for name, part in zip(_DEBIT_PARTS, parts, strict=True):
            utilised[name] = _num(part)
        utilised["m2m_realised"] = _num(paise(pnl.realised))
        utilised["m2m_unrealised"] = _num(paise(pnl.total - pnl.realised))
        net = paise(
            account.available if book is None else self._exchange.book_available(db, user_id, book)
        )
        opening, payin = paise(flows.opening), paise(flows.payin)
        cash = account.cash if book is None else flows.cash
        segment = {
            "enabled": True,
            "net": _num(net),
            "available": {
                "adhoc_margin": 0.0,
                "cash": _num(cash),
                "opening_balance": _num(opening),
                "live_balance": _num(cash),
                "collateral": 0.0,
                "intraday_payin": _num(payin),
                # what makes the sum: each figure above to the paisa, so it adds up on screen
                "credits": _num(net - opening - payin + debits),
            },
            "utilised": utilised,
        }
        return {"equity": segment, "commodity": {**segment, "enabled": False, "net": 0.0}}
