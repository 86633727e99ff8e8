"""journal versions: a number per user bumped whenever their uploaded trades or ledger
lines change, or a fill is taken back, so the journal's kept book is checked with one read
instead of aggregates over every trade (issue 69)

Revision ID: 0073
Revises: 0072
Create Date: 2026-11-29 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0073"
down_revision: str | None = "0072"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journal_versions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_journal_versions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_journal_versions")),
    )
    # the newest fill of a user in one index step (the kept book's other half of its check)
    op.create_index("ix_trades_user_id", "trades", ["user_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_trades_user_id", table_name="trades")
    op.drop_table("journal_versions")
