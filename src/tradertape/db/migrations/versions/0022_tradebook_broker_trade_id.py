"""live fills per broker trade: each trade's id at its broker

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broker_trade_id", sa.String(length=40), nullable=True))
        batch_op.create_index(
            "ix_trades_order_broker_trade", ["order_pk", "broker_trade_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_order_broker_trade")
        batch_op.drop_column("broker_trade_id")
