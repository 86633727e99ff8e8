"""a model position's charges and realised P&L are read from the ledger (issue 51, item 4)

``model_positions`` keeps only the position's life (quantity, entry, stops, add-ons, exit):
what its fills were charged and what it realised are the ledger's trades of its orders,
read by `services.portfolios.position_money`, so ``charges`` and ``realised_pnl`` go. The
downgrade brings the columns back, zero and empty: the figures stay the ledger's, and the
code of that revision writes them again for the fills it books.

Revision ID: 0055
Revises: 0054
Create Date: 2026-11-29 07:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0055"
down_revision: str | None = "0054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_positions", schema=None) as batch_op:
        batch_op.drop_column("realised_pnl")
        batch_op.drop_column("charges")


def downgrade() -> None:
    money = tradertape.db.types.ExactDecimal(precision=20, scale=4)
    with op.batch_alter_table("model_positions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("charges", money, nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("realised_pnl", money, nullable=True))
