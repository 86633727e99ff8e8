"""options walk-forwards: a walk-forward's kind (equity or options) (issue 70)

Revision ID: 0079
Revises: 0078
Create Date: 2026-11-30 03:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0079"
down_revision: str | None = "0078"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("walk_forward_runs") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="equity", nullable=False)
        )


def downgrade() -> None:
    op.execute("DELETE FROM walk_forward_runs WHERE kind = 'options'")
    with op.batch_alter_table("walk_forward_runs") as batch:
        batch.drop_column("kind")
