"""an mtm_exit rule on one book: the manual book or a live broker account's (issue 55)

``book`` names the book an ``mtm_exit`` rule watches and exits when it names neither a
portfolio nor a worker run: ``manual`` (the orders placed by hand from the desk) or
``live:<broker>`` (the user's account at a real broker). Null: the rule's scope is its
portfolio, its worker run or the whole account, as before.

Revision ID: 0053
Revises: 0051
Create Date: 2026-11-29 00:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0053"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table on SQLite).
    op.add_column("risk_rules", sa.Column("book", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a plain column in place, as PostgreSQL does.
    op.execute("ALTER TABLE risk_rules DROP COLUMN book")
