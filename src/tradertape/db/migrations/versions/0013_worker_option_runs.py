"""worker option runs: multi-leg option strategies on worker runs (one per run)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_option_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("strategy_name", sa.String(length=200), nullable=False),
        sa.Column("product", sa.String(length=8), nullable=False),
        sa.Column("underlying", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.Column("protection", sa.JSON(), nullable=False),
        sa.Column("protection_state", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("exit", sa.JSON(), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_pk"],
            ["worker_runs.id"],
            name=op.f("fk_worker_option_runs_run_pk_worker_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_worker_option_runs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_option_runs")),
        sa.UniqueConstraint("run_pk", name=op.f("uq_worker_option_runs_run_pk")),
    )
    with op.batch_alter_table("worker_option_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worker_option_runs_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("worker_option_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_option_runs_user_id"))

    op.drop_table("worker_option_runs")
