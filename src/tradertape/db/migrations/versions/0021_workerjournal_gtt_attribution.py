"""live GTTs: who asked for a trigger (a worker run), passed to the order it places

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gtts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attribution", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gtts", schema=None) as batch_op:
        batch_op.drop_column("attribution")
