"""worker protection: the generation fence and exit claim of backend protection

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 10:00:00.000000

Chains to 0007: 0008 (risk rules) lands on another branch; the chain is fixed on merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worker_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "protection_generation", sa.Integer(), server_default=sa.text("1"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("protection_claim", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("protection_armed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_worker_runs_protection_armed"), ["protection_armed"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("worker_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_runs_protection_armed"))
        batch_op.drop_column("protection_armed")
        batch_op.drop_column("protection_claim")
        batch_op.drop_column("protection_generation")
