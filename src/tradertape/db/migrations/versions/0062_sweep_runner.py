"""the process running a sweep (issue 66)

``backtest_sweeps.runner`` names the process that runs a sweep (``host/pid/start``,
`services.research.runners`), so a restarted server marks the sweeps its crash cut off as
interrupted at once, not after their heartbeat goes stale. Older rows have none: the
heartbeat decides for them, as before.

Revision ID: 0062
Revises: 0056
Create Date: 2026-11-29 12:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0062"
down_revision: str | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("backtest_sweeps") as batch:
        batch.add_column(sa.Column("runner", sa.String(length=120), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: recreating a table on SQLite
    # would cascade-delete the rows that belong to it.
    op.drop_column("backtest_sweeps", "runner")
