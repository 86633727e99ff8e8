"""alerts and inbound webhooks

Issue 55: a user's alerts (a strategy-DSL condition on a symbol or a watchlist, an
optional attached order) and their fires; inbound webhooks (an HMAC secret kept encrypted,
or a token kept as its digest) and the log of what each received, a signed request's
signature unique per hook so a replay is refused.

Revision ID: 0048
Revises: 0047
Create Date: 2026-11-28 20:56:21.844965
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("symbol", sa.String(length=80), nullable=True),
        sa.Column("watchlist_id", sa.Integer(), nullable=True),
        sa.Column("timeframe", sa.String(length=10), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=False),
        sa.Column("repeat", sa.String(length=10), nullable=False),
        sa.Column("cooldown_secs", sa.Integer(), nullable=False),
        sa.Column("order", sa.JSON(), nullable=True),
        sa.Column("order_action", sa.String(length=10), nullable=True),
        sa.Column("confirm_within_mins", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_fired_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_evaluated_day", sa.String(length=10), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hook_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("auth", sa.String(length=10), nullable=False),
        sa.Column("secret", sa.String(length=400), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("allowed_ips", sa.JSON(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("broker", sa.String(length=10), nullable=True),
        sa.Column("max_per_minute", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_webhooks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
        sa.UniqueConstraint("hook_id", name=op.f("uq_webhooks_hook_id")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_user_id"), ["user_id"], unique=False)

    op.create_table(
        "alert_fires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=80), nullable=False),
        sa.Column("price", sa.String(length=32), nullable=False),
        sa.Column("fired_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("order_status", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("order_message", sa.String(length=400), nullable=True),
        sa.Column("expires_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_fires_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alert_fires_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_fires")),
    )
    with op.batch_alter_table("alert_fires", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_fires_alert_symbol", ["alert_id", "symbol", "fired_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_fires_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("received_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=400), nullable=True),
        sa.Column("order_ids", sa.JSON(), nullable=False),
        sa.Column("replay_key", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_webhook_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "replay_key", name=op.f("uq_webhook_deliveries_webhook_id")
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_hook_at", ["webhook_id", "received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_user_id"))
        batch_op.drop_index("ix_webhook_deliveries_hook_at")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("alert_fires", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_fires_user_id"))
        batch_op.drop_index("ix_alert_fires_alert_symbol")

    op.drop_table("alert_fires")
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_user_id"))

    op.drop_table("webhooks")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_user_id"))

    op.drop_table("alerts")
