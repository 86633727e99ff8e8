"""user-led indexes on orders and trades at one broker: a user's reads seek their own rows

SQLite's planner, given ``user_id = ? AND broker = ? AND ...``, chose the broker-led
indexes and walked every user's orders at that broker for one user's order book, funds
check and ledger version. Indexes led by (user_id, broker) make those reads seek the
user's rows: today's orders by time, working ones by status, trades past a version by id.

Revision ID: 0037
Revises: 0036
Create Date: 2026-11-25 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_user_broker_status", "orders", ["user_id", "broker", "status"])
    op.create_index("ix_orders_user_broker_placed", "orders", ["user_id", "broker", "placed_at"])
    op.drop_index("ix_orders_user_status", table_name="orders")
    op.create_index("ix_trades_user_broker_id", "trades", ["user_id", "broker", "id"])


def downgrade() -> None:
    op.drop_index("ix_trades_user_broker_id", table_name="trades")
    op.create_index("ix_orders_user_status", "orders", ["user_id", "status"])
    op.drop_index("ix_orders_user_broker_placed", table_name="orders")
    op.drop_index("ix_orders_user_broker_status", table_name="orders")
