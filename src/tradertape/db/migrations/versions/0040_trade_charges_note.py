"""a trade row says why its charges differ from an identical trade's

A fill pays the difference it makes to its day's contract note: the DP charge, the day's
netting of delivery fills and STT's rupee rounding land on one fill, not spread over the
day's, so identical trades can carry uneven charges. `charges_note` names what applied
(`domain.charge_notes`); trades booked before have none.

Revision ID: 0040
Revises: 0039
Create Date: 2026-11-28 13:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trades") as batch_op:
        batch_op.add_column(sa.Column("charges_note", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not a batch (a copy of the table): on SQLite, dropping the old `trades` would set the
    # cash entries' `trade_pk` to null through their foreign key. SQLite drops a plain
    # column in place (3.35 and later), as PostgreSQL does.
    op.execute("ALTER TABLE trades DROP COLUMN charges_note")
