"""The stored running aggregates of the paper ledger: each account's cash balance, each
trading day's contract note and each symbol's net position, read and written as rows.

A placement reads them all in one statement (`load_books`), with whether the user has
any pending order: the funds check then reads those orders only if there are some.

All change with every fill, so all are read and written under the user's ledger lock
(`lock_user_books`): fills booked by two processes for one user serialize instead of
losing an update. They are plain Core reads and writes, never ORM objects, so no
session ever holds a stale copy of a balance; `oms.ledger` decides what to write.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Dialect,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models.portfolios import ModelPortfolio
from tradertape.db.models.trading import (
    CashEntry,
    ChargeDayRow,
    Order,
    PaperAccount,
    PaperPosition,
)
from tradertape.db.prepared import Prepared
from tradertape.db.rows import one_of, table_of
from tradertape.db.types import ExactDecimal
from tradertape.domain.charge_day import ChargeDay
from tradertape.domain.charge_rates import schedules_of
from tradertape.domain.day_netting import DeliveryFlow
from tradertape.domain.order_state import PENDING

_ACCOUNTS = table_of(PaperAccount)
_DAYS = table_of(ChargeDayRow)
_CASH = table_of(CashEntry)
_POSITIONS = table_of(PaperPosition)
_ORDERS = table_of(Order)

_ACCOUNT = select(_ACCOUNTS.c.id, _ACCOUNTS.c.cash).where(
    _ACCOUNTS.c.user_id == bindparam("user_id"), _ACCOUNTS.c.broker == bindparam("broker")
)
_THE_DAY = and_(
    _DAYS.c.user_id == bindparam("user_id"),
    _DAYS.c.broker == bindparam("broker"),
    _DAYS.c.trade_date == bindparam("trade_date"),
)
# Open positions, and one more (flat or not) that a fill is about to move.
_OPEN_OR_ASKED = and_(
    _POSITIONS.c.user_id == bindparam("user_id"),
    _POSITIONS.c.broker == bindparam("broker"),
    (_POSITIONS.c.quantity != 0)
    | (
        (_POSITIONS.c.exchange == bindparam("exchange"))
        & (_POSITIONS.c.tradingsymbol == bindparam("tradingsymbol"))
        & (_POSITIONS.c.product == bindparam("product"))
    ),
)
_ANY_PENDING = exists().where(
    _ORDERS.c.user_id == bindparam("user_id"),
    _ORDERS.c.broker == bindparam("broker"),
    one_of(_ORDERS.c.status, PENDING),
)
_PORTFOLIOS = table_of(ModelPortfolio)
# Whether a paper portfolio keeps money of its own in the account (each book spends its
# own: `oms.funds`); a user without one is spared reading the portfolios' books.
_ANY_PORTFOLIO = exists().where(
    _PORTFOLIOS.c.user_id == bindparam("user_id"),
    _PORTFOLIOS.c.paper_mode.is_(True),
    _PORTFOLIOS.c.status != "retired",
)
_DAY = Prepared(select(_DAYS).where(_THE_DAY))
_NOTE = (
    "brokerage",
    "exchange_txn",
    "ipft",
    "sebi",
    "stamp",
    "stt_raw",
    "dp_isins",
    "delivery_flows",
    "total",
)
_HELD = ("quantity", "buy_quantity", "buy_value", "sell_quantity", "sell_value")
_OWNER = ("user_id", "broker")
_ACCOUNT_READ = Prepared(_ACCOUNT)
_NEW_ACCOUNT = Prepared(
    insert(_ACCOUNTS).returning(_ACCOUNTS.c.id),
    keys=(*_OWNER, "cash", "version", "rewritten", "ledger_stamp"),
)
# Every write of the books moves ``version``; taking trades back moves ``rewritten`` too.
_SET_CASH = Prepared(
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
    .values(
        version=_ACCOUNTS.c.version + 1,
        rewritten=_ACCOUNTS.c.rewritten + bindparam("rewrites"),
    ),
    keys=("cash", "ledger_stamp"),
)
_NEW_DAY = Prepared(insert(_DAYS).returning(_DAYS.c.id), keys=(*_OWNER, "trade_date", *_NOTE))
_SET_DAY = Prepared(update(_DAYS).where(_DAYS.c.id == bindparam("day_id")), keys=_NOTE)
_NEW_CASH = Prepared(
    insert(_CASH), keys=(*_OWNER, "at", "kind", "amount", "trade_pk", "note", "book")
)
_USER_POSITIONS = Prepared(select(_POSITIONS).where(_OPEN_OR_ASKED))
_ONE_POSITION = Prepared(
    select(_POSITIONS).where(
        _POSITIONS.c.user_id == bindparam("user_id"),
        _POSITIONS.c.broker == bindparam("broker"),
        _POSITIONS.c.exchange == bindparam("exchange"),
        _POSITIONS.c.tradingsymbol == bindparam("tradingsymbol"),
        _POSITIONS.c.product == bindparam("product"),
    )
)
_NEW_POSITION = Prepared(
    insert(_POSITIONS).returning(_POSITIONS.c.id),
    keys=(*_OWNER, "exchange", "tradingsymbol", "product", *_HELD),
)
_SET_POSITION = Prepared(
    update(_POSITIONS).where(_POSITIONS.c.id == bindparam("position_id")), keys=_HELD
)


_DAY_COLUMNS = tuple(c.key for c in _DAYS.c)
_POSITION_COLUMNS = tuple(c.key for c in _POSITIONS.c)
_EXACT = ExactDecimal()
_POSITION_FIELDS = (
    "id",
    "exchange",
    "tradingsymbol",
    "product",
    "quantity",
    "buy_quantity",
    "buy_value",
    "sell_quantity",
    "sell_value",
)
_MONEY_AT = [i for i, name in enumerate(_POSITION_FIELDS) if name.endswith("_value")]


@cache
def _books_query(dialect: str) -> Prepared:
    """Everything a placement reads in one row: a one-row anchor outer-joined to the
    account and the day (either may be missing), with the positions as one JSON array
    (exact decimals as text) and whether any order is pending."""
    # In `_POSITION_FIELDS` order; money as text, so JSON carries it exactly.
    row = [
        cast(column, Text) if column.key.endswith("_value") else column
        for column in (_POSITIONS.c[name] for name in _POSITION_FIELDS)
    ]
    if dialect == "postgresql":
        array = func.json_agg(func.json_build_array(*row))
    else:
        array = func.json_group_array(func.json_array(*row))
    positions = select(array).where(_OPEN_OR_ASKED).scalar_subquery()
    query = select(
        _ACCOUNTS.c.id.label("account_id"),
        _ACCOUNTS.c.cash,
        *(c.label(f"day_{c.key}") for c in _DAYS.c),
        positions.label("positions"),
        _ANY_PENDING.label("any_pending"),
        _ANY_PORTFOLIO.label("any_portfolio"),
    ).select_from(
        select(literal(1).label("one"))
        .subquery("anchor")
        .outerjoin(
            _ACCOUNTS,
            and_(
                _ACCOUNTS.c.user_id == bindparam("user_id"),
                _ACCOUNTS.c.broker == bindparam("broker"),
            ),
        )
        .outerjoin(_DAYS, _THE_DAY)
    )
    return Prepared(query)


def lock_user_books(
    db: Session, *, user_ids: Iterable[int], broker: str, also: Iterable[str] = ()
) -> None:
    """Hold the ledger locks of these users (and the locks named in `also`, taken with
    them) until the transaction ends."""
    lock_names(db, [*(f"books:{broker}:{user_id}" for user_id in user_ids), *also])


@dataclass(slots=True)
class Account:
    """A paper account's balance as read (``id`` None: never moved, no row yet)."""

    id: int | None
    cash: Decimal


PositionKey = tuple[str, str, str]  # exchange, tradingsymbol, product


@dataclass(slots=True)
class Position:
    """One symbol and product's running net position (``id`` None: new, no row yet)."""

    id: int | None
    exchange: str
    tradingsymbol: str
    product: str
    quantity: int = 0
    buy_quantity: int = 0
    buy_value: Decimal = Decimal(0)
    sell_quantity: int = 0
    sell_value: Decimal = Decimal(0)

    @property
    def key(self) -> PositionKey:
        """Exchange, symbol and product."""
        return (self.exchange, self.tradingsymbol, self.product)

    @property
    def average_price(self) -> Decimal:
        """Average price of the open side (buys for a long, sells for a short)."""
        if self.quantity > 0 and self.buy_quantity:
            return self.buy_value / self.buy_quantity
        if self.quantity < 0 and self.sell_quantity:
            return self.sell_value / self.sell_quantity
        return Decimal(0)

    def add(self, *, buy: bool, quantity: int, price: Decimal) -> None:
        """Apply one execution."""
        if buy:
            self.quantity += quantity
            self.buy_quantity += quantity
            self.buy_value += price * quantity
        else:
            self.quantity -= quantity
            self.sell_quantity += quantity
            self.sell_value += price * quantity


def load_account(db: Session, *, user_id: int, broker: str) -> Account:
    """The account's running balance (0 for an account that never moved)."""
    row = _ACCOUNT_READ.first(db, {"user_id": user_id, "broker": broker})
    return Account(None, Decimal(0)) if row is None else Account(row[0], row[1])


def cash(db: Session, *, user_id: int, broker: str) -> Decimal:
    """The running cash balance (0 for an account that never moved)."""
    return load_account(db, user_id=user_id, broker=broker).cash


def save_account(
    db: Session, account: Account, *, user_id: int, broker: str, rewrites: int = 0
) -> None:
    """Store the balance (the first movement creates the row), count the write and stamp
    it anew; ``rewrites`` counts booked trades taken back (see `PaperAccount`).

    Whatever writes a user's trades or cash entries saves the account in the same
    transaction, after them (`ledger.Ledger.write` does): the risk monitor's folded trades
    follow ``version`` and the read views' snapshots ``ledger_stamp`` (`oms.paper.snapshot`).
    """
    stamp = new_ledger_stamp()
    if account.id is None:
        params = {
            "user_id": user_id,
            "broker": broker,
            "cash": account.cash,
            "version": 1,
            "rewritten": rewrites,
            "ledger_stamp": stamp,
        }
        account.id = _NEW_ACCOUNT.scalar(db, params)
    else:
        params = {
            "account_id": account.id,
            "cash": account.cash,
            "rewrites": rewrites,
            "ledger_stamp": stamp,
        }
        _SET_CASH.execute(db, params)


def new_ledger_stamp() -> int:
    """A ledger stamp no other booking will have: random, not counted, so a stamp set by a
    transaction that then rolls back is never the stamp of a committed ledger (a view
    derived inside that transaction is filed under a stamp nobody reads again)."""
    return secrets.randbits(62) + 1


def insert_cash_entries(db: Session, entries: list[dict[str, Any]]) -> None:
    """Store cash movements (each dict holds every `CashEntry` column but the id)."""
    _NEW_CASH.execute_many(db, entries)


@dataclass(slots=True)
class StoredDay:
    """A day's contract note as read: its row id (None: new) and total as stored."""

    id: int | None
    note: ChargeDay
    total: Decimal


def load_day(db: Session, *, user_id: int, broker: str, trade_date: date) -> StoredDay:
    """The running contract note of one trading day (empty if nothing traded yet)."""
    params = {"user_id": user_id, "broker": broker, "trade_date": trade_date.isoformat()}
    row = _DAY.first(db, params)
    if row is None:
        return StoredDay(None, ChargeDay(trade_date, schedules=schedules_of(broker)), Decimal(0))
    return _stored_day(trade_date, dict(zip(_DAY_COLUMNS, row, strict=True)), broker)


@dataclass(slots=True)
class Books:
    """What a placement reads of one user's books, in one statement."""

    account: Account
    day: StoredDay
    positions: dict[PositionKey, Position]
    any_pending: bool  # whether any order of the user may still fill
    any_portfolio: bool  # whether a paper portfolio (not retired) has a book of its own


def load_books(
    db: Session, *, user_id: int, broker: str, trade_date: date, position: PositionKey
) -> Books:
    """`load_account`, `load_day` and `load_positions` (asking for `position`) at once."""
    exchange, tradingsymbol, product = position
    params = {
        "user_id": user_id,
        "broker": broker,
        "trade_date": trade_date.isoformat(),
        "exchange": exchange,
        "tradingsymbol": tradingsymbol,
        "product": product,
    }
    dialect = db.get_bind().dialect
    row = _books_query(dialect.name).first(db, params)
    assert row is not None  # the anchor row is always there
    account_id, cash, *day_values = row[: 2 + len(_DAY_COLUMNS)]
    positions, any_pending, any_portfolio = row[2 + len(_DAY_COLUMNS) :]
    account = Account(None, Decimal(0)) if account_id is None else Account(account_id, cash)
    if day_values[0] is None:
        day = StoredDay(None, ChargeDay(trade_date, schedules=schedules_of(broker)), Decimal(0))
    else:
        stored = dict(zip(_DAY_COLUMNS, day_values, strict=True))
        day = _stored_day(trade_date, stored, broker)
    rows = _json_rows(positions, dialect)
    held = (_position(dict(zip(_POSITION_FIELDS, r, strict=True))) for r in rows)
    return Books(account, day, {p.key: p for p in held}, bool(any_pending), bool(any_portfolio))


def _json_rows(raw: Any, dialect: Dialect) -> list[list[Any]]:
    if raw is None:  # PostgreSQL aggregates no rows to NULL
        return []
    # psycopg hands JSON over decoded, sqlite3 as text; money came as exact text.
    rows: list[list[Any]] = json.loads(raw) if isinstance(raw, str) else raw
    for values in rows:
        for i in _MONEY_AT:
            values[i] = _EXACT.process_result_value(values[i], dialect)
    return rows


def _demat_sale(entry: str) -> tuple[str, Decimal]:
    """A stored ``ISIN=value`` (value sold from demat that day). A note stored before the
    values were kept lists bare ISINs: each was charged in full, as if sold for no less than
    any waiver's limit."""
    isin, _, sold = entry.partition("=")
    return isin, Decimal(sold) if sold else Decimal("Infinity")


def _stored_day(trade_date: date, row: Mapping[Any, Any], broker: str) -> StoredDay:
    """A stored note, priced on `broker`'s schedule (notes are kept per broker)."""
    note = ChargeDay(
        trade_date,
        brokerage=row["brokerage"],
        exchange_txn=row["exchange_txn"],
        ipft=row["ipft"],
        sebi=row["sebi"],
        stamp=row["stamp"],
        stt_raw={group: Decimal(raw) for group, raw in row["stt_raw"].items()},
        dp_sold=dict(_demat_sale(entry) for entry in row["dp_isins"]),
        delivery={key: DeliveryFlow.read(raw) for key, raw in row["delivery_flows"].items()},
        schedules=schedules_of(broker),
    )
    return StoredDay(row["id"], note, row["total"])


def save_day(db: Session, day: StoredDay, *, user_id: int, broker: str) -> None:
    """Store the day's running parts and total (the first fill creates the row)."""
    note = day.note
    values = {
        "brokerage": note.brokerage,
        "exchange_txn": note.exchange_txn,
        "ipft": note.ipft,
        "sebi": note.sebi,
        "stamp": note.stamp,
        "stt_raw": {group: str(raw) for group, raw in note.stt_raw.items()},
        "dp_isins": [f"{isin}={sold}" for isin, sold in sorted(note.dp_sold.items())],
        "delivery_flows": {key: flow.stored() for key, flow in note.delivery.items()},
        "total": day.total,
    }
    if day.id is None:
        trade_date = note.trade_date.isoformat()
        params = {"user_id": user_id, "broker": broker, "trade_date": trade_date, **values}
        day.id = _NEW_DAY.scalar(db, params)
    else:
        _SET_DAY.execute(db, {"day_id": day.id, **values})


def load_positions(
    db: Session, *, user_id: int, broker: str, also: PositionKey | None = None
) -> dict[PositionKey, Position]:
    """The user's open positions, and the one at `also` if it is flat, by key.

    A flat position is read only when asked for: an account that traded thousands of
    symbols over the years reads what it holds, not its history.
    """
    rows = _USER_POSITIONS.rows(db, _position_params(user_id, broker, also))
    positions = (_position(dict(zip(_POSITION_COLUMNS, row, strict=True))) for row in rows)
    return {p.key: p for p in positions}


def load_position(db: Session, *, user_id: int, broker: str, key: PositionKey) -> Position:
    """The user's position at `key` alone (flat when it has no row yet): what a fill moves,
    when nothing needs the other open positions (a model portfolio's virtual fill, whose
    user may hold hundreds: reading them all for each fill of a scan grew as its square)."""
    row = _ONE_POSITION.first(db, _position_params(user_id, broker, key))
    if row is None:
        return Position(None, *key)
    return _position(dict(zip(_POSITION_COLUMNS, row, strict=True)))


def _position_params(user_id: int, broker: str, key: PositionKey | None) -> dict[str, Any]:
    """A positions read's parameters: the owner's, and the key asked for (None: none)."""
    exchange, tradingsymbol, product = key or (None, None, None)
    return {
        "user_id": user_id,
        "broker": broker,
        "exchange": exchange,
        "tradingsymbol": tradingsymbol,
        "product": product,
    }


def _position(row: Mapping[Any, Any]) -> Position:
    return Position(
        row["id"],
        row["exchange"],
        row["tradingsymbol"],
        row["product"],
        row["quantity"],
        row["buy_quantity"],
        row["buy_value"],
        row["sell_quantity"],
        row["sell_value"],
    )


def save_positions(
    db: Session, positions: Iterable[Position], *, user_id: int, broker: str
) -> None:
    """Store positions a transaction changed (new ones are inserted)."""
    changed: list[dict[str, Any]] = []
    for position in positions:
        values = {
            "quantity": position.quantity,
            "buy_quantity": position.buy_quantity,
            "buy_value": position.buy_value,
            "sell_quantity": position.sell_quantity,
            "sell_value": position.sell_value,
        }
        if position.id is None:  # a symbol's first trade in this product
            params = {
                "user_id": user_id,
                "broker": broker,
                "exchange": position.exchange,
                "tradingsymbol": position.tradingsymbol,
                "product": position.product,
                **values,
            }
            position.id = _NEW_POSITION.scalar(db, params)
        else:
            changed.append({"position_id": position.id, **values})
    _SET_POSITION.execute_many(db, changed)
