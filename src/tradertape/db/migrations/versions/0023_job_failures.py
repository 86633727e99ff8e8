"""background work that failed: one row per failing job or item, quarantined after a few

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradertape.db.types import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("item", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("quarantined_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_job_failures_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_failures")),
        sa.UniqueConstraint("job", "item", name=op.f("uq_job_failures_job")),
    )
    op.create_index(op.f("ix_job_failures_user_id"), "job_failures", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_job_failures_user_id"), table_name="job_failures")
    op.drop_table("job_failures")
