"""The hook by which the engine's background work fails item by item: `Guard`.

The engine's jobs (matching, GTT triggers, the session jobs, the live sweeps) run their items
through a `Guard` they are handed; the server's is `background.guard.JobGuard` (failures recorded,
owners told, repeat offenders quarantined), wired by the composition root. `UNGUARDED` runs
items plainly, letting a failure raise, for callers that want to see it. `forget` drops an
item's failure records when its owner deletes the item, in the owner's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import JobFailure

log = logging.getLogger("tradertape.jobs")
T = TypeVar("T")
R = TypeVar("R")


def _nobody(_: object) -> int | None:
    return None


class Guard(Protocol):
    """Runs a job's items so that each fails alone."""

    def each(
        self,
        items: Iterable[T],
        *,
        job: str,
        key: Callable[[T], str],
        work: Callable[[T], R],
        owner: Callable[[T], int | None] = _nobody,
        db: Session | None = None,
        batch: bool = False,
    ) -> list[R]:
        """Run `work` on each item not quarantined; the results of those that succeeded.

        `db`: the session the items work in; a failed item's work is rolled back and its
        failure recorded there. Without `batch` each item commits its own work (the record
        is committed at once); with it the items share the caller's transaction (locks
        held until its one commit), each in a savepoint, the record left to that commit.
        Without `db` the items open their own sessions and the record gets one too.
        """
        ...

    def job(self, job: str, work: Callable[[], object]) -> bool:
        """Run a whole job (its own sessions); whether it succeeded."""
        ...

    def note(self, job: str, key: str, condition: str | None) -> None:
        """Log an expected condition of an item (None: it cleared) when it changes."""
        ...


class Unguarded:
    """Runs items plainly, letting a failure raise: for callers that want to see it."""

    def each(
        self,
        items: Iterable[T],
        *,
        job: str,
        key: Callable[[T], str],
        work: Callable[[T], R],
        owner: Callable[[T], int | None] = _nobody,
        db: Session | None = None,
        batch: bool = False,
    ) -> list[R]:
        """Run `work` on every item."""
        return [work(item) for item in items]

    def job(self, job: str, work: Callable[[], object]) -> bool:
        """Run the job."""
        work()
        return True

    def note(self, job: str, key: str, condition: str | None) -> None:
        """Log the condition."""
        if condition is not None:
            log.warning("%s %s: %s", job, key, condition)


UNGUARDED = Unguarded()


def forget(db: Session, *, item: str) -> None:
    """Drop the records of `item` (its owner deleted it), in the caller's transaction."""
    for row in db.scalars(select(JobFailure).where(JobFailure.item == item)):
        db.delete(row)
