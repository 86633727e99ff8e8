"""journal trades: the charges a statement states for a row (a simulator's settlement)

Revision ID: 0080
Revises: 0079
Create Date: 2026-11-30 07:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0080"
down_revision: str | None = "0079"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("journal_trades") as batch:
        batch.add_column(sa.Column("charges", tradertape.db.types.ExactDecimal(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journal_trades") as batch:
        batch.drop_column("charges")
