"""worker replays: a worker run played against a past period (issue 70)

Revision ID: 0076
Revises: 0075
Create Date: 2026-11-29 23:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradertape.db.types import UTCDateTime

revision: str = "0076"
down_revision: str | None = "0075"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_replays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("replay_user_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=40), nullable=False),
        sa.Column("run_key", sa.String(length=128), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("resolution", sa.String(length=8), nullable=False),
        sa.Column("speed", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("processed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["replay_user_id"],
            ["users.id"],
            name=op.f("fk_worker_replays_replay_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["worker_tokens.id"],
            name=op.f("fk_worker_replays_token_id_worker_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_worker_replays_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_replays")),
        sa.UniqueConstraint("replay_user_id", name=op.f("uq_worker_replays_replay_user_id")),
        sa.UniqueConstraint("token_id", name=op.f("uq_worker_replays_token_id")),
    )
    op.create_index(op.f("ix_worker_replays_user_id"), "worker_replays", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_replays_user_id"), table_name="worker_replays")
    op.drop_table("worker_replays")
