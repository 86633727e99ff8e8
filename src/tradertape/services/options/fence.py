"""The option-run protection fence: one exit claim per protection generation.

Like the worker run's (`services.workers.protection`): the engine claims an exit with a
compare-and-set on (generation, no claim yet) and a rules change moves the generation on
with a compare-and-set too, so the database itself guarantees one claimed exit per
generation whichever process writes, and an update can never slip in between a trigger
and the exit it submits.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerOptionRun
from tradertape.db.rows import table_of
from tradertape.errors import Rejected

_OPTION_RUNS = table_of(WorkerOptionRun)


def claim_exit(db: Session, option: WorkerOptionRun, claim_id: str) -> bool:
    """Claim the exit of the option run's current generation; False if already claimed."""
    result = db.execute(
        update(_OPTION_RUNS)
        .where(
            _OPTION_RUNS.c.id == option.id,
            _OPTION_RUNS.c.protection_generation == option.protection_generation,
            _OPTION_RUNS.c.protection_claim.is_(None),
        )
        .values(protection_claim=claim_id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML results carry a row count
        return False
    db.refresh(option, ["protection_claim"])
    return True


def next_generation(db: Session, option: WorkerOptionRun) -> None:
    """Start a new protection generation (new rules), releasing any claim; 409 on a race."""
    result = db.execute(
        update(_OPTION_RUNS)
        .where(
            _OPTION_RUNS.c.id == option.id,
            _OPTION_RUNS.c.protection_generation == option.protection_generation,
        )
        .values(protection_generation=option.protection_generation + 1, protection_claim=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML results carry a row count
        raise Rejected(
            409,
            "PROTECTION_CONFLICT",
            "option protection changed concurrently; reload the run and retry",
        )
    db.refresh(option, ["protection_generation", "protection_claim"])
