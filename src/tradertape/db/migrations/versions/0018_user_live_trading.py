"""live trading: the user's own switch, and each order's id at its broker

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("live_trading", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broker_order_id", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_orders_broker_order", ["broker", "broker_order_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_broker_order")
        batch_op.drop_column("broker_order_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("live_trading")
