"""an alert's fire records each leg of an attached basket (issue 55)

``legs`` holds, per leg in sending order, its symbol, side, quantity, what became of it
(``placed``, ``rejected``, ``refused``, ``skipped``) and its order id, then the unwind's
orders; None for a single order (its outcome is the fire's own columns).

Revision ID: 0050
Revises: 0049
Create Date: 2026-11-28 22:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alert_fires", sa.Column("legs", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE alert_fires DROP COLUMN legs")
