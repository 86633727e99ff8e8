"""a risk rule that exits a scope at a day's MTM (issue 55), and its state

An ``mtm_exit`` rule takes a loss (``threshold_amount``), a target (``target_amount``) and
a trail from the peak (``trail_amount``); its state is kept on the rule so a restart finds
the day's peak, the trip and the pause where they were: ``mtm_day`` (the trading day the
peak is of), ``mtm_peak``, ``tripped_at`` and ``trip_reason``, and ``paused`` (entries of
the scope refused until the user resumes).

Revision ID: 0049
Revises: 0048
Create Date: 2026-11-28 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = tradertape.db.types.ExactDecimal(20, 4)
_COLUMNS = ("trip_reason", "tripped_at", "mtm_peak", "mtm_day", "paused", "trail_amount")


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of the table on SQLite).
    op.add_column("risk_rules", sa.Column("target_amount", _MONEY, nullable=True))
    op.add_column("risk_rules", sa.Column("trail_amount", _MONEY, nullable=True))
    op.add_column(
        "risk_rules",
        sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("risk_rules", sa.Column("mtm_day", sa.Date(), nullable=True))
    op.add_column("risk_rules", sa.Column("mtm_peak", _MONEY, nullable=True))
    op.add_column(
        "risk_rules",
        sa.Column("tripped_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("risk_rules", sa.Column("trip_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a plain column in place, as PostgreSQL does.
    for name in (*_COLUMNS, "target_amount"):
        op.execute(f"ALTER TABLE risk_rules DROP COLUMN {name}")  # noqa: S608 - fixed names
