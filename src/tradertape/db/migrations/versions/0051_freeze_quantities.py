"""NSE's F&O quantity freeze limits per underlying, imported from NSE's list, and the
parent key of an order's slices (issue 54)

Revision ID: 0051
Revises: 0050
Create Date: 2026-11-28 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "freeze_quantities",
        sa.Column("underlying", sa.String(length=64), nullable=False),
        sa.Column("freeze_quantity", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("imported_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("underlying", name=op.f("pk_freeze_quantities")),
    )
    op.add_column("orders", sa.Column("slice_parent", sa.String(length=40), nullable=True))
    op.create_index(
        "ix_orders_slice_parent",
        "orders",
        ["slice_parent"],
        postgresql_where=sa.text("slice_parent IS NOT NULL"),
        sqlite_where=sa.text("slice_parent IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_slice_parent", table_name="orders")
    # In place (SQLite 3.35 and later, as PostgreSQL): a batch copy of `orders` would drop
    # the table and, with foreign keys on, cascade to its trades.
    op.execute("ALTER TABLE orders DROP COLUMN slice_parent")
    op.drop_table("freeze_quantities")
