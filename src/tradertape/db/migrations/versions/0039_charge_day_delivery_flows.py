"""a day's note keeps its delivery-product fills per book, exchange and instrument

Shares bought and sold the same day are intraday whatever the product
(`domain.day_netting`): a later sale changes how an earlier buy is priced, so the running
note keeps the day's delivery-product flows instead of their priced parts. Notes stored
before keep their parts (and `dp_isins`) and start with no flows.

Revision ID: 0039
Revises: 0038
Create Date: 2026-11-28 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("charge_days") as batch_op:
        batch_op.add_column(
            sa.Column("delivery_flows", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("charge_days") as batch_op:
        batch_op.drop_column("delivery_flows")
