"""The user's uploaded trades read as plain columns, fast.

A 3-year tradebook is tens of thousands of rows, and the journal reads them all on its first
page. Read through the column types, every value goes through SQLAlchemy's result
processors (text to `Decimal`, text to date, naive to UTC) one call at a time, which was
most of that page's time on SQLite. Here the columns are read as the driver returns them
(text on SQLite; `Decimal`, date and datetime objects on PostgreSQL) and converted once
per distinct value: quantities, days and often prices repeat. Each conversion gives what
the column type gives (`db.types.ExactDecimal`, `db.types.UTCDateTime`), so the journal's
figures cannot differ by the path.

A row no journal can compute with (stored before statements were checked: a price of
``1E+999999``, a quantity of ``1E+30``, a day in year 1; migration 0041 removes them) is
left out rather than failing every page of the journal, the wealth view and the family's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from tradertape.db.models.journal import UploadedTrade
from tradertape.domain.decimal_input import MAX_PRICE
from tradertape.domain.orders import MAX_QUANTITY
from tradertape.journal.bounds import EARLIEST, LATEST
from tradertape.journal.trades import UPLOAD, JournalTrade

DERIVATIVE_EXCHANGES = frozenset({"NFO", "BFO", "MCX", "CDS"})


def _raw(column: Any) -> Any:
    """The column as the driver returns it (no result processor)."""
    return type_coerce(column, String)


_COLUMNS = (
    UploadedTrade.broker,
    UploadedTrade.account_code,
    UploadedTrade.exchange,
    UploadedTrade.segment,
    UploadedTrade.symbol,
    UploadedTrade.isin,
    _raw(UploadedTrade.trade_date),
    _raw(UploadedTrade.executed_at),
    UploadedTrade.side,
    _raw(UploadedTrade.quantity),
    _raw(UploadedTrade.price),
    UploadedTrade.trade_id,
    UploadedTrade.order_id,
    _raw(UploadedTrade.expiry),
    _raw(UploadedTrade.charges),
)


def decimals(most: Decimal, *, zero: bool = False) -> Callable[[Any], Decimal | None]:
    """Text or a driver's `Decimal` as `ExactDecimal` reads it (no trailing zeros); None for
    one that is not a number above 0 (or 0 itself, with `zero`) and up to `most`."""
    memo: dict[Any, Decimal | None] = {}

    def convert(value: Any) -> Decimal | None:
        try:
            return memo[value]
        except KeyError:
            pass
        try:
            number = value if isinstance(value, Decimal) else Decimal(value)
            sane = number.is_finite() and (number > 0 or zero and number == 0) and number <= most
            found = Decimal(format(number.normalize(), "f")) if sane else None
        except (ArithmeticError, TypeError, ValueError):
            found = None
        memo[value] = found
        return found

    return convert


def days() -> Callable[[Any], date | None]:
    """ISO text (SQLite) or a date (PostgreSQL) as a date; None for none, or for a day
    outside the statements' bounds."""
    memo: dict[Any, date | None] = {None: None}

    def convert(value: Any) -> date | None:
        try:
            return memo[value]
        except KeyError:
            pass
        try:
            found = value if isinstance(value, date) else date.fromisoformat(value)
        except (TypeError, ValueError):
            found = None
        memo[value] = found if found is not None and EARLIEST <= found <= LATEST else None
        return memo[value]

    return convert


def moment(value: Any) -> datetime | None:
    """A stored moment as `UTCDateTime` reads it: aware, in UTC; None for none, or for one
    outside the statements' bounds."""
    if value is None:
        return None
    try:
        found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        found = found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return found if EARLIEST <= found.date() <= LATEST else None


def uploaded_trades(db: Session, *, user_id: int) -> list[JournalTrade]:
    """The user's uploaded tradebook rows as journal trades (unordered)."""
    # Core, not the ORM session: no ORM row wrapping for tens of thousands of rows
    query = select(*_COLUMNS).where(UploadedTrade.user_id == user_id)
    rows = db.connection().execute(query).all()
    quantities, prices = decimals(Decimal(MAX_QUANTITY)), decimals(MAX_PRICE, zero=True)
    charged = decimals(MAX_PRICE, zero=True)  # a statement's own charges (see the column)
    day = days()
    out: list[JournalTrade] = []
    append = out.append
    for (
        broker,
        account_code,
        exchange,
        segment,
        symbol,
        isin,
        trade_date,
        executed_at,
        side,
        quantity,
        price,
        trade_id,
        order_id,
        expiry,
        stated,
    ) in rows:
        units, paid, traded = quantities(quantity), prices(price), day(trade_date)
        if units is None or paid is None or traded is None:
            continue  # a value no journal computes with (see the module)
        append(
            JournalTrade(
                source=UPLOAD,
                broker=broker,
                account=account_code or broker,
                exchange=exchange,
                # derivatives (F&O, currency, commodity) are one head of income: "FO"
                segment="EQ" if segment == "EQ" and exchange not in DERIVATIVE_EXCHANGES else "FO",
                symbol=symbol,
                isin=isin,
                day=traded,
                at=moment(executed_at),
                side=side,
                quantity=units,
                price=paid,
                trade_id=trade_id,
                order_id=order_id,
                expiry=day(expiry),
                charges=None if stated is None else charged(stated),
            )
        )
    return out
