"""The protection fence: one claimed exit per protection generation, kept by the database.

Worker runs and option runs guard their automatic exits the same way. Each rules document
is a *generation* of the row; the engine claims an exit with a compare-and-set on
(generation, no claim yet), and a rules change moves the generation on with a
compare-and-set too. So whichever process writes, one exit is claimed per generation, and
an update can never slip in between a trigger and the exit it submits. Callers also hold
the run's lock; the fence is what the database itself guarantees.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerOptionRun, WorkerRun
from tradertape.db.rows import table_of
from tradertape.errors import Rejected

Fenced = WorkerRun | WorkerOptionRun


def claim_exit(db: Session, row: Fenced, claim_id: str) -> bool:
    """Claim the exit of the row's current generation; False if it is already claimed."""
    table = table_of(type(row))
    result = db.execute(
        update(table)
        .where(
            table.c.id == row.id,
            table.c.protection_generation == row.protection_generation,
            table.c.protection_claim.is_(None),
        )
        .values(protection_claim=claim_id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML results carry a row count
        return False
    db.refresh(row, ["protection_claim"])
    return True


def next_generation(db: Session, row: Fenced, conflict: Rejected, **values: Any) -> None:
    """Start a new generation (new rules), releasing any claim and setting `values`.

    Raises `conflict` when another writer moved the generation on first.
    """
    table = table_of(type(row))
    result = db.execute(
        update(table)
        .where(table.c.id == row.id, table.c.protection_generation == row.protection_generation)
        .values(
            protection_generation=row.protection_generation + 1, protection_claim=None, **values
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML results carry a row count
        raise conflict
    db.refresh(row, ["protection_generation", "protection_claim", *values])
