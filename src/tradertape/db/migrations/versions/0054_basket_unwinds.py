"""a halted basket's durable unwind mark (issue 55)

``basket_unwinds`` holds one row per basket that halted while a partner could still trade
or had filled: open (``done_at`` null) until no leg works and every fill is exited. The
trading loop reads the open rows on its timer, so a partner whose cancel failed after a
gate refused its leg is cancelled, or exited once it fills, by a later pass or after a
restart.

Revision ID: 0054
Revises: 0053
Create Date: 2026-11-29 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0054"
down_revision: str | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "basket_unwinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("basket", sa.String(length=160), nullable=False),
        sa.Column("broker", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_basket_unwinds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_basket_unwinds")),
        sa.UniqueConstraint("user_id", "basket", name=op.f("uq_basket_unwinds_user_id")),
    )
    op.create_index(
        "ix_basket_unwinds_open",
        "basket_unwinds",
        ["id"],
        postgresql_where=sa.text("done_at IS NULL"),
        sqlite_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_basket_unwinds_open", table_name="basket_unwinds")
    op.drop_table("basket_unwinds")
