"""options sweeps: a sweep's kind (equity or options) and an options sweep's lack of a split
(issue 67)

Revision ID: 0075
Revises: 0074
Create Date: 2026-11-29 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0075"
down_revision: str | None = "0074"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("backtest_sweeps") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="equity", nullable=False)
        )
        batch.alter_column("split_date", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM backtest_sweeps WHERE kind = 'options'")
    with op.batch_alter_table("backtest_sweeps") as batch:
        batch.alter_column("split_date", existing_type=sa.Date(), nullable=False)
        batch.drop_column("kind")
