"""an order's modification keeps its old and new terms; a sweep's variant opens as a run

Issue 53: the order history shows "Price 101.00 → 102.50" for a modification, so each
``modified`` event keeps ``changes``, its terms before and after (null for every other event
and for modifications recorded before). A sweep's cell opens the backtest run of its
variant, run once: ``backtest_runs`` says which sweep and variant a run is (plain integers,
as ``user_strategies.last_backtest_id``: no foreign key, so neither table is copied on
SQLite), unique together.

Revision ID: 0045
Revises: 0041
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy): on SQLite a copy of `backtest_runs` or
    # `order_events` would be a new table under the old name, for nothing.
    op.add_column("order_events", sa.Column("changes", sa.JSON(), nullable=True))
    op.add_column("backtest_runs", sa.Column("sweep_id", sa.Integer(), nullable=True))
    op.add_column("backtest_runs", sa.Column("sweep_variant", sa.Integer(), nullable=True))
    op.create_index(
        "ux_backtest_runs_sweep_variant",
        "backtest_runs",
        ["sweep_id", "sweep_variant"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_backtest_runs_sweep_variant", table_name="backtest_runs")
    # SQLite (3.35 and later) drops a plain column in place, as PostgreSQL does.
    op.execute("ALTER TABLE backtest_runs DROP COLUMN sweep_variant")
    op.execute("ALTER TABLE backtest_runs DROP COLUMN sweep_id")
    op.execute("ALTER TABLE order_events DROP COLUMN changes")
