"""chart drawings: trend lines, horizontal levels and Fibonacci retracements per user and
instrument (issue 64, item 7)

Revision ID: 0069
Revises: 0063
Create Date: 2026-11-29 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradertape.db.types import UTCDateTime

revision: str = "0069"
down_revision: str | None = "0063"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chart_drawings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chart_drawings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_drawings")),
    )
    op.create_index("ix_chart_drawings_user_symbol", "chart_drawings", ["user_id", "symbol"])


def downgrade() -> None:
    op.drop_index("ix_chart_drawings_user_symbol", table_name="chart_drawings")
    op.drop_table("chart_drawings")
