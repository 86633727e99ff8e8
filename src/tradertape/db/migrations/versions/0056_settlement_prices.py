"""the journal's settlement prices: an F&O underlying's close on an expiry day, entered by
the user where the server has none (issue 63, item 1)

Revision ID: 0056
Revises: 0064
Create Date: 2026-11-29 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0056"
down_revision: str | None = "0064"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journal_settlement_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("underlying", sa.String(length=32), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("price", tradertape.db.types.ExactDecimal(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_journal_settlement_prices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_settlement_prices")),
    )
    with op.batch_alter_table("journal_settlement_prices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journal_settlement_prices_user_underlying_expiry",
            ["user_id", "underlying", "expiry"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("journal_settlement_prices", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_settlement_prices_user_underlying_expiry")
    op.drop_table("journal_settlement_prices")
