"""The ledger, the one writer of money: each fill's trade row, its share of the day's
contract note, the cash and the position. Its stored totals are `oms.book_totals`; what it
wrote is read back by `oms.positions`, `paper.snapshot` and `paper.portfolio`.

A `Ledger` is one transaction's view of the books of the users it touches. It takes a
user's ledger lock before its first read of that user's balance, contract note or
positions, reads each once, and applies every fill and cash movement of the transaction
in memory; `write` then stores the trades, the cash entries and the new aggregates with
a few statements.
Each fill's charges are the exact difference it makes to the day's note (`charge_fill`,
which prices an uploaded tradebook's rows too), and the balance moves by exactly the
entries written with it. A note is kept per broker and priced on that broker's schedule
(`schedules_of`: the one its row in `domain.brokers` names, Zerodha's for the
Kite-shaped paper broker), so a fill is charged by its order's broker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.db.prepared import Prepared
from tradertape.db.rows import adopt, fresh, insert_new, table_of, value_keys
from tradertape.domain.books import MANUAL
from tradertape.domain.charge_day import charge_fill
from tradertape.domain.charge_notes import charges_note
from tradertape.domain.charges import Exchange as ChargeExchange
from tradertape.domain.charges import Fill, Side, charge_segment, schedules_of
from tradertape.domain.enum_members import members_of
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.order_state import EventKind, OrderEvent
from tradertape.domain.orders import TransactionType
from tradertape.oms.book_totals import (
    Account,
    Position,
    PositionKey,
    StoredDay,
    insert_cash_entries,
    load_account,
    load_books,
    load_day,
    load_position,
    load_positions,
    lock_user_books,
    save_account,
    save_day,
    save_positions,
)
from tradertape.oms.context import BROKER
from tradertape.oms.emitter import TRADE
from tradertape.oms.ids import new_trade_id
from tradertape.oms.order_log import apply_event
from tradertape.ports.clock import IST

_TRADES = table_of(Trade)
_NEW_TRADE = {
    dialect: Prepared(insert_new(_TRADES, dialect), keys=value_keys(Trade))
    for dialect in ("sqlite", "postgresql")
}
_SIDE = members_of(Side)  # `Side(side)`, as a dict read
_EXCHANGE = members_of(Exchange)  # `Exchange(exchange)`, as a dict read
_BSE = (Exchange.BSE, Exchange.BFO)
_BUY = TransactionType.BUY.value  # not read through `EnumType`'s hook every fill
_ID_ATTEMPTS = 8  # random trade ids collide now and then on a busy day; draw again


def fill_of(order: Order, instrument: Instrument, quantity: int, price: Decimal) -> Fill:
    """The charge schedule's view of one execution of `order`."""
    derivative = instrument.instrument_type.value if instrument.is_derivative else None
    bse = _EXCHANGE(order.exchange) in _BSE
    return Fill(
        order_id=order.order_id,
        segment=charge_segment(derivative_kind=derivative, intraday=order.product == "MIS"),
        side=_SIDE(order.transaction_type),
        quantity=quantity,
        price=price,
        exchange=ChargeExchange.BSE if bse else ChargeExchange.NSE,
        instrument=instrument.isin or instrument.key,
        book=order.book,
    )


@dataclass(slots=True)
class _Books:
    """One user's balance and touched contract notes, as this transaction leaves them."""

    account: Account | None = None  # read on first use
    days: dict[date, StoredDay] = field(default_factory=dict)
    # Read so far, with what this transaction booked: every open one once `open_read`,
    # before that only those a fill moved (`Ledger._position`).
    positions: dict[PositionKey, Position] = field(default_factory=dict)
    open_read: bool = False
    any_pending: bool | None = None  # whether any order may still fill (None: not read)
    any_portfolio: bool | None = None  # whether a paper portfolio has a book (None: not read)
    moved: bool = False
    rewrites: int = 0  # booked trades taken back (`forget`)
    changed_days: set[date] = field(default_factory=set)
    changed_positions: set[PositionKey] = field(default_factory=set)


@dataclass(slots=True)
class _Booked:
    """A trade's values waiting for its order's id, and the cash it moves."""

    trade: dict[str, Any]
    order: Order
    entries: list[dict[str, Any]]


class Ledger:
    """Fills and cash movements of one transaction, written together by `write`.

    What it has read is not read again, so a transaction uses one ledger at a time: a
    second one for the same user starts after the first has written. ``rows=False``
    skips making session objects of the trades written (placement returns none); their
    column values, ids included, are in `written` until the next `write`.
    """

    def __init__(self, db: Session, *, broker: str = BROKER, rows: bool = True) -> None:
        self._db = db
        self._broker = broker
        self._rows = rows
        self._books: dict[int, _Books] = {}
        self._trades: list[_Booked] = []
        self._entries: list[dict[str, Any]] = []
        self.written: list[dict[str, Any]] = []  # the trades of the last `write`

    def lock(
        self,
        user_id: int,
        *,
        trade_date: date | None = None,
        position: PositionKey | None = None,
        also: Sequence[str] = (),
        ahead: Callable[[], None] | None = None,
    ) -> None:
        """Take the user's ledger lock (once per transaction), before reading any of it.

        With `trade_date` and `position`, also read the balance, that day's contract note,
        the open positions and the one at `position`, and whether any order is pending,
        in one statement: a placement needs them all when it checks funds and fills.
        `also` names locks (`db.locks`) to take with the ledger's, in the same call: a
        placement's order-rate bucket, say. `ahead` is called once the lock is asked for
        and before anything is read: reads it sends ahead (`Prepared.prefetch`) go with
        the lock's round trip, after the lock (the pre-trade gate's).
        """
        books = self._of(user_id, also)
        if ahead is not None:
            ahead()
        if trade_date is None or position is None or books.account is not None:
            return
        if trade_date in books.days or books.open_read or books.positions:
            return
        read = load_books(
            self._db,
            user_id=user_id,
            broker=self._broker,
            trade_date=trade_date,
            position=position,
        )
        books.account, books.days[trade_date] = read.account, read.day
        books.positions, books.any_pending = read.positions, read.any_pending
        books.open_read = True
        books.any_portfolio = read.any_portfolio

    def any_pending(self, user_id: int) -> bool | None:
        """Whether the user has an order that may still fill, if read (None: not known)."""
        return self._of(user_id).any_pending

    def any_portfolio(self, user_id: int) -> bool | None:
        """Whether a paper portfolio of the user keeps a book of its own, if read (None:
        not known)."""
        return self._of(user_id).any_portfolio

    def _of(self, user_id: int, also: Sequence[str] = ()) -> _Books:
        books = self._books.get(user_id)
        if books is None:
            lock_user_books(self._db, user_ids=[user_id], broker=self._broker, also=also)
            books = self._books[user_id] = _Books()
        return books

    def _account(self, user_id: int) -> Account:
        books = self._of(user_id)
        if books.account is None:
            books.account = load_account(self._db, user_id=user_id, broker=self._broker)
        return books.account

    def cash(self, user_id: int) -> Decimal:
        """The user's balance including what this transaction has booked so far."""
        return self._account(user_id).cash

    def positions(self, user_id: int, key: PositionKey) -> dict[PositionKey, Position]:
        """The user's open positions and the one at `key`, with what this transaction booked.

        A position not read yet is read with the open ones (or alone, if those were read
        for another key); a position with no row yet starts flat.
        """
        books = self._of(user_id)
        if not books.open_read:
            found = load_positions(self._db, user_id=user_id, broker=self._broker, also=key)
            found.update(books.positions)  # read before, and moved by this transaction
            books.positions, books.open_read = found, True
        elif key not in books.positions:
            found = load_positions(self._db, user_id=user_id, broker=self._broker, also=key)
            if key in found:
                books.positions[key] = found[key]
        if key not in books.positions:
            books.positions[key] = Position(None, *key)
        return books.positions

    def _position(self, user_id: int, key: PositionKey) -> Position:
        """The position a fill of `user_id`'s order moves: read alone unless the open ones
        were read."""
        books = self._of(user_id)
        position = books.positions.get(key)
        if position is None:
            if books.open_read:
                position = self.positions(user_id, key)[key]
            else:
                position = books.positions[key] = load_position(
                    self._db, user_id=user_id, broker=self._broker, key=key
                )
        books.changed_positions.add(key)
        return position

    def _day(self, user_id: int, trade_date: date) -> StoredDay:
        books = self._of(user_id)
        day = books.days.get(trade_date)
        if day is None:
            day = load_day(self._db, user_id=user_id, broker=self._broker, trade_date=trade_date)
            books.days[trade_date] = day
        books.changed_days.add(trade_date)
        return day

    def _entry(
        self,
        user_id: int,
        at: datetime,
        kind: str,
        amount: Decimal,
        note: str | None = None,
        *,
        book: str,
    ) -> dict[str, Any]:
        self._account(user_id).cash += amount
        self._of(user_id).moved = True
        return {
            "user_id": user_id,
            "broker": self._broker,
            "at": at,
            "kind": kind,
            "amount": amount,
            "trade_pk": None,
            "note": note,
            "book": book,
        }

    def post(
        self,
        user_id: int,
        *,
        at: datetime,
        kind: str,
        amount: Decimal,
        note: str | None = None,
        book: str = MANUAL,
    ) -> None:
        """A cash movement not tied to a trade (a deposit into a book, an allocation)."""
        self._entries.append(self._entry(user_id, at, kind, amount, note, book=book))

    def book_fill(
        self,
        order: Order,
        instrument: Instrument,
        quantity: int,
        price: Decimal,
        at: datetime,
        *,
        broker_trade_id: str | None = None,
        own_note: Decimal | None = None,
        cash_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Book one execution of `order`: charges, cash, and the trade (stored by `write`);
        the trade's values (its id and ``order_pk`` are set when it is written).

        `broker_trade_id` names a live fill's trade at its broker (once per order).
        `own_note` books a virtual fill with the charges of its own contract note (a model
        portfolio's, by the backtest's rules), leaving the day's shared note alone, and
        `cash_at` dates its cash when it is booked later than it filled (a virtual fill of a
        past day moves the cash now, so the balance never runs backwards in time).
        """
        trade_date = at.astimezone(IST).date()
        # the order's columns read once each (a mapped attribute's read is a Python call)
        user_id, broker, book, filled_value = (
            order.user_id,
            order.broker,
            order.book,
            order.filled_value,
        )
        side, symbol = order.transaction_type, order.tradingsymbol
        exchange, product = order.exchange, order.product
        note: str | None = None
        if own_note is not None:
            charges = own_note
        else:
            day = self._day(user_id, trade_date)
            if schedules_of(broker) is not day.note.schedules:
                raise ValueError(
                    f"an order at {broker} cannot be charged in {self._broker}'s books"
                )
            fill = fill_of(order, instrument, quantity, price)
            before = day.note
            charged = charge_fill(
                before, fill, order_value_before=filled_value, total_before=day.total
            )
            day.note, charges = charged.day, charged.charges
            day.total = day.note.total
            note = charges_note(before, day.note, fill, symbol)
        value = price * quantity
        order.filled_value = filled_value + value
        trade = {
            "user_id": user_id,
            "trade_id": new_trade_id(at),
            "order_pk": None,
            "broker": broker,
            "exchange": exchange,
            "tradingsymbol": symbol,
            "instrument_token": order.instrument_token,
            "product": product,
            "transaction_type": side,
            "quantity": quantity,
            "price": price,
            "filled_at": at,
            "trade_date": trade_date.isoformat(),
            "charges": charges,
            "charges_note": note,
            "broker_trade_id": broker_trade_id,
            "book": book,
        }
        buy = side == _BUY
        self._position(user_id, (exchange, symbol, product)).add(
            buy=buy, quantity=quantity, price=price
        )
        kind = "buy" if buy else "sell"
        moved = cash_at or at
        entries = [self._entry(user_id, moved, kind, -value if buy else value, book=book)]
        if charges:
            entries.append(self._entry(user_id, moved, "charges", -charges, book=book))
        self._trades.append(_Booked(trade, order, entries))
        return trade

    def fill(
        self,
        order: Order,
        instrument: Instrument,
        event: OrderEvent,
        ts_init: datetime,
        *,
        broker_trade_id: str | None = None,
        own_note: Decimal | None = None,
        cash_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record a FILLED `event` of `order` and book it (`book_fill`, at the event's time,
        quantity and price): the history row for `order_log.store_history`, carrying the
        trade it booked, so the order's `OrderFilled` says what the fill was charged."""
        assert event.kind is EventKind.FILLED
        assert event.fill_price is not None
        row = apply_event(order, event, ts_init)
        row[TRADE] = self.book_fill(
            order,
            instrument,
            event.fill_quantity,
            event.fill_price,
            event.ts_event,
            broker_trade_id=broker_trade_id,
            own_note=own_note,
            cash_at=cash_at,
        )
        return row

    def forget(self, user_id: int, trades: list[Trade], cash: Decimal) -> None:
        """Take stored trades of the user back out of the positions, and `cash` (the sum of
        their cash entries) out of the balance: the caller deletes their rows. Only for
        fills that never reached an exchange (a reset model portfolio's virtual fills),
        whose charges were their own contract note."""
        for trade in trades:
            key = (trade.exchange, trade.tradingsymbol, trade.product)
            position = self.positions(user_id, key)[key]
            buy = trade.transaction_type == TransactionType.BUY.value
            position.add(buy=buy, quantity=-trade.quantity, price=trade.price)
            self._of(user_id).changed_positions.add(key)
        self._account(user_id).cash -= cash
        books = self._of(user_id)
        books.moved = True
        books.rewrites += len(trades)

    def first_trade(self, order: Order) -> dict[str, Any] | None:
        """The values of `order`'s first trade booked and not written yet, if any: the
        order's claim may store it (`order_log.claim`), and `write` then leaves it be."""
        for booked in self._trades:
            if booked.order is order and "id" not in booked.trade:
                return booked.trade
        return None

    def write(self) -> list[Trade]:
        """Store what was booked (no commit) and return the trades stored, oldest first.

        The orders of the trades must be stored by then.
        """
        stored = []
        self.written = [b.trade for b in self._trades]
        for booked in self._trades:
            pk = booked.trade.get("id")  # stored already, with its order (`first_trade`)
            if pk is None:
                booked.trade["order_pk"] = booked.order.id
                pk = self._insert_trade(booked.trade)
            for entry in booked.entries:
                entry["trade_pk"] = pk
            self._entries.extend(booked.entries)
            booked.trade["id"] = pk
            if self._rows:
                trade = fresh(Trade, dict(booked.trade))
                adopt(self._db, trade, pk)
                stored.append(trade)
        insert_cash_entries(self._db, self._entries)
        for user_id, books in self._books.items():
            for trade_date in sorted(books.changed_days):
                save_day(self._db, books.days[trade_date], user_id=user_id, broker=self._broker)
            if books.moved and books.account is not None:
                save_account(
                    self._db,
                    books.account,
                    user_id=user_id,
                    broker=self._broker,
                    rewrites=books.rewrites,
                )
            if books.changed_positions:
                changed = (books.positions[key] for key in sorted(books.changed_positions))
                save_positions(self._db, changed, user_id=user_id, broker=self._broker)
        self._trades.clear()
        self._entries.clear()
        for books in self._books.values():
            books.changed_days.clear()
            books.changed_positions.clear()
            books.moved = False
            books.rewrites = 0
        return stored

    def _insert_trade(self, values: dict[str, Any]) -> int:
        statement = _NEW_TRADE[self._db.get_bind().dialect.name]
        for _ in range(_ID_ATTEMPTS):
            pk: int | None = statement.scalar(self._db, values)
            if pk is not None:
                return pk
            values["trade_id"] = new_trade_id(values["filled_at"])
        raise RuntimeError("no free trade id after repeated draws")
