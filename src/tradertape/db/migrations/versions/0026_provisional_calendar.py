"""results resting on provisional calendar days say so: scans, signals, backtests, GTTs

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows made before this knew only the published list (2005-2026 shipped): none is provisional.
_COLUMNS = {
    "model_portfolios": "last_scan_provisional",
    "model_signals": "provisional_calendar",
    "backtest_runs": "provisional_calendar",
    "gtts": "provisional_calendar",
}


def upgrade() -> None:
    for table, column in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    for table, column in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
