"""every order, trade and cash entry names the book it belongs to (manual, a portfolio, a run,
a live broker account)

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("orders", "trades", "cash_entries")


def _book(broker: str, attribution: Any) -> str:
    # The rule of tradertape.domain.books.book_of, frozen as it was when this ran.
    if broker != "paper":
        return f"live:{broker}"
    tags = json.loads(attribution) if isinstance(attribution, str) else (attribution or {})
    if isinstance(tags.get("portfolio_id"), int):
        return f"portfolio:{tags['portfolio_id']}"
    if isinstance(tags.get("run_pk"), int):
        return f"run:{tags['run_pk']}"
    return "manual"


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("book", sa.String(32), nullable=False, server_default="manual")
            )
    bind = op.get_bind()
    orders = bind.execute(sa.text("SELECT id, broker, attribution FROM orders")).all()
    books: dict[str, list[int]] = {}
    for pk, broker, attribution in orders:
        books.setdefault(_book(broker, attribution), []).append(pk)
    for book, pks in books.items():
        if book == "manual":
            continue
        for start in range(0, len(pks), 500):
            bind.execute(
                sa.text("UPDATE orders SET book = :book WHERE id IN :pks").bindparams(
                    sa.bindparam("pks", expanding=True)
                ),
                {"book": book, "pks": pks[start : start + 500]},
            )
    bind.execute(
        sa.text(
            "UPDATE trades SET book = (SELECT orders.book FROM orders "
            "WHERE orders.id = trades.order_pk)"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE cash_entries SET book = (SELECT trades.book FROM trades "
            "WHERE trades.id = cash_entries.trade_pk) WHERE trade_pk IS NOT NULL"
        )
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index("ix_trades_user_book", ["user_id", "book"])


def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_user_book")
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("book")
