"""Writing the paper ledger: cash movements with a running balance, and the day's charges.

Every cash entry also moves the account's running balance in the same transaction, and
each fill advances the day's contract note (`ChargeDay`) so its charges are the exact
difference it makes. Both rows are updated under a per-user lock, so fills booked by
two processes for one user serialize instead of losing an update.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models.trading import CashEntry, ChargeDayRow, PaperAccount
from tradertape.domain.charge_day import ChargeDay
from tradertape.domain.charges import Fill


def lock_user_books(db: Session, *, user_id: int, broker: str) -> None:
    """Hold the user's ledger lock until the transaction ends."""
    lock_names(db, [f"books:{broker}:{user_id}"])


def _account(db: Session, user_id: int, broker: str) -> PaperAccount:
    account = db.scalar(
        select(PaperAccount).where(PaperAccount.user_id == user_id, PaperAccount.broker == broker)
    )
    if account is None:
        account = PaperAccount(user_id=user_id, broker=broker, cash=Decimal(0))
        db.add(account)
    return account


def post_cash(
    db: Session,
    *,
    user_id: int,
    broker: str,
    at: datetime,
    kind: str,
    amount: Decimal,
    trade_pk: int | None = None,
    note: str | None = None,
) -> None:
    """Record a cash movement and move the running balance with it (no commit)."""
    db.add(
        CashEntry(
            user_id=user_id,
            broker=broker,
            at=at,
            kind=kind,
            amount=amount,
            trade_pk=trade_pk,
            note=note,
        )
    )
    account = _account(db, user_id, broker)
    account.cash = account.cash + amount


def cash(db: Session, *, user_id: int, broker: str) -> Decimal:
    """The running cash balance (0 for an account that never moved)."""
    value = db.scalar(
        select(PaperAccount.cash).where(
            PaperAccount.user_id == user_id, PaperAccount.broker == broker
        )
    )
    return value if value is not None else Decimal(0)


def add_fill_charges(
    db: Session,
    *,
    user_id: int,
    broker: str,
    trade_date: date,
    fill: Fill,
    order_value_before: Decimal,
) -> Decimal:
    """Advance the day's contract note by `fill` and return the charges it adds."""
    row = db.scalar(
        select(ChargeDayRow).where(
            ChargeDayRow.user_id == user_id,
            ChargeDayRow.broker == broker,
            ChargeDayRow.trade_date == trade_date.isoformat(),
        )
    )
    if row is None:
        day = ChargeDay(trade_date)
        row = ChargeDayRow(
            user_id=user_id,
            broker=broker,
            trade_date=trade_date.isoformat(),
            stt_raw={},
            dp_isins=[],
            total=Decimal(0),
        )
        db.add(row)
    else:
        day = ChargeDay(
            trade_date,
            brokerage=row.brokerage,
            exchange_txn=row.exchange_txn,
            ipft=row.ipft,
            sebi=row.sebi,
            stamp=row.stamp,
            stt_raw={group: Decimal(raw) for group, raw in row.stt_raw.items()},
            dp_isins=frozenset(row.dp_isins),
        )
    previous = row.total
    day = day.with_fill(fill, order_value_before=order_value_before)
    row.brokerage, row.exchange_txn, row.ipft = day.brokerage, day.exchange_txn, day.ipft
    row.sebi, row.stamp = day.sebi, day.stamp
    row.stt_raw = {group: str(raw) for group, raw in day.stt_raw.items()}
    row.dp_isins = sorted(day.dp_isins)
    row.total = day.total
    return row.total - previous
