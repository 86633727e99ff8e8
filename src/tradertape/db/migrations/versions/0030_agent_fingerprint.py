"""the account's upload obfuscation switch and the agent factor's fingerprint

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-24 22:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, not a batch copy of `users`: recreating it on SQLite would
    # cascade-delete every row that belongs to a user (orders, trades, cash).
    op.add_column(
        "users",
        sa.Column("upload_obfuscation", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("users", sa.Column("agent_factor_fingerprint", sa.String(length=64)))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: recreating `users` on SQLite
    # would cascade-delete every row that belongs to a user (orders, trades, cash).
    op.drop_column("users", "agent_factor_fingerprint")
    op.drop_column("users", "upload_obfuscation")
