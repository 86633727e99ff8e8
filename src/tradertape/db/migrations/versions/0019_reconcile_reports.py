"""reconcile reports: the latest reconciliation of each user's live broker

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 03:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconcile_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker", sa.String(length=20), nullable=False),
        sa.Column("ran_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drift", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reconcile_reports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_reports")),
        sa.UniqueConstraint("user_id", "broker", name=op.f("uq_reconcile_reports_user_id")),
    )


def downgrade() -> None:
    op.drop_table("reconcile_reports")
