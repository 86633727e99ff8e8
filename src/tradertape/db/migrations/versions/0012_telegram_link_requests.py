"""telegram link requests (two-step linking), notification settings (the morning briefing),
and an idempotency key on notifications

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_enabled", sa.Boolean(), nullable=False),
        sa.Column("briefing_time", sa.Time(), nullable=False),
        sa.Column("updated_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_settings")),
        sa.UniqueConstraint("user_id", name=op.f("uq_notification_settings_user_id")),
    )
    with op.batch_alter_table("notification_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_settings_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "telegram_link_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_telegram_link_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_link_requests")),
        sa.UniqueConstraint("user_id", name=op.f("uq_telegram_link_requests_user_id")),
    )
    with op.batch_alter_table("telegram_link_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_link_requests_chat_id"), ["chat_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_telegram_link_requests_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_notifications_user_id"), ["user_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_notifications_user_id"), type_="unique")
        batch_op.drop_column("idempotency_key")

    with op.batch_alter_table("telegram_link_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_link_requests_user_id"))
        batch_op.drop_index(batch_op.f("ix_telegram_link_requests_chat_id"))

    op.drop_table("telegram_link_requests")
    with op.batch_alter_table("notification_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_settings_user_id"))

    op.drop_table("notification_settings")
