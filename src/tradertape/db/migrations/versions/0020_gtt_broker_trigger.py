"""live GTTs: each trigger's id at its broker

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gtts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broker_trigger_id", sa.String(length=40), nullable=True))
        batch_op.create_index(
            "ix_gtts_broker_trigger", ["broker", "broker_trigger_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("gtts", schema=None) as batch_op:
        batch_op.drop_index("ix_gtts_broker_trigger")
        batch_op.drop_column("broker_trigger_id")
