"""Recovery of runs their worker left behind: stale sessions and exits still working.

- **Stale workers** (every 30 s of the clock): an open or paused run whose claimed
  session has gone quiet (no heartbeat for the stale window, or none at all within the
  claim window) and that backend protection does not already watch for staleness. A
  dry-run run closes; a paper run is exited like ``exit_run`` (and closes once flat); a
  live run is only flagged ``action_required``: nothing live is ever sent unasked.
  A released session is a worker that left on purpose, so its run is left alone.
- **Exiting runs** (every 10 s, and after ticks of their instruments): an ``exiting``
  run closes once its exit orders have filled; if they ended without flattening it
  (cancelled, expired), the exit is placed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import WorkerRun, WorkerToken
from tradertape.domain.worker_access import ExecutionMode
from tradertape.domain.worker_runs import RunStatus
from tradertape.oms import Guard
from tradertape.services.protection.settings import config_of
from tradertape.services.workers import exits, live, pnl, timeline
from tradertape.services.workers.access import lock_run, not_replayed_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.orders import run_orders
from tradertape.services.workers.views import iso

SOURCE = "runtime_recovery"


@dataclass(frozen=True, slots=True)
class RecoveryConfig:
    """How quiet is stale, and how often each sweep runs (reference §3.1 defaults)."""

    stale_after: timedelta = timedelta(seconds=180)
    stale_every: timedelta = timedelta(seconds=30)
    exiting_every: timedelta = timedelta(seconds=10)


def last_sign_of_life(db: Session, run: WorkerRun) -> datetime | None:
    """The latest heartbeat of the run or of its token (a token beat means the worker lives)."""
    token_beat = db.scalar(
        select(WorkerToken.last_heartbeat_at).where(WorkerToken.id == run.token_id)
    )
    beats = [b for b in (run.last_heartbeat_at, token_beat) if b is not None]
    return max(beats) if beats else None


def _person_decides(run: WorkerRun) -> bool:
    """Policy: what an unattended process would do with a run's real money (exit a stale
    run, send an exit again) waits for a person; a paper run's is done at once."""
    # mode fork: recovery's policy for real money, not a venue's behaviour
    return run.execution_mode == ExecutionMode.LIVE


def _watches_staleness(run: WorkerRun) -> bool:
    config = config_of(run)
    return bool(
        config is not None
        and config.enabled
        and config.operations is not None
        and config.operations.exit_on_worker_stale
    )


class Recovery:
    """The stale-worker and exiting-run sweeps, on the desk's clock."""

    def __init__(
        self, *, db: Database, workers: WorkerContext, config: RecoveryConfig, guard: Guard
    ) -> None:
        """`guard`: each run's recovery fails alone (`background.guard`)."""
        self._db = db
        self._guard = guard
        self._workers = workers
        self._config = config
        self._stale_ran_at: datetime | None = None
        self._exiting_ran_at: datetime | None = None

    def sweep(self, *, force: bool = False) -> None:
        """Run each sweep whose interval has passed (both when forced)."""
        now = self._workers.clock.now()
        if force or self._due(self._stale_ran_at, self._config.stale_every, now):
            self._stale_ran_at = now
            self.recover_stale()
        if force or self._due(self._exiting_ran_at, self._config.exiting_every, now):
            self._exiting_ran_at = now
            with self._db.session() as db:
                runs = db.execute(
                    select(WorkerRun.id, WorkerRun.user_id).where(
                        WorkerRun.status == RunStatus.EXITING.value, not_replayed_run()
                    )
                ).all()
            self.settle_each([(pk, user_id) for pk, user_id in runs])

    def settle_each(self, runs: Iterable[tuple[int, int]]) -> list[str | None]:
        """`settle_exiting` each (run, owner), one's failure not stopping the others."""
        return self._guard.each(
            runs,
            job="recovery.settle_exiting",
            key=lambda run: f"run:{run[0]}",
            owner=lambda run: run[1],
            work=lambda run: self.settle_exiting(run[0]),
        )

    @staticmethod
    def _due(last: datetime | None, every: timedelta, now: datetime) -> bool:
        return last is None or now - last >= every

    # -- stale workers ------------------------------------------------------------------

    def _stale(self, db: Session, run: WorkerRun, now: datetime) -> bool:
        if run.session_nonce is None or _watches_staleness(run):
            return False
        if run.status not in (RunStatus.OPEN.value, RunStatus.PAUSED.value):
            return False
        beat = last_sign_of_life(db, run)
        if beat is not None:
            return now - beat > self._config.stale_after
        claimed = run.session_claimed_at
        return claimed is not None and now - claimed > self._workers.windows.claim_without_heartbeat

    def recover_stale(self) -> list[str]:
        """Act on every run whose worker went quiet; the ids of the runs acted on."""
        with self._db.session() as db:
            runs = db.execute(
                select(WorkerRun.id, WorkerRun.user_id).where(
                    WorkerRun.session_nonce.is_not(None),
                    WorkerRun.status.in_([RunStatus.OPEN.value, RunStatus.PAUSED.value]),
                    not_replayed_run(),
                )
            ).all()
        acted = self._guard.each(
            [(pk, user_id) for pk, user_id in runs],
            job="recovery.stale",
            key=lambda run: f"run:{run[0]}",
            owner=lambda run: run[1],
            work=lambda run: self._recover_stale(run[0]),
        )
        return [key for key in acted if key is not None]

    def _recover_stale(self, pk: int) -> str | None:
        with self._db.session() as db:
            run = db.get(WorkerRun, pk)
            now = self._workers.clock.now()
            if run is None or not self._stale(db, run, now):
                return None
            lock_run(db, run)
            acted = self._stale(db, run, now) and self._recover(db, run, now)
            db.commit()
            return run.run_key if acted else None

    def _recover(self, db: Session, run: WorkerRun, now: datetime) -> bool:
        if _person_decides(run):
            recovery = run.runtime_state.get("runtime_recovery") or {}
            if recovery.get("reason") == "live_stale_unprotected":
                return False  # already flagged; a person decides
            _flag(run, now, "live_stale_unprotected", {})
            _event(db, run, now, "the live worker went quiet: action required", {})
            return True
        status, result = exits.flatten(
            self._workers, db, run, "worker_stale", key=None, now=now, role="exit"
        )
        if status == "failed":
            _flag(run, now, "stale_exit_failed", {"errors": result.get("errors", [])})
        _event(db, run, now, f"the worker went quiet; its run was exited ({status})", result)
        return True

    # -- exiting runs -------------------------------------------------------------------

    def settle_exiting(self, run_pk: int) -> str | None:
        """Close an exiting run that is flat, or re-place an exit that ended unfilled."""
        with self._db.session() as db:
            run = db.get(WorkerRun, run_pk)
            if run is None or run.status != RunStatus.EXITING.value:
                return None
            live.refresh(self._workers, db, run)  # the broker's word, before the run's lock
            lock_run(db, run)
            if run.status != RunStatus.EXITING.value:
                return None
            now = self._workers.clock.now()
            reason = str(run.runtime_state.get("exit_reason") or "exit")
            if run.execution_mode == ExecutionMode.DRY_RUN:
                exits.close(db, run, now, reason, {"status": "closed"})
                db.commit()
                return run.status
            if _person_decides(run):  # a live exit is never resent
                return self._settle_live(db, run, now, reason)
            if any(o.status in exits.PENDING for o in run_orders(db, run)):
                db.rollback()
                return None  # the exit is still working
            if pnl.compute(self._workers, db, run).open_legs:
                status, result = exits.flatten(self._workers, db, run, reason, key=None, now=now)
                if status == "failed":
                    _flag(run, now, "exit_incomplete", {"errors": result.get("errors", [])})
            else:
                previous = run.runtime_state.get("exit_result") or {}
                exits.close(db, run, now, reason, {"status": "success"})
                run.runtime_state = {
                    **run.runtime_state,
                    "exit_result": {**previous, "status": "success"},
                }
            db.commit()
            return run.status

    def _settle_live(self, db: Session, run: WorkerRun, now: datetime, reason: str) -> str | None:
        """Close a live exiting run once the broker reports it flat; an exit that ended
        unfilled is flagged for a person (nothing is sent again on its own)."""
        if any(o.status in exits.PENDING for o in run_orders(db, run)):
            db.commit()
            return None  # the exit is still working at the broker
        if pnl.compute(self._workers, db, run).open_legs:
            if (run.runtime_state.get("runtime_recovery") or {}).get("reason") != "exit_incomplete":
                _flag(run, now, "exit_incomplete", {"errors": ["a live exit ended unfilled"]})
                db.commit()
            return None
        previous = run.runtime_state.get("exit_result") or {}
        exits.close(db, run, now, reason, {"status": "success"})
        run.runtime_state = {**run.runtime_state, "exit_result": {**previous, "status": "success"}}
        db.commit()
        return run.status


def _flag(run: WorkerRun, now: datetime, reason: str, details: dict[str, Any]) -> None:
    run.runtime_state = {
        **run.runtime_state,
        "runtime_recovery": {
            "recovery_status": "action_required",
            "action_required": True,
            "checked_at": iso(now),
            "reason": reason,
            "details": details,
        },
    }
    run.updated_at = now


def _event(
    db: Session, run: WorkerRun, now: datetime, summary: str, payload: dict[str, Any]
) -> None:
    timeline.record(
        db,
        run,
        kind="protection",
        source=SOURCE,
        event_type="recovery.stale_worker",
        now=now,
        summary=summary,
        payload={k: v for k, v in payload.items() if k != "orders"},
    )
