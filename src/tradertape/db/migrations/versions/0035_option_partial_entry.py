"""an option run says what a partial entry does: unwind it (the default) or keep it under
the run's protection

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-25 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (worker_option_runs is a child table; no batch copy).
    op.add_column(
        "worker_option_runs",
        sa.Column("on_partial_entry", sa.String(length=8), nullable=False, server_default="unwind"),
    )


def downgrade() -> None:
    op.drop_column("worker_option_runs", "on_partial_entry")
