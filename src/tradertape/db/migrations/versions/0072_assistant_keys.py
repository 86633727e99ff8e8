"""assistant keys and their live orders waiting for confirmation: the MCP server's
credential (issue 71)

Revision ID: 0072
Revises: 0071
Create Date: 2026-11-29 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradertape.db.types import UTCDateTime

revision: str = "0072"
down_revision: str | None = "0071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assistant_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("rotated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assistant_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_assistant_keys_secret_hash")),
    )
    op.create_index(op.f("ix_assistant_keys_user_id"), "assistant_keys", ["user_id"])
    op.create_table(
        "assistant_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("key_name", sa.String(length=100), nullable=False),
        sa.Column("order", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["assistant_keys.id"],
            name=op.f("fk_assistant_confirmations_key_id_assistant_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assistant_confirmations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_confirmations")),
    )
    op.create_index(
        op.f("ix_assistant_confirmations_user_id"), "assistant_confirmations", ["user_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_assistant_confirmations_user_id"), table_name="assistant_confirmations")
    op.drop_table("assistant_confirmations")
    op.drop_index(op.f("ix_assistant_keys_user_id"), table_name="assistant_keys")
    op.drop_table("assistant_keys")
