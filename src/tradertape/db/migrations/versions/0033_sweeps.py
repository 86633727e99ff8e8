"""parameter sweeps, and backtest runs that report progress

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-24 22:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of a table on SQLite cascade-deletes the rows that
    # reference it.
    op.add_column("backtest_runs", sa.Column("stage", sa.String(length=24), nullable=True))
    op.add_column("backtest_runs", sa.Column("error", sa.String(length=500), nullable=True))
    op.add_column(
        "backtest_runs",
        sa.Column("heartbeat_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "backtest_sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("strategy_version", sa.Integer(), nullable=True),
        sa.Column("strategy_name", sa.String(length=120), nullable=False),
        sa.Column("strategy_snapshot", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("executor", sa.String(length=16), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("split_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("elapsed_s", sa.Double(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["user_strategies.id"],
            name=op.f("fk_backtest_sweeps_strategy_id_user_strategies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_backtest_sweeps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_sweeps")),
    )
    with op.batch_alter_table("backtest_sweeps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backtest_sweeps_strategy_id"), ["strategy_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_backtest_sweeps_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("backtest_sweeps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backtest_sweeps_user_id"))
        batch_op.drop_index(batch_op.f("ix_backtest_sweeps_strategy_id"))
    op.drop_table("backtest_sweeps")
    # Plain DROP COLUMNs (SQLite 3.35+), not a batch copy: recreating a table on SQLite
    # cascade-deletes the rows that reference it.
    op.drop_column("backtest_runs", "heartbeat_at")
    op.drop_column("backtest_runs", "error")
    op.drop_column("backtest_runs", "stage")
