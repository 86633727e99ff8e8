"""the audit trail keyed: entries signed by HMAC under a key kept outside the database

Issue 66: a plain SHA-256 chain can be recomputed by whoever writes the table. New entries
carry ``key_id``, the key their HMAC is under (derived from the server secret, which is not
in the database); ``audit_keys`` records which ids were issued and when (key 1 now). Entries
written before keep their plain hash and ``key_id`` NULL.

Revision ID: 0064
Revises: 0055
Create Date: 2026-11-29 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from tradertape.db.types import UTCDateTime

revision: str = "0064"
down_revision: str | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    keys = op.create_table(
        "audit_keys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(keys, [{"id": 1, "issued_at": datetime.now(UTC), "reason": "first key"}])
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("key_id")
    op.drop_table("audit_keys")
