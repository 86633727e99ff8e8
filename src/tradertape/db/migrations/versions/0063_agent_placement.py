"""an agent-run portfolio's placements: a GTT, or an immediate LIMIT or MARKET order (issue 65)

``model_portfolios.agent_placement`` says what the local agent places for the portfolio's
signals: ``gtt`` (as before: every existing portfolio keeps it) or an immediate ``limit`` or
``market`` order, seed 000's SEBI case (orders from the user's own static IP).

Revision ID: 0063
Revises: 0062
Create Date: 2026-11-29 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0063"
down_revision: str | None = "0062"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_portfolios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("agent_placement", sa.String(length=8), nullable=False, server_default="gtt")
        )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: recreating `model_portfolios` on
    # SQLite would cascade-delete every portfolio's positions and signals.
    op.drop_column("model_portfolios", "agent_placement")
