"""Option runs following their orders: the status on each booked fill, the rest on a timer.

`OptionRunFollower` watches the OMS's events (`OrderEvents.watch`): when a live broker's
report books a fill (or a final state) of an option run's order, the run's status is
settled in the booking's transaction, under the run's lock (its owner lock, taken by the
OMS before the ledger's: `access.run_locks`), so a status never lags the fills it reads.

`OptionExecutions` runs on the trading loop's timer: for every option run whose orders
may still be sent, filled or unwound, it advances the plan (`execution.advance`) — a leg
held while the live book learnt a send's outcome, an entry a restart interrupted, a
partial entry's unwind — and settles the status of paper legs that filled on a tick.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.locks import lock_names
from tradertape.db.models import WorkerOptionRun, WorkerRun
from tradertape.domain.owners import run_of
from tradertape.domain.worker_access import ExecutionMode
from tradertape.domain.worker_runs import RunStatus
from tradertape.oms import UNPLACED, Guard, OmsEvent, OrderUpdate
from tradertape.ports.clock import Clock
from tradertape.services.options import execution, plans
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.metrics import ENTRY, EXIT
from tradertape.services.workers.access import run_lock
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.live_journal import booked_report, linked

log = logging.getLogger("tradertape.workers")
SOURCE = "options_runtime"


class OptionRunFollower:
    """The OMS's events' watcher that moves an option run's status with its live fills."""

    def __init__(self, market: OptionMarket) -> None:
        self._market = market

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        """Settle the option run's status on what one report booked (no commit)."""
        booked = booked_report(events)
        found = linked(db, booked[0], ENTRY, EXIT) if booked is not None else None
        if booked is None or found is None:
            return
        run = found[0]
        option = db.scalar(select(WorkerOptionRun).where(WorkerOptionRun.run_pk == run.id))
        if option is not None:
            execution.settle(db, self._market, run, option, booked[-1].ts_init, "live_oms")


class OptionLegJournal:
    """The OMS's events' watcher that writes a leg's entry on its run's timeline when its
    placement's outcome is recorded: a paper leg's acceptance and fills (or refusal) in
    the send's transaction, a live leg's when its broker answers (or `resolve_unsent`
    settles it). The leg, its role and the caller's source come from the order's
    attribution (`execution.leg_of`); what no event tells, the sender writes itself
    (`execution` says which)."""

    def __init__(self, *, clock: Clock) -> None:
        """`clock`: the timeline's (wall) time, as the run's other entries are stamped."""
        self._clock = clock

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        """The leg's entry, if these events are a leg's placement outcome."""
        first, last = events[0], events[-1]
        if not isinstance(first, OrderUpdate) or not isinstance(last, OrderUpdate):
            return
        if first.previous_status != UNPLACED or first.requested_by is not None:
            return  # a later change: a report's booking is `OptionRunFollower`'s
        leg, run_pk = execution.leg_of(first.attribution), run_of(first.owner)
        run = db.get(WorkerRun, run_pk) if leg is not None and run_pk is not None else None
        if leg is None or run is None:
            return
        # Held already by the sender (a paper leg, a refusal); a live broker's answer is
        # recorded with no ledger lock held, so the run's may be taken now.
        lock_names(db, [run_lock(run.token_id, run.run_key)])
        execution.leg_entry(db, run, order=last, leg=leg, now=self._clock.now())


class OptionExecutions:
    """The loop's timer over option runs with orders still to send, fill or unwind."""

    def __init__(
        self, *, db: Database, workers: WorkerContext, market: OptionMarket, guard: Guard
    ) -> None:
        self._db = db
        self._workers = workers
        self._market = market
        self._guard = guard

    def on_prices(self, keys: Iterable[str]) -> list[str]:
        """Nothing on prices: a paper leg's fill is settled on the timer."""
        return []

    def on_timer(self) -> list[str]:
        """Advance each followed option run; one's failure does not stop the others'."""
        with self._db.session() as db:
            rows = [(row[0], row[1]) for row in db.execute(_followed())]
        done = self._guard.each(
            rows,
            job="option_execution.advance",
            key=lambda run: f"option_run:{run[0]}",
            owner=lambda run: run[1],
            work=lambda run: self.advance(run[0]),
        )
        return [status for status in done if status]

    def advance(self, option_pk: int) -> str | None:
        """Carry one option run's plans on; its status after."""
        with self._db.session() as db:
            option = db.get(WorkerOptionRun, option_pk)
            run = db.get(WorkerRun, option.run_pk) if option is not None else None
            if option is None or run is None or run.status != RunStatus.OPEN.value:
                return None
            execution.advance(self._workers, self._market, db, run, option, source=SOURCE)
            db.refresh(option)
            return option.status


def _followed() -> Any:
    """Option runs of open paper and live runs whose orders are still in play."""
    return (
        select(WorkerOptionRun.id, WorkerRun.user_id)
        .join(WorkerRun, WorkerRun.id == WorkerOptionRun.run_pk)
        .where(
            WorkerRun.status == RunStatus.OPEN.value,
            WorkerRun.execution_mode != ExecutionMode.DRY_RUN.value,
            or_(
                WorkerOptionRun.status.in_(("entering", "exiting")),
                and_(
                    WorkerOptionRun.status == "partial_entry",
                    WorkerOptionRun.on_partial_entry == plans.UNWIND,
                ),
            ),
        )
        .order_by(WorkerOptionRun.id)
    )
