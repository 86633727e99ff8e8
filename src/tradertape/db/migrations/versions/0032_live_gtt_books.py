"""a live GTT's order is in its broker account's book: the rows 0027 did not see (fired
live GTTs adopted after it, kept in a paper book) move to live:<broker>, with their trades
and cash

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    wrong = bind.execute(
        sa.text("SELECT id, broker FROM orders WHERE broker <> 'paper' AND book NOT LIKE 'live:%'")
    ).all()
    for pk, broker in wrong:
        book = {"book": f"live:{broker}", "pk": pk}
        bind.execute(sa.text("UPDATE orders SET book = :book WHERE id = :pk"), book)
        bind.execute(sa.text("UPDATE trades SET book = :book WHERE order_pk = :pk"), book)
        bind.execute(
            sa.text(
                "UPDATE cash_entries SET book = :book WHERE trade_pk IN "
                "(SELECT id FROM trades WHERE order_pk = :pk)"
            ),
            book,
        )


def downgrade() -> None:
    """Nothing to undo: the rows stay in the book they belong to."""
