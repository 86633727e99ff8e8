"""trades: the order_pk index dropped (the unique (order_pk, broker_trade_id) one leads with it)

Every trade wrote both indexes; a read of an order's trades, and a deleted order's cascade,
seek the unique one by its first column.

Revision ID: 0082
Revises: 0081
Create Date: 2026-12-02 14:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0082"
down_revision: str | None = "0081"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_trades_order_pk", table_name="trades")


def downgrade() -> None:
    op.create_index("ix_trades_order_pk", "trades", ["order_pk"], unique=False)
