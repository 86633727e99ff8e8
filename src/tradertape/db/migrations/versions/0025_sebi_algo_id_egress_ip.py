"""SEBI's retail-algo rules: each live order's algo id and egress IP; a broker's static IP

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("algo_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("egress_ip", sa.String(length=45), nullable=True))
    with op.batch_alter_table("broker_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("static_ip", sa.String(length=45), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broker_credentials", schema=None) as batch_op:
        batch_op.drop_column("static_ip")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("egress_ip")
        batch_op.drop_column("algo_id")
