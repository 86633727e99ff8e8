"""paper accounts count the writes of their books and stamp each anew (the risk desk's folded
trades check the counts, the read views' snapshots the stamp)

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-25 03:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of a table on SQLite cascade-deletes the rows that
    # reference it.
    op.add_column(
        "paper_accounts", sa.Column("version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "paper_accounts", sa.Column("rewritten", sa.Integer(), server_default="0", nullable=False)
    )
    # Random per write (`oms.books.new_ledger_stamp`); existing accounts start at 1.
    op.add_column(
        "paper_accounts",
        sa.Column("ledger_stamp", sa.BigInteger(), server_default="1", nullable=False),
    )


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+), not a batch copy.
    op.drop_column("paper_accounts", "ledger_stamp")
    op.drop_column("paper_accounts", "rewritten")
    op.drop_column("paper_accounts", "version")
