"""options backtest runs join the backtest history: ``backtest_runs.kind`` says which
engine a run is of (``equity``, every run before; ``options``, a run of
``POST /api/backtests/options``), so each history lists and opens its own (issue 67)

Revision ID: 0070
Revises: 0069
Create Date: 2026-11-29 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070"
down_revision: str | None = "0069"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of `backtest_runs` on SQLite); the stored runs are
    # all equity runs.
    op.add_column(
        "backtest_runs",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="equity"),
    )


def downgrade() -> None:
    op.execute("DELETE FROM backtest_runs WHERE kind <> 'equity'")
    # SQLite (3.35 and later) drops a plain column in place, as PostgreSQL does.
    op.execute("ALTER TABLE backtest_runs DROP COLUMN kind")
