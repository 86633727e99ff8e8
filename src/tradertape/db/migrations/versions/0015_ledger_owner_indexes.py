"""ledger owner indexes: drop user_id indexes that a user-leading key already covers

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each of these tables has a unique key or index that starts with user_id.
TABLES = ("orders", "trades", "charge_days", "paper_positions", "paper_accounts")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_user_id", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_user_id", table, ["user_id"], unique=False)
