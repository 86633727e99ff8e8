"""Background work fails item by item: one GTT, order, portfolio or broker session that
raises never stops the others, nor the jobs after it.

Every job of the trading loop runs its items through a `Guard` (`JobGuard` in the server).
An item that raises is rolled back alone (its own transaction, or a savepoint of the
batch's when the batch holds locks until one commit) and recorded in ``job_failures``
with its owner; the next items and jobs run on. After `QUARANTINE_AFTER` failures in a row
an item with an owner is quarantined: skipped from then on, and its owner gets one
``job_failure`` notification (`GET /api/jobs/failures` lists them; deleting the row asks
for a retry, and the owner can always delete the stuck object itself). A success deletes
the record. A whole job, or an item shared by every user (an instrument's matching), is
never quarantined, since skipping it would stop everyone's work: it is retried every pass.

The log hears of each change only (first failure, quarantine, recovery), not every pass,
and `note` does the same for expected conditions (a broker without a session).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import JobFailure, Notification
from tradertape.ports.clock import Clock

log = logging.getLogger("tradertape.jobs")

T = TypeVar("T")
R = TypeVar("R")
QUARANTINE_AFTER = 3  # failures in a row before an owner's item is skipped
KIND = "job_failure"  # the notification's kind (`services.notifications.events.Kind`)
_ERROR_CHARS = 400


def _nobody(_: object) -> int | None:
    return None


@dataclass(slots=True)
class _Streak:
    failures: int
    quarantined: bool


class JobGuard:
    """The server's `Guard`: failures recorded, owners told, repeat offenders quarantined.

    It keeps the failing items in memory (loaded again by `refresh`, which the loop calls
    on its timer, so a record deleted by the owner elsewhere is seen), so items that never
    failed cost no database work.
    """

    def __init__(
        self, *, db: Database, clock: Clock, quarantine_after: int = QUARANTINE_AFTER
    ) -> None:
        self._db = db
        self._clock = clock
        self._after = quarantine_after
        self._streaks: dict[tuple[str, str], _Streak] | None = None
        self._notes: dict[tuple[str, str], str] = {}

    def refresh(self) -> None:
        """Read the failing items again."""
        with self._db.session() as db:
            rows = db.execute(
                select(
                    JobFailure.job, JobFailure.item, JobFailure.failures, JobFailure.quarantined_at
                )
            ).all()
        self._streaks = {
            (job, item): _Streak(failures, quarantined is not None)
            for job, item, failures, quarantined in rows
        }

    def _known(self) -> dict[tuple[str, str], _Streak]:
        if self._streaks is None:
            self.refresh()
        assert self._streaks is not None
        return self._streaks

    def quarantined(self, job: str, key: str) -> bool:
        """Whether the item is skipped."""
        streak = self._known().get((job, key))
        return streak is not None and streak.quarantined

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
        """See `Guard.each`."""
        done = []
        for item in items:
            name = key(item)
            if self.quarantined(job, name):
                continue
            who = owner(item)
            try:
                if batch and db is not None:
                    with db.begin_nested():
                        result = work(item)
                else:
                    result = work(item)
            except Exception as exc:
                if db is not None and not batch:
                    db.rollback()
                self._failed(db, job, name, who, exc, commit=not batch)
                continue
            if (job, name) in self._known():
                self._recovered(db, job, name, commit=not batch)
            done.append(result)
        return done

    def job(self, job: str, work: Callable[[], object]) -> bool:
        """See `Guard.job`."""
        return bool(self.each([job], job=job, key=lambda _: "", work=lambda _: work() or True))

    def note(self, job: str, key: str, condition: str | None) -> None:
        """See `Guard.note`."""
        before = self._notes.get((job, key))
        if condition == before:
            return
        if condition is None:
            del self._notes[(job, key)]
            log.info("%s %s: resolved (was: %s)", job, key, before)
            return
        self._notes[(job, key)] = condition
        log.warning("%s %s: %s (logged again only when this changes)", job, key, condition)

    # -- records ----------------------------------------------------------------------------

    def _failed(
        self,
        db: Session | None,
        job: str,
        key: str,
        owner: int | None,
        exc: Exception,
        *,
        commit: bool,
    ) -> None:
        streak = self._known().setdefault((job, key), _Streak(0, quarantined=False))
        streak.failures += 1
        quarantine = owner is not None and streak.failures >= self._after
        streak.quarantined = quarantine
        error = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
        if streak.failures == 1:
            log.error("%s %s failed (owner %s); the others go on", job, key, owner, exc_info=exc)
        elif quarantine:
            log.warning("%s %s quarantined after %d failures: %s", job, key, streak.failures, error)
        try:
            if db is None:
                with self._db.session() as own:
                    self._write(own, job, key, owner, error, quarantine)
                    own.commit()
                return
            if commit:
                self._write(db, job, key, owner, error, quarantine)
                db.commit()
            else:  # in the batch's transaction: a failed write must not fail the batch
                with db.begin_nested():
                    self._write(db, job, key, owner, error, quarantine)
        except Exception:  # the record is lost, not the loop: the count lives in memory
            log.exception("recording the failure of %s %s failed", job, key)
            if db is not None and commit:
                db.rollback()

    def _write(
        self, db: Session, job: str, key: str, owner: int | None, error: str, quarantine: bool
    ) -> None:
        now = self._clock.now()
        row = db.scalar(select(JobFailure).where(JobFailure.job == job, JobFailure.item == key))
        if row is None:
            row = JobFailure(
                user_id=owner, job=job, item=key, failures=0, first_failed_at=now, error=error
            )
            db.add(row)
        row.failures += 1
        row.error = error
        row.last_failed_at = now
        if quarantine and row.quarantined_at is None:
            row.quarantined_at = now
            assert owner is not None
            db.add(_notification(owner, job, key, row.failures, error, now))
        db.flush()

    def _recovered(self, db: Session | None, job: str, key: str, *, commit: bool) -> None:
        self._known().pop((job, key), None)
        log.info("%s %s succeeded again", job, key)
        try:
            if db is None:
                with self._db.session() as own:
                    _forget(own, job, key)
                    own.commit()
                return
            if commit:
                _forget(db, job, key)
                db.commit()
            else:
                with db.begin_nested():
                    _forget(db, job, key)
        except Exception:
            log.exception("clearing the failure record of %s %s failed", job, key)
            if db is not None and commit:
                db.rollback()


def _forget(db: Session, job: str, key: str) -> None:
    row = db.scalar(select(JobFailure).where(JobFailure.job == job, JobFailure.item == key))
    if row is not None:
        db.delete(row)
        db.flush()


def _notification(
    owner: int, job: str, key: str, failures: int, error: str, at: datetime
) -> Notification:
    text = (
        f"⛔ Background job {job} stopped working on {key} after {failures} failures in a "
        f"row ({error}). It is skipped from now on: delete or cancel it, or ask for a retry "
        "(Jobs: failures)."
    )
    return Notification(
        user_id=owner,
        kind=KIND,
        text=text,
        payload={"job": job, "item": key, "failures": failures, "error": error},
        created_at=at,
        attempts=0,
    )
