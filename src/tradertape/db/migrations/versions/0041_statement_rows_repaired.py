"""repair statement rows stored before statements were checked (issue 49)

Before issue 49 a statement's numbers and days went in as the file wrote them: a price of
``1E+999999`` or a quantity of ``1E+30`` (SQLite keeps decimals as text), a trade dated
0001-01-01. Each made every read of the user's journal, wealth and family view fail. This
removes such rows, as a statement is now refused for them:

- a trade whose quantity is not above 0 and up to 10^8, whose price is not 0 to 10^10, or
  whose day is not between 1990-01-01 and 2099-12-31 (an out-of-bounds execution time or
  expiry only becomes null);
- a ledger line, a fund transaction or a CAS holding with a number that is not finite and
  below 10^15 in size, or a day outside those bounds (a holding's missing day stays missing);
- an upload's period outside the bounds becomes null; an upload that lost rows says so in
  its warnings and counts; the users' kept journal books are dropped (a cache, recomputed).

The rule is written out here, not imported: a migration must keep doing what it did when
the code it would import has changed. Nothing is undone by the downgrade: the rows were
unusable.

Revision ID: 0041
Revises: 0040
Create Date: 2026-11-28 13:00:00.000000
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST, LATEST = date(1990, 1, 1), date(2099, 12, 31)
LIMIT = Decimal(10) ** 15
MAX_PRICE = Decimal(10) ** 10
MAX_QUANTITY = Decimal(100_000_000)
NOTE = "rows removed on upgrade: their numbers or days could not be read (issue 49)"


def _number(value: Any) -> Decimal | None:
    """The stored decimal (text on SQLite), or None when it is none a book can hold."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() and abs(number) < LIMIT else None


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        try:
            found = date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    return found if EARLIEST <= found <= LATEST else None


def _sane(*values: Any) -> bool:
    return all(v is None or _number(v) is not None for v in values)


def _trade_ok(quantity: Any, price: Any, day: Any) -> bool:
    q, p = _number(quantity), _number(price)
    return (
        q is not None
        and 0 < q <= MAX_QUANTITY
        and p is not None
        and 0 <= p <= MAX_PRICE
        and _day(day) is not None
    )


def _raw(table: str, *columns: str) -> list[Any]:
    """id, user_id, upload_id and `columns` as the driver returns them (text on SQLite,
    where a date column's text may not even parse as a date)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    picked = ", ".join(f"CAST({c} AS TEXT)" if sqlite else c for c in columns)
    query = f"SELECT id, user_id, upload_id, {picked} FROM {table}"  # noqa: S608 - our names
    return list(op.get_bind().execute(sa.text(query)))


class _Removed:
    """The rows removed, by upload, and the users whose kept books are stale."""

    def __init__(self) -> None:
        self.by_upload: Counter[int] = Counter()
        self.users: set[int] = set()

    def drop(self, table: str, rows: list[Any]) -> None:
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), 500):
            listed = ", ".join(str(int(i)) for i in ids[start : start + 500])
            op.get_bind().execute(sa.text(f"DELETE FROM {table} WHERE id IN ({listed})"))  # noqa: S608
        for row in rows:
            self.by_upload[row[2]] += 1
            self.users.add(row[1])


def _trades(removed: _Removed) -> None:
    rows = _raw("journal_trades", "quantity", "price", "trade_date", "executed_at", "expiry")
    removed.drop("journal_trades", [r for r in rows if not _trade_ok(r[3], r[4], r[5])])
    for row in rows:
        if not _trade_ok(row[3], row[4], row[5]):
            continue
        for column, value in (("executed_at", row[6]), ("expiry", row[7])):
            if value is not None and _day(value) is None:
                op.get_bind().execute(
                    sa.text(f"UPDATE journal_trades SET {column} = NULL WHERE id = :id"),  # noqa: S608
                    {"id": row[0]},
                )
                removed.users.add(row[1])


def _rows(removed: _Removed) -> None:
    ledger = _raw("journal_ledger", "debit", "credit", "net_balance", "posting_date")
    removed.drop(
        "journal_ledger",
        [r for r in ledger if None in (r[3], r[4]) or not (_sane(*r[3:6]) and _day(r[6]))],
    )
    funds = _raw("journal_fund_transactions", "amount", "units", "nav", "balance", "day")
    removed.drop(
        "journal_fund_transactions", [r for r in funds if not (_sane(*r[3:7]) and _day(r[7]))]
    )
    held = _raw("journal_cas_holdings", "units", "price", "value", "cost", "as_of")
    removed.drop(
        "journal_cas_holdings",
        [
            r
            for r in held
            if r[3] is None or not _sane(*r[3:7]) or (r[7] is not None and _day(r[7]) is None)
        ],
    )


_UPLOADS = sa.table(
    "trade_uploads",
    sa.column("id", sa.Integer),
    sa.column("date_from", sa.Date),
    sa.column("date_to", sa.Date),
    sa.column("rows_added", sa.Integer),
    sa.column("warnings", sa.JSON),
)


def _uploads(removed: _Removed) -> None:
    bind = op.get_bind()
    query = (
        "SELECT id, user_id, CAST(date_from AS TEXT), CAST(date_to AS TEXT), rows_added, "
        "warnings FROM trade_uploads"
    )
    for upload_id, user_id, first, last, added, warnings in bind.execute(sa.text(query)).all():
        if any(day is not None and _day(day) is None for day in (first, last)):
            bind.execute(
                _UPLOADS.update()
                .where(_UPLOADS.c.id == upload_id)
                .values(date_from=None, date_to=None)
            )
        count = removed.by_upload[upload_id]
        if count:
            notes = json.loads(warnings) if isinstance(warnings, str) else warnings
            bind.execute(
                _UPLOADS.update()
                .where(_UPLOADS.c.id == upload_id)
                .values(
                    rows_added=max(0, added - count),
                    warnings=[*(notes if isinstance(notes, list) else []), f"{count} {NOTE}"],
                )
            )
            removed.users.add(user_id)


def upgrade() -> None:
    removed = _Removed()
    _trades(removed)
    _rows(removed)
    _uploads(removed)
    for user_id in removed.users:
        op.get_bind().execute(
            sa.text("DELETE FROM journal_books WHERE user_id = :u"), {"u": user_id}
        )


def downgrade() -> None:
    pass  # the removed rows were unusable; nothing to put back
