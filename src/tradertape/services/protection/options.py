"""Automatic option protection: evaluate armed option runs on prices and on a timer.

An option run's rules (``strategy_mtm_pct lte -2``…) read prices derived from the index,
so it is evaluated after each tick batch that carries its underlying index or one of its
legs, and on the trading loop's timer. A pass reads without locking and usually ends
there; a firing rule takes the worker run's lock, evaluates again on the fresh rows and
claims the exit by compare-and-set on (generation, no claim yet), the fence the generic
protection uses, so however many ticks, timers or processes race, one generation submits
one exit. The claim is committed, then the option run's own exit goes leg by leg (shorts
bought back first) to the run's account, paper or live (`execution.perform`), journalled
as ``protection.triggered`` and ``protection.exit_submitted`` from ``options_protection``.
An exit the market refuses keeps its claim and is retried on later timer passes under a
new attempt key; an exit under way is carried on, never sent twice.

Paper and live runs are watched (a live run's metrics read the fills booked so far); a dry
run has nothing to exit.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import WorkerOptionRun, WorkerRun
from tradertape.domain.worker_access import ExecutionMode
from tradertape.domain.worker_runs import RunStatus
from tradertape.errors import Rejected, TraderTapeError
from tradertape.oms import Guard
from tradertape.services.options import execution
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.metrics import evaluate
from tradertape.services.protection.fence import claim_exit
from tradertape.services.protection.settings import record_event
from tradertape.services.workers.access import lock_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import iso

log = logging.getLogger("tradertape.workers")

SOURCE = "options_protection"
_event = partial(record_event, source=SOURCE)
# Statuses with positions the protection may have to close (an exit underway included).
ARMED = (
    *("entering", "entered", "partial_entry", "exit_previewed", "partial_exit"),
    "cleanup_required",
)


class OptionProtectionEngine:
    """Evaluates option-run protection on prices and on the loop's timer."""

    def __init__(
        self, *, db: Database, workers: WorkerContext, market: OptionMarket, guard: Guard
    ) -> None:
        """`guard`: each option run's evaluation fails alone (`background.guard`)."""
        self._db = db
        self._guard = guard
        self._workers = workers
        self._market = market

    # -- the loop's hooks ---------------------------------------------------------------

    def on_prices(self, keys: Iterable[str]) -> list[str]:
        """Evaluate the armed option runs on an underlying or a leg in `keys`. Fired rules."""
        ticked = set(keys)
        with self._db.session() as db:
            rows = db.execute(self._armed().where(WorkerOptionRun.protection_claim.is_(None))).all()
        watched = []
        for pk, user_id, underlying, legs in rows:
            index = self._market.index(underlying or "")
            mine = {f"NFO:{leg['tradingsymbol']}" for leg in legs}
            if (index is not None and index.key in ticked) or mine & ticked:
                watched.append((pk, user_id))
        return self._each(sorted(watched), timer=False)

    def on_timer(self) -> list[str]:
        """Evaluate every armed option run and retry claimed exits not placed yet."""
        with self._db.session() as db:
            runs = [(row[0], row[1]) for row in db.execute(self._armed())]
        return self._each(runs, timer=True)

    def _each(self, runs: Iterable[tuple[int, int]], *, timer: bool) -> list[str]:
        """Evaluate each (option run, owner); one's failure does not stop the others'."""
        rules = self._guard.each(
            runs,
            job="option_protection.evaluate",
            key=lambda run: f"option_run:{run[0]}",
            owner=lambda run: run[1],
            work=lambda run: self.evaluate(run[0], timer=timer),
        )
        return [rule for rule in rules if rule]

    @staticmethod
    def _armed() -> Any:
        return (
            select(
                WorkerOptionRun.id,
                WorkerRun.user_id,
                WorkerOptionRun.underlying,
                WorkerOptionRun.legs,
            )
            .join(WorkerRun, WorkerRun.id == WorkerOptionRun.run_pk)
            .where(
                WorkerRun.status == RunStatus.OPEN.value,
                WorkerRun.execution_mode != ExecutionMode.DRY_RUN.value,
                WorkerOptionRun.status.in_(ARMED),
            )
            .order_by(WorkerOptionRun.id)
        )

    # -- one option run -------------------------------------------------------------------

    def evaluate(self, option_pk: int, *, timer: bool = False) -> str | None:
        """Evaluate one option run; on a trigger claim and submit its exit. The rule's key."""
        with self._db.session() as db:
            option = db.get(WorkerOptionRun, option_pk)
            run = db.get(WorkerRun, option.run_pk) if option is not None else None
            if option is None or run is None or not _watched(run, option):
                return None
            if option.protection_claim is None:
                if not evaluate(db, run, option, self._market)["triggered"]:
                    return None
            elif not (timer and _retry_due(option)):
                return None
            lock_run(db, run)
            db.refresh(option)
            if not _watched(run, option):
                db.rollback()
                return None
            now = self._workers.clock.now()
            if option.protection_claim is not None:  # claimed: finish an exit not placed yet
                if _retry_due(option):
                    self._submit(db, run, option, now)
                    db.commit()
                else:
                    db.rollback()
                return None
            fired = self._trigger(db, run, option, now)
            db.commit()
            return fired

    def _trigger(
        self, db: Session, run: WorkerRun, option: WorkerOptionRun, now: datetime
    ) -> str | None:
        verdict = evaluate(db, run, option, self._market)
        if not verdict["triggered"]:
            return None
        claim = f"ocl_{secrets.token_hex(10)}"
        if not claim_exit(db, option, claim):
            return None
        rule = verdict["matched_rule"] or {}
        option.protection_state = {
            **verdict,
            "evaluation_mode": "backend",
            "status": "triggered",
            "generation": option.protection_generation,
            "triggered_at": iso(now),
            "evaluated_at": iso(now),
            "action": "exit",
            "exit_claim_id": claim,
            "exit_submitted": False,
            "exit_submission_status": "pending",
            "exit_attempts": 0,
        }
        execution.mirror(run, option)
        _event(
            db,
            run,
            "protection.triggered",
            now,
            f"option protection fired: {rule.get('key')}",
            {"rule": rule, "generation": option.protection_generation, **verdict["metrics"]},
        )
        self._submit(db, run, option, now)
        return str(rule.get("key"))

    def _submit(self, db: Session, run: WorkerRun, option: WorkerOptionRun, now: datetime) -> None:
        """Send the claimed exit (commits: the claim first, then each leg as it goes) and
        note what it did under the run's lock (the caller commits)."""
        state = dict(option.protection_state)
        claim = str(state.get("exit_claim_id") or option.protection_claim)
        attempts = int(state.get("exit_attempts") or 0) + 1
        body = {
            "idempotency_key": f"options-protection:{claim}:{attempts}",
            "metadata": {"source": SOURCE, "rule": (state.get("matched_rule") or {}).get("key")},
        }
        db.commit()  # the claim stands before any leg is sent
        lock_run(db, run)
        db.refresh(option)
        try:
            done = execution.perform(
                self._workers,
                self._market,
                db,
                run,
                option,
                action="exit",
                body=body,
                mode=ExecutionMode(run.execution_mode),
                source=SOURCE,
            )
        except TraderTapeError as exc:
            db.rollback()
            reason = exc.reason if isinstance(exc, Rejected) else type(exc).__name__
            status = "flat" if reason == "OPTION_RUN_FLAT" else "failed"
            result: dict[str, Any] = {
                "status": status,
                "errors": [{"reason": reason, "message": str(exc)}],
            }
        else:
            result = done.result
        lock_run(db, run)
        db.refresh(option)
        status = str(result.get("status"))
        orders = [leg["order_id"] for leg in result.get("results", []) if leg.get("order_id")]
        placed = status in ("success", "partial", "flat", "submitting")
        option.protection_state = {
            **state,
            "exit_submitted": placed or bool(state.get("exit_submitted")),
            "exit_submission_status": status,
            "exit_attempts": attempts,
            "exit_order_ids": sorted({*state.get("exit_order_ids", []), *orders}),
            "exit_errors": result.get("errors", []),
            "last_checked_at": iso(now),
        }
        execution.mirror(run, option)
        if placed:
            _event(
                db,
                run,
                "protection.exit_submitted",
                now,
                f"option protection exit {status}: {len(orders)} order(s), shorts first",
                {"status": status, "order_ids": orders, "claim_id": claim, "attempt": attempts},
            )
        elif attempts == 1:  # retries are quiet until one succeeds
            _event(
                db,
                run,
                "protection.exit_failed",
                now,
                "the option protection exit could not be placed yet; it will be retried",
                {"errors": result.get("errors", []), "claim_id": claim},
            )


def _watched(run: WorkerRun, option: WorkerOptionRun) -> bool:
    return (
        run.status == RunStatus.OPEN.value
        and run.execution_mode != ExecutionMode.DRY_RUN.value
        and option.status in ARMED
        and bool(option.protection.get("rules"))
    )


def _retry_due(option: WorkerOptionRun) -> bool:
    """A claimed exit still owes orders: none placed yet (a crash after the claim leaves it
    ``pending``), or only some legs."""
    status = option.protection_state.get("exit_submission_status")
    return status in ("pending", "failed", "partial")
