"""the agent API: portfolio executor, position entry order id, agent results, snapshots,
heartbeats and the request-token relay

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-24 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRICE = tradertape.db.types.ExactDecimal(18, 4)


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, tradertape.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _owner(table: str) -> list[Any]:
    return [
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("model_portfolios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("executor", sa.String(length=8), nullable=False, server_default="server")
        )
    with op.batch_alter_table("model_positions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_order_id", sa.String(length=64), nullable=True))
    op.create_table(
        "agent_signal_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("broker", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("gtt_id", sa.String(length=64), nullable=True),
        sa.Column("fill_price", _PRICE, nullable=True),
        sa.Column("filled_quantity", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=True),
        _when("reported_at"),
        *_owner("agent_signal_results"),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["model_signals.id"],
            name=op.f("fk_agent_signal_results_signal_id_model_signals"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("signal_id", "outcome", name=op.f("uq_agent_signal_results_signal_id")),
    )
    with op.batch_alter_table("agent_signal_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_signal_results_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "agent_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("broker", sa.String(length=20), nullable=False),
        _when("as_of"),
        _when("received_at"),
        sa.Column("obfuscated", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("margins", sa.JSON(), nullable=True),
        *_owner("agent_snapshots"),
        sa.UniqueConstraint("user_id", "kind", "broker", name=op.f("uq_agent_snapshots_user_id")),
    )
    op.create_table(
        "agent_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        _when("last_poll_at"),
        sa.Column("version", sa.String(length=40), nullable=True),
        sa.Column("health", sa.String(length=200), nullable=True),
        sa.Column("poll_interval", sa.Integer(), nullable=False),
        *_owner("agent_heartbeats"),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["agent_keys.id"],
            name=op.f("fk_agent_heartbeats_key_id_agent_keys"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("user_id", "key_id", name=op.f("uq_agent_heartbeats_user_id")),
    )
    op.create_table(
        "agent_token_relays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker", sa.String(length=20), nullable=False),
        sa.Column("request_token", sa.String(length=512), nullable=False),
        _when("created_at"),
        _when("consumed_at", nullable=True),
        *_owner("agent_token_relays"),
        sa.UniqueConstraint("user_id", "broker", name=op.f("uq_agent_token_relays_user_id")),
    )


def downgrade() -> None:
    op.drop_table("agent_token_relays")
    op.drop_table("agent_heartbeats")
    op.drop_table("agent_snapshots")
    with op.batch_alter_table("agent_signal_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_signal_results_user_id"))
    op.drop_table("agent_signal_results")
    with op.batch_alter_table("model_positions", schema=None) as batch_op:
        batch_op.drop_column("entry_order_id")
    with op.batch_alter_table("model_portfolios", schema=None) as batch_op:
        batch_op.drop_column("executor")
