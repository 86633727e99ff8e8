"""paper positions: each symbol and product's running net position, backfilled from trades

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = tradertape.db.types.ExactDecimal(precision=20, scale=4)
_PRICE = tradertape.db.types.ExactDecimal(precision=18, scale=4)


def upgrade() -> None:
    positions = op.create_table(
        "paper_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker", sa.String(length=20), nullable=False),
        sa.Column("exchange", sa.String(length=8), nullable=False),
        sa.Column("tradingsymbol", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("buy_quantity", sa.Integer(), nullable=False),
        sa.Column("buy_value", _MONEY, nullable=False),
        sa.Column("sell_quantity", sa.Integer(), nullable=False),
        sa.Column("sell_value", _MONEY, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_paper_positions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_positions")),
        sa.UniqueConstraint(
            "user_id",
            "broker",
            "exchange",
            "tradingsymbol",
            "product",
            name=op.f("uq_paper_positions_user_id"),
        ),
    )
    with op.batch_alter_table("paper_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_positions_user_id"), ["user_id"], unique=False)
    assert positions is not None
    op.bulk_insert(positions, _from_trades())


def _from_trades() -> list[dict[str, Any]]:
    # Summed in Python: on SQLite the exact decimals are text, and SQL would sum floats.
    trades = sa.table(
        "trades",
        sa.column("user_id", sa.Integer()),
        sa.column("broker", sa.String()),
        sa.column("exchange", sa.String()),
        sa.column("tradingsymbol", sa.String()),
        sa.column("product", sa.String()),
        sa.column("transaction_type", sa.String()),
        sa.column("quantity", sa.Integer()),
        sa.column("price", _PRICE),
    )
    books: dict[tuple[int, str, str, str, str], dict[str, Any]] = {}
    for row in op.get_bind().execute(sa.select(trades)):
        key = (row.user_id, row.broker, row.exchange, row.tradingsymbol, row.product)
        book = books.setdefault(
            key,
            {
                "user_id": row.user_id,
                "broker": row.broker,
                "exchange": row.exchange,
                "tradingsymbol": row.tradingsymbol,
                "product": row.product,
                "quantity": 0,
                "buy_quantity": 0,
                "buy_value": Decimal(0),
                "sell_quantity": 0,
                "sell_value": Decimal(0),
            },
        )
        side = "buy" if row.transaction_type == "BUY" else "sell"
        book[f"{side}_quantity"] += row.quantity
        book[f"{side}_value"] += row.price * row.quantity
        book["quantity"] += row.quantity if side == "buy" else -row.quantity
    return list(books.values())


def downgrade() -> None:
    with op.batch_alter_table("paper_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_positions_user_id"))
    op.drop_table("paper_positions")
