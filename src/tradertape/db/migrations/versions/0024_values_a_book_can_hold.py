"""values a book can hold: quarantine rows stored before numbers were checked

Before issue 22 a GTT's trigger values and leg prices (JSON text) took any number
(``1E+999``, ``1e-30``, off the paise grid), and SQLite's decimal columns (text) took what
a request or a computation produced. Such a trigger broke the background jobs when it
fired; such a risk event broke every read of the user's risk events. This repairs them:

- an active GTT, or one that fired but placed nothing, whose values are no price a book
  can hold (not a finite number above 0 and up to 10^10, or off the ₹0.01 grid every tick
  divides), or whose leg quantity is no positive whole number up to 10^8, becomes
  ``rejected`` with the reason in its result, as a trigger whose order is refused does;
- a working order (SQLite) with such a price or trigger becomes ``REJECTED``, with an
  event in its history, so it holds no margin and no loop matches it;
- a risk event (SQLite) keeps its story but an absurd value or threshold becomes null (the
  API shows "unknown") and an absurd price 0.

PostgreSQL's NUMERIC columns never held such values (an insert overflowed), so only the
GTTs' JSON is scanned there. The rule is written out here, not imported: a migration must
keep doing what it did when the code it would import has changed. Nothing is undone by
the downgrade: the values were unusable.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_PRICE = Decimal(10) ** 10
MAX_QUANTITY = 100_000_000
PAISA = Decimal("0.01")
REASON = "Rejected on upgrade: {problem}; this value cannot be held (issue 22)."
_WORKING = ("OPEN", "TRIGGER PENDING", "AMO REQ RECEIVED")
# Text a sound decimal column holds on SQLite: digits, a point, a sign; anything else
# (an exponent, NaN, Infinity) or a long one is looked at in Python.
_ODD_TEXT = "({col} GLOB '*[^0-9.-]*' OR length({col}) > 22)"

_gtts = sa.table(
    "gtts",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("order_pk", sa.Integer),
    sa.column("trigger_values", sa.JSON),
    sa.column("last_price", tradertape.db.types.ExactDecimal(18, 4)),
    sa.column("orders", sa.JSON),
    sa.column("result", sa.JSON),
    sa.column("updated_at", tradertape.db.types.UTCDateTime()),
)
_orders = sa.table(
    "orders",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("status_message", sa.Text),
    sa.column("price", sa.String),
    sa.column("trigger_price", sa.String),
    sa.column("updated_at", tradertape.db.types.UTCDateTime()),
)
_order_events = sa.table(
    "order_events",
    sa.column("order_pk", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status_after", sa.String),
    sa.column("ts_event", tradertape.db.types.UTCDateTime()),
    sa.column("ts_init", tradertape.db.types.UTCDateTime()),
    sa.column("fill_quantity", sa.Integer),
    sa.column("message", sa.Text),
)
_risk_events = sa.table(
    "risk_events",
    sa.column("id", sa.Integer),
    sa.column("price", sa.String),
    sa.column("value", sa.String),
    sa.column("threshold", sa.String),
)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _price_problem(value: Any, name: str) -> str | None:
    number = _number(value)
    if number is None or not 0 < number <= MAX_PRICE:
        return f"{name} {value!r} is not a price above 0 and up to {MAX_PRICE:,}"
    if number % PAISA:
        return f"{name} {value} is not a multiple of ₹0.01"
    return None


def _gtt_problem(row: Any) -> str | None:
    values = row.trigger_values if isinstance(row.trigger_values, list) else [None]
    legs = row.orders if isinstance(row.orders, list) else [None]
    checks = [_price_problem(row.last_price, "last_price")]
    checks += [_price_problem(v, f"trigger_values[{i}]") for i, v in enumerate(values)]
    for i, raw in enumerate(legs):
        leg: dict[str, Any] = raw if isinstance(raw, dict) else {}
        checks.append(_price_problem(leg.get("price"), f"orders[{i}].price"))
        quantity = leg.get("quantity")
        whole = isinstance(quantity, int) and not isinstance(quantity, bool)
        if not whole or not 0 < int(quantity or 0) <= MAX_QUANTITY:
            checks.append(f"orders[{i}].quantity {quantity!r} is not a whole number of units")
    return next((c for c in checks if c is not None), None)


def _quarantine_gtts(connection: sa.Connection, now: datetime) -> None:
    stuck = sa.or_(
        _gtts.c.status == "active",
        sa.and_(_gtts.c.status == "triggered", _gtts.c.order_pk.is_(None)),
    )
    for row in connection.execute(sa.select(_gtts).where(stuck)).all():
        problem = _gtt_problem(row)
        if problem is None:
            continue
        result = {
            "order_result": {
                "status": "failed",
                "order_id": None,
                "rejection_reason": REASON.format(problem=problem),
            }
        }
        connection.execute(
            _gtts.update()
            .where(_gtts.c.id == row.id)
            .values(status="rejected", result=result, updated_at=now)
        )


def _reject_orders(connection: sa.Connection, now: datetime) -> None:
    odd = sa.text(f"({_ODD_TEXT.format(col='price')} OR {_ODD_TEXT.format(col='trigger_price')})")
    query = sa.select(_orders).where(_orders.c.status.in_(_WORKING), odd)
    for row in connection.execute(query).all():
        problems = [
            f"{name} {value!r} is not a price up to {MAX_PRICE:,}"
            for name, value in (("price", row.price), ("trigger_price", row.trigger_price))
            if value is not None and not (_number(value) is not None and _sane(value))
        ]
        if not problems:
            continue
        message = REASON.format(problem=problems[0])
        connection.execute(
            _orders.update()
            .where(_orders.c.id == row.id)
            .values(status="REJECTED", status_message=message, updated_at=now)
        )
        connection.execute(
            _order_events.insert().values(
                order_pk=row.id,
                kind="rejected",
                status_after="REJECTED",
                ts_event=now,
                ts_init=now,
                fill_quantity=0,
                message=message,
            )
        )


def _sane(value: Any) -> bool:
    number = _number(value)
    return number is not None and 0 <= number <= MAX_PRICE


def _clear_risk_events(connection: sa.Connection) -> None:
    columns = ("price", "value", "threshold")
    odd = sa.text("(" + " OR ".join(_ODD_TEXT.format(col=c) for c in columns) + ")")
    for row in connection.execute(sa.select(_risk_events).where(odd)).all():
        changes: dict[str, Any] = {}
        for column in ("value", "threshold"):
            if not _fits(getattr(row, column)):
                changes[column] = None
        if not _fits(row.price):
            changes["price"] = "0"
        if changes:
            connection.execute(
                _risk_events.update().where(_risk_events.c.id == row.id).values(**changes)
            )


def _fits(value: Any) -> bool:
    """Whether a stored amount is one NUMERIC(20, 4) holds (None is fine)."""
    if value is None:
        return True
    number = _number(value)
    return number is not None and abs(number) < Decimal(10) ** 16


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    _quarantine_gtts(connection, now)
    if connection.dialect.name == "sqlite":
        _reject_orders(connection, now)
        _clear_risk_events(connection)


def downgrade() -> None:
    pass  # the values were unusable; nothing to restore
