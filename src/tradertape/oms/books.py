"""The stored running aggregates of the paper ledger: each account's cash balance and each
trading day's contract note, read and written as rows.

Both change with every fill, so both are read and written under the user's ledger lock
(`lock_user_books`): fills booked by two processes for one user serialize instead of
losing an update. They are plain Core reads and writes, never ORM objects, so no
session ever holds a stale copy of a balance; `oms.booking` decides what to write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, insert, literal, select, update
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models.trading import CashEntry, ChargeDayRow, PaperAccount
from tradertape.db.rows import table_of
from tradertape.domain.charge_day import ChargeDay

_ACCOUNTS = table_of(PaperAccount)
_DAYS = table_of(ChargeDayRow)
_CASH = table_of(CashEntry)

_ACCOUNT = select(_ACCOUNTS.c.id, _ACCOUNTS.c.cash).where(
    _ACCOUNTS.c.user_id == bindparam("user_id"), _ACCOUNTS.c.broker == bindparam("broker")
)
_THE_DAY = and_(
    _DAYS.c.user_id == bindparam("user_id"),
    _DAYS.c.broker == bindparam("broker"),
    _DAYS.c.trade_date == bindparam("trade_date"),
)
# Both in one round trip: a one-row anchor, outer-joined to each (either may be missing).
_BOTH = select(
    _ACCOUNTS.c.id.label("account_id"),
    _ACCOUNTS.c.cash,
    *(c.label(f"day_{c.key}") for c in _DAYS.c),
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
_DAY = select(_DAYS).where(_THE_DAY)
_NEW_ACCOUNT = insert(_ACCOUNTS).returning(_ACCOUNTS.c.id)
_SET_CASH = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id"))
_NEW_DAY = insert(_DAYS).returning(_DAYS.c.id)
_SET_DAY = update(_DAYS).where(_DAYS.c.id == bindparam("day_id"))
_NEW_CASH = insert(_CASH)


def lock_user_books(db: Session, *, user_ids: Iterable[int], broker: str) -> None:
    """Hold the ledger locks of these users until the transaction ends."""
    lock_names(db, [f"books:{broker}:{user_id}" for user_id in user_ids])


@dataclass(slots=True)
class Account:
    """A paper account's balance as read (``id`` None: never moved, no row yet)."""

    id: int | None
    cash: Decimal


def load_account(db: Session, *, user_id: int, broker: str) -> Account:
    """The account's running balance (0 for an account that never moved)."""
    row = db.execute(_ACCOUNT, {"user_id": user_id, "broker": broker}).first()
    return Account(None, Decimal(0)) if row is None else Account(row.id, row.cash)


def cash(db: Session, *, user_id: int, broker: str) -> Decimal:
    """The running cash balance (0 for an account that never moved)."""
    return load_account(db, user_id=user_id, broker=broker).cash


def save_account(db: Session, account: Account, *, user_id: int, broker: str) -> None:
    """Store the balance (the first movement creates the row)."""
    if account.id is None:
        params = {"user_id": user_id, "broker": broker, "cash": account.cash}
        account.id = db.execute(_NEW_ACCOUNT, params).scalar_one()
    else:
        db.execute(_SET_CASH, {"account_id": account.id, "cash": account.cash})


def insert_cash_entries(db: Session, entries: list[dict[str, Any]]) -> None:
    """Store cash movements (each dict holds every `CashEntry` column but the id)."""
    if entries:
        db.execute(_NEW_CASH, entries)


@dataclass(slots=True)
class StoredDay:
    """A day's contract note as read: its row id (None: new) and total as stored."""

    id: int | None
    note: ChargeDay
    total: Decimal


def load_day(db: Session, *, user_id: int, broker: str, trade_date: date) -> StoredDay:
    """The running contract note of one trading day (empty if nothing traded yet)."""
    params = {"user_id": user_id, "broker": broker, "trade_date": trade_date.isoformat()}
    row = db.execute(_DAY, params).first()
    if row is None:
        return StoredDay(None, ChargeDay(trade_date), Decimal(0))
    return _stored_day(trade_date, row._mapping)


def load_books(
    db: Session, *, user_id: int, broker: str, trade_date: date
) -> tuple[Account, StoredDay]:
    """`load_account` and `load_day` with one statement."""
    params = {"user_id": user_id, "broker": broker, "trade_date": trade_date.isoformat()}
    row = db.execute(_BOTH, params).one()
    account = (
        Account(None, Decimal(0)) if row.account_id is None else Account(row.account_id, row.cash)
    )
    if row.day_id is None:
        return account, StoredDay(None, ChargeDay(trade_date), Decimal(0))
    day = row._mapping
    return account, _stored_day(trade_date, {c.key: day[f"day_{c.key}"] for c in _DAYS.c})


def _stored_day(trade_date: date, row: Mapping[Any, Any]) -> StoredDay:
    note = ChargeDay(
        trade_date,
        brokerage=row["brokerage"],
        exchange_txn=row["exchange_txn"],
        ipft=row["ipft"],
        sebi=row["sebi"],
        stamp=row["stamp"],
        stt_raw={group: Decimal(raw) for group, raw in row["stt_raw"].items()},
        dp_isins=frozenset(row["dp_isins"]),
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
        "dp_isins": sorted(note.dp_isins),
        "total": day.total,
    }
    if day.id is None:
        trade_date = note.trade_date.isoformat()
        params = {"user_id": user_id, "broker": broker, "trade_date": trade_date, **values}
        day.id = db.execute(_NEW_DAY, params).scalar_one()
    else:
        db.execute(_SET_DAY, {"day_id": day.id, **values})
