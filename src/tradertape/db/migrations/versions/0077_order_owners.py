"""order owners: every order names whose it is in two columns (owner_kind, owner_id), back-
filled from the source and attribution it was placed with (issue 68)

Revision ID: 0077
Revises: 0076
Create Date: 2026-11-29 23:00:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0077"
down_revision: str | None = "0076"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500
_BY_SOURCE = {
    "mtm_exit": ("mtm_exit", "mtm_rule_id"),
    "alert": ("alert", "alert_id"),
    "webhook": ("webhook", "webhook_id"),
    "external": ("external", None),
}


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _owner(source: str | None, attribution: Any) -> tuple[str, int | None]:
    # The rule of tradertape.domain.owners.owner_from, frozen as it was when this ran.
    tags = json.loads(attribution) if isinstance(attribution, str) else (attribution or {})
    portfolio = _number(tags.get("portfolio_id"))
    if portfolio is not None:
        return "portfolio", portfolio
    run = _number(tags.get("run_pk"))
    if run is not None:
        return ("option_run" if "option_leg" in tags else "worker_run"), run
    named = _BY_SOURCE.get(source or "")
    if named is not None:
        kind, tag = named
        return kind, _number(tags.get(tag)) if tag else None
    if "chain_basket" in tags or "basket_leg" in tags:
        return "basket", None
    if source and source.startswith("assistant:"):
        digits = source[len("assistant:") :]
        return "assistant", int(digits) if digits.isdigit() else None
    return "manual", None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_kind", sa.String(16), nullable=False, server_default="manual")
        )
        batch_op.add_column(sa.Column("owner_id", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, source, attribution FROM orders")).all()
    owned: dict[tuple[str, int | None], list[int]] = {}
    for pk, source, attribution in rows:
        owned.setdefault(_owner(source, attribution), []).append(pk)
    update = sa.text(
        "UPDATE orders SET owner_kind = :kind, owner_id = :owner WHERE id IN :pks"
    ).bindparams(sa.bindparam("pks", expanding=True))
    for (kind, owner), pks in owned.items():
        if kind == "manual":
            continue
        for start in range(0, len(pks), _BATCH):
            bind.execute(update, {"kind": kind, "owner": owner, "pks": pks[start : start + _BATCH]})


def downgrade() -> None:
    # Not in batch mode: SQLite's batch copies the table, and dropping the old orders table
    # would cascade to its trades. Both columns are plain, so ALTER TABLE drops them.
    op.drop_column("orders", "owner_id")
    op.drop_column("orders", "owner_kind")
