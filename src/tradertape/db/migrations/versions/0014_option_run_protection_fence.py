"""option run protection fence: the generation and exit claim of automatic option protection

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worker_option_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "protection_generation", sa.Integer(), server_default=sa.text("1"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("protection_claim", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worker_option_runs", schema=None) as batch_op:
        batch_op.drop_column("protection_claim")
        batch_op.drop_column("protection_generation")
