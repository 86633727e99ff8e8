"""Research jobs that outlive their request: backtests with progress, and parameter sweeps.

Each job runs in a thread of the process that accepted it and writes where it is to its
database row (stage, variants done, results so far, a heartbeat), so any process can
stream its progress and a restart loses nothing but the unfinished work: a stopping server
marks its jobs ``interrupted``, and a job whose heartbeat went stale (a crash) reads as
``interrupted`` too (`stale_cutoff`); a sweep whose process is known to have ended
(`runners`) is marked at the next start-up at once. Cancelling is a flag on the row the thread reads
between chunks, so it works from any process.

The work itself takes turns with every other user's (`tradertape.backtest.fair`): a sweep's
chunks on the process's one shared pool (or Ray), a backtest in its own thread once a slot
is its user's. A job holds its user's place under the heavy-job cap (`services.job_caps`)
until its thread ends.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, defer

from tradertape.backtest.executors import (
    ChunkExecutor,
    RayExecutor,
    RayUnavailable,
    SerialExecutor,
    SharedPool,
    default_workers,
)
from tradertape.backtest.fair import FairChunks, FairQueue
from tradertape.backtest.options.walk_forward import OptionsWalkForwardSpec
from tradertape.backtest.sweep import ChunkMarket, ChunkWork, GridWork
from tradertape.backtest.walk_forward import Verdict, WalkForwardSpec, in_sample_score
from tradertape.backtest.walk_forward_search import FoldSearch, Trial
from tradertape.db.engine import Database
from tradertape.db.models import BacktestRun, BacktestSweep, WalkForwardRun, WalkForwardTrial
from tradertape.errors import Conflict, NotFound
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.job_caps import JobCaps, Release
from tradertape.services.pacing import Pacing
from tradertape.services.research.runners import ended, this_process

log = logging.getLogger("tradertape.research")

STALE_AFTER = timedelta(seconds=60)  # a live job's heartbeat is never older than a few seconds
FLUSH_EVERY_S = 1.0  # the longest a finished chunk waits before its rows are written
INTERRUPTED = "the server stopped while this ran; start it again"
CUT_OFF = "cut off: the server restarted or stopped while this ran; start it again"
RUNNING = ("queued", "running")


async def job_events(
    read: Callable[[], dict[str, Any] | None],
    *,
    changed: Callable[[dict[str, Any]], object],
    gone: dict[str, Any],
    pacing: Pacing,
) -> AsyncIterator[tuple[str, Any]]:
    """A job's stream: ``progress`` whenever `changed` of its row says something new, then
    ``end`` once it has ended (`gone` if its row was deleted), ``heartbeat`` after a quiet
    spell. `read` (a row's progress, or None) queries: it runs where `pacing` says."""
    last: object = None
    quiet = 0.0
    while True:
        now = await pacing.read(read)
        if now is None:
            yield "end", gone
            return
        key = changed(now)
        if key != last:
            last, quiet = key, 0.0
            yield "progress", now
        if now["status"] not in RUNNING:
            yield "end", now
            return
        await pacing.sleep(pacing.poll_secs)
        quiet += pacing.poll_secs
        if quiet >= pacing.heartbeat_secs:
            quiet = 0.0
            yield "heartbeat", None


def stale_cutoff(now: datetime) -> datetime:
    """A running job whose last heartbeat (or creation) is before this was cut off."""
    return now - STALE_AFTER


# A job row with a heartbeat and a runner: a sweep or a walk-forward.
JobRow = TypeVar("JobRow", BacktestSweep, WalkForwardRun)


def mark_if_stale(row: JobRow, now: datetime) -> bool:
    """Mark a running job whose heartbeat went stale as interrupted; whether it was."""
    beat = row.heartbeat_at or row.created_at
    if row.status in RUNNING and beat < stale_cutoff(now):
        row.status, row.error, row.finished_at = "interrupted", CUT_OFF, now
        return True
    return False


def owned_jobs(
    db: Session,
    model: type[JobRow],
    *,
    user_id: int,
    limit: int,
    offset: int,
    now: datetime,
    where: ColumnElement[bool] | None = None,
) -> list[JobRow]:
    """The user's job rows of `model` (those `where` holds of), newest first, each cut-off
    one marked as such."""
    query = owned(model, user_id=user_id).order_by(model.id.desc())
    if where is not None:
        query = query.where(where)
    rows = list(db.scalars(query.limit(limit).offset(offset)))
    if sum(mark_if_stale(row, now) for row in rows):  # every row, not the first
        db.commit()
    return rows


def owned_job(
    db: Session,
    model: type[JobRow],
    row_id: int,
    *,
    user_id: int,
    label: str,
    now: datetime,
    kind: str | None = None,
) -> JobRow:
    """One of the user's job rows, up to date (another user's, or a sweep of another
    `kind`, is a 404 naming `label`)."""
    row = get_owned(db, model, row_id, user_id=user_id, label=label)
    if kind is not None and getattr(row, "kind", kind) != kind:
        raise NotFound(f"{label} {row_id} not found")
    if mark_if_stale(row, now):
        db.commit()
    return row


def row_events(
    db: Database,
    model: type[JobRow],
    row_id: int,
    *,
    progress: Callable[[JobRow], dict[str, Any]],
    label: str,
    clock: Clock,
    pacing: Pacing,
) -> AsyncIterator[tuple[str, Any]]:
    """A job row's stream (`job_events`): ``progress(row)`` whenever its count or status
    changes, a row cut off by a restart read as interrupted; its large column (results,
    folds) is never read here."""

    def read() -> dict[str, Any] | None:
        with db.session() as session:
            row = session.get(model, row_id, options=[defer(_large_column(model))])
            if row is None:
                return None
            if mark_if_stale(row, clock.now()):
                session.commit()
            return progress(row)

    return job_events(
        read,
        changed=lambda now: (now["status"], now["done"]),
        gone={"id": row_id, "status": "deleted", "detail": f"the {label} was deleted"},
        pacing=pacing,
    )


def _large_column(model: type[BacktestSweep] | type[WalkForwardRun]) -> Any:
    return BacktestSweep.results if model is BacktestSweep else WalkForwardRun.folds


def interrupt_stale_jobs(db: Session, model: type[JobRow], *, clock: Clock) -> int:
    """Every user's jobs of ``model`` cut off by a restart, marked (at start-up); how many:
    those whose runner process has ended (`runners.ended`) at once, the rest once their
    heartbeat is stale."""
    now = clock.now()
    marked = 0
    for row in db.scalars(select(model).where(model.status.in_(RUNNING))):
        if ended(row.runner):
            row.status, row.error, row.finished_at = "interrupted", CUT_OFF, now
            marked += 1
        else:
            marked += mark_if_stale(row, now)
    db.commit()
    return marked


def claim(db: Session, model: type[JobRow], row: JobRow, *, clock: Clock) -> None:
    """Take an ended job to start it again, in the session's transaction: one process of
    several starting at once wins (409 for the others, as for a second press of resume);
    a rollback gives it back."""
    now = clock.now()
    taken = db.execute(
        update(model)
        .where(model.id == row.id, model.status == row.status)
        .values(status="queued", heartbeat_at=now, runner=this_process())
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise Conflict(f"{row.id} has just been started again elsewhere")


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """Where a sweep runs: a Ray address, or this many local processes (1: a thread)."""

    workers: int
    ray_address: str | None = None

    @property
    def executor(self) -> str:
        """serial | pool | ray."""
        if self.ray_address:
            return "ray"
        return "serial" if self.workers <= 1 else "pool"

    @property
    def slots(self) -> int:
        """Work under way at once, all users: one user's share and one more for another."""
        return self.workers + 1

    @classmethod
    def of(cls, workers: int, ray_address: str | None) -> SweepPlan:
        """The plan of the settings (``workers == 0``: every core this process may use)."""
        return cls(workers=workers or default_workers(), ray_address=ray_address or None)


def chunk_size(total: int, workers: int) -> int:
    """Variants per chunk: about eight chunks per worker (progress, and the last chunks
    balanced), at most 10 (a cancel, and another user's work, waits for a chunk at most)."""
    return max(1, min(10, math.ceil(total / (workers * 8))))


def make_executor(
    plan: SweepPlan, market: ChunkMarket, spec: ChunkWork, *, pool: SharedPool | None = None
) -> ChunkExecutor:
    """The executor the plan names (a local pool's chunks on ``pool``)."""
    if plan.ray_address:
        return RayExecutor(market, spec, address=plan.ray_address, token=uuid.uuid4().hex)
    if plan.workers <= 1:
        return SerialExecutor(market, spec)
    assert pool is not None, "a local pool's plan runs on the shared pool"
    return pool.job(market, spec, workers=plan.workers)


Step = Callable[[str], None]
FoldWork = WalkForwardSpec | OptionsWalkForwardSpec  # an equity walk-forward's, an options one
BacktestWork = Callable[[Step], Callable[[BacktestRun], None]]


@dataclass
class ResearchJobs:
    """The threads of this process's research jobs, stopped with the server."""

    db: Database
    clock: Clock
    plan: SweepPlan
    caps: JobCaps  # each user's backtests and sweeps under way, against their caps
    # Called with the sweep's id after each write of its progress (tests hold a sweep there)
    between_chunks: Callable[[int], None] = lambda sweep_id: None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    fair: FairQueue = field(init=False)
    pool: SharedPool = field(init=False)

    def __post_init__(self) -> None:
        self.fair = FairQueue(slots=self.plan.slots, per_user=self.plan.workers)
        self.pool = SharedPool(self.plan.slots)

    @contextmanager
    def turn(self, user_id: int) -> Iterator[None]:
        """A slot for the body, in this thread, once it is the user's turn (a backtest)."""
        with self.fair.turn(user_id):
            yield

    def _start(self, name: str, target: Callable[[], None]) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask every job to stop (each marks itself interrupted) and wait for them."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()
        self.pool.shutdown()
        self._stop.clear()  # the same runtime may serve another app (tests, a restart)

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Wait for every job to finish (benches, tests); whether they did."""
        deadline = time.monotonic() + timeout_s
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    # -- backtests with progress -------------------------------------------------------------

    def run_backtest(
        self, run_id: int, work: BacktestWork, *, user_id: int, release: Release
    ) -> None:
        """Run ``work`` for the queued run ``run_id`` in a thread, in the user's turn:
        ``work(step)`` simulates (calling ``step`` at each stage) and answers how to fill the
        row in; ``release`` (the user's place under the cap) once it has ended."""

        def job() -> None:
            try:
                with self.turn(user_id):
                    self._backtest(run_id, work)
            finally:
                release()

        self._start(f"backtest-{run_id}", job)

    def _set_run(self, run_id: int, **values: Any) -> None:
        with self.db.session() as db:
            row = db.get(BacktestRun, run_id)
            if row is None:
                return
            for key, value in values.items():
                setattr(row, key, value)
            row.heartbeat_at = self.clock.now()
            db.commit()

    def _backtest(self, run_id: int, work: BacktestWork) -> None:
        def step(stage: str) -> None:
            if self._stop.is_set():
                raise _Stopped
            self._set_run(run_id, status="running", stage=stage)

        try:
            fill = work(step)
        except _Stopped:
            self._set_run(run_id, status="failed", stage="interrupted", error=INTERRUPTED)
            return
        except Exception as exc:  # noqa: BLE001 - the run says it failed; the log says why
            log.exception("backtest %s failed", run_id)
            detail = getattr(exc, "detail", None) or f"the backtest failed ({type(exc).__name__})"
            self._set_run(run_id, status="failed", stage="failed", error=str(detail)[:500])
            return
        with self.db.session() as db:
            row = db.get(BacktestRun, run_id)
            if row is not None:
                fill(row)
                row.status, row.stage, row.heartbeat_at = "completed", "done", self.clock.now()
                db.commit()

    # -- sweeps ------------------------------------------------------------------------------

    def run_sweep(
        self, sweep_id: int, market: ChunkMarket, spec: GridWork, *, user_id: int, release: Release
    ) -> None:
        """Run the queued sweep ``sweep_id`` in a thread, its chunks on the plan's executor
        in the user's turns; ``release`` (the user's place under the cap) once it has ended."""

        def job() -> None:
            try:
                self._sweep(sweep_id, market, spec, user_id)
            finally:
                release()

        self._start(f"sweep-{sweep_id}", job)

    def _sweep(self, sweep_id: int, market: ChunkMarket, spec: GridWork, user_id: int) -> None:
        try:
            inner = make_executor(self.plan, market, spec, pool=self.pool)
            executor = FairChunks(inner, self.fair, user=user_id)
        except RayUnavailable as exc:
            self._finish(sweep_id, "failed", error=str(exc)[:500])
            return
        except Exception as exc:  # noqa: BLE001 - no workers (a pool that cannot start)
            log.exception("sweep %s could not start its workers", sweep_id)
            self._finish(sweep_id, "failed", error=f"no workers started ({type(exc).__name__})")
            return
        try:
            self._drive(sweep_id, executor, spec.size)
        except Exception as exc:  # noqa: BLE001 - the sweep says it failed; the log says why
            log.exception("sweep %s failed", sweep_id)
            executor.close(cancel=True)
            self._finish(sweep_id, "failed", error=f"a variant failed ({type(exc).__name__})")

    def _drive(self, sweep_id: int, executor: ChunkExecutor, total: int) -> None:
        with self.db.session() as db:  # a resumed sweep skips the variants it finished
            stored = db.get(BacktestSweep, sweep_id)
            ran = {int(row["index"]) for row in stored.results} if stored is not None else set()
        pending = [i for i in range(total) if i not in ran]
        size = chunk_size(len(pending), executor.workers)
        chunks = [pending[i : i + size] for i in range(0, len(pending), size)]
        in_flight: set[Future[list[dict[str, Any]]]] = set()
        started = time.perf_counter()
        self._update(sweep_id, [], started, status="running", started_at=self.clock.now())
        while chunks or in_flight:
            while chunks and len(in_flight) < executor.workers * 2:
                in_flight.add(executor.submit(chunks.pop(0)))
            finished, in_flight = wait(
                in_flight, timeout=FLUSH_EVERY_S, return_when=FIRST_COMPLETED
            )
            rows = [row for future in finished for row in future.result()]
            verdict = self._update(sweep_id, rows, started)
            if verdict is None and (chunks or in_flight):
                self.between_chunks(sweep_id)
                verdict = self._update(sweep_id, [], started)
            if verdict is not None or self._stop.is_set():
                executor.close(cancel=True)
                if verdict == "gone":
                    return
                if verdict == "cancel":
                    self._finish(sweep_id, "cancelled")
                else:
                    self._finish(sweep_id, "interrupted", error=INTERRUPTED)
                return
        executor.close(cancel=False)
        self._finish(sweep_id, "completed")

    def _update(
        self, sweep_id: int, rows: list[dict[str, Any]], started: float, **values: Any
    ) -> str | None:
        """Append ``rows``, count them, beat; "cancel" when asked to stop, "gone" if deleted.
        A beat alone leaves the results unread (a sweep waiting for its turns beats each
        second, and its results grow to megabytes)."""
        with self.db.session() as db:
            unread = [] if rows else [defer(BacktestSweep.results)]
            sweep = db.get(BacktestSweep, sweep_id, options=unread)
            if sweep is None:
                return "gone"
            for key, value in values.items():
                setattr(sweep, key, value)
            if rows:
                sweep.results = [*sweep.results, *rows]
                sweep.done = len(sweep.results)
            sweep.elapsed_s = round(time.perf_counter() - started, 3)
            sweep.heartbeat_at = self.clock.now()
            cancel = sweep.cancel_requested
            db.commit()
        return "cancel" if cancel else None

    def _finish(self, sweep_id: int, status: str, *, error: str | None = None) -> None:
        with self.db.session() as db:
            sweep = db.get(BacktestSweep, sweep_id)
            if sweep is None:
                return
            sweep.status = status
            sweep.error = error
            sweep.results = sorted(sweep.results, key=lambda row: int(row["index"]))
            sweep.finished_at = sweep.heartbeat_at = self.clock.now()
            db.commit()

    # -- walk-forwards -----------------------------------------------------------------------

    def run_walk_forward(
        self,
        run_id: int,
        market: ChunkMarket,
        spec: FoldWork,
        verdict: Verdict,
        *,
        user_id: int,
        release: Release,
    ) -> None:
        """Run the queued walk-forward ``run_id`` in a thread: the folds it has not finished,
        their chunks on the plan's executor in the user's turns, as a sweep's; ``release``
        once it has ended."""

        def job() -> None:
            try:
                self._walk_forward(run_id, market, spec, verdict, user_id)
            finally:
                release()

        self._start(f"walk-forward-{run_id}", job)

    def _walk_forward(
        self,
        run_id: int,
        market: ChunkMarket,
        spec: FoldWork,
        verdict: Verdict,
        user_id: int,
    ) -> None:
        try:
            inner = make_executor(self.plan, market, spec, pool=self.pool)
            executor = FairChunks(inner, self.fair, user=user_id)
        except RayUnavailable as exc:
            self._end_walk(run_id, "failed", verdict, error=str(exc)[:500])
            return
        except Exception as exc:  # noqa: BLE001 - no workers (a pool that cannot start)
            log.exception("walk-forward %s could not start its workers", run_id)
            error = f"no workers started ({type(exc).__name__})"
            self._end_walk(run_id, "failed", verdict, error=error)
            return
        try:
            if isinstance(spec, WalkForwardSpec) and spec.trials is not None:
                self._drive_search(run_id, executor, spec, verdict)
            else:
                self._drive_walk(run_id, executor, spec, verdict)
        except Exception as exc:  # noqa: BLE001 - the run says it failed; the log says why
            log.exception("walk-forward %s failed", run_id)
            executor.close(cancel=True)
            self._end_walk(run_id, "failed", verdict, error=f"a fold failed ({type(exc).__name__})")

    def _drive_walk(
        self, run_id: int, executor: ChunkExecutor, spec: FoldWork, verdict: Verdict
    ) -> None:
        with self.db.session() as db:
            stored = db.get(WalkForwardRun, run_id)
            finished = {int(f["index"]) for f in stored.folds} if stored is not None else set()
        pending = [fold for fold in spec.folds if fold.index not in finished]
        width = len(spec.variants)
        size = chunk_size(len(pending) * width, executor.workers)
        chunks = [
            indices[i : i + size]
            for fold in pending
            for indices in [spec.fold_indices(fold.index)]
            for i in range(0, width, size)
        ]
        rows_of: dict[int, list[dict[str, Any]]] = {fold.index: [] for fold in pending}
        in_flight: set[Future[list[dict[str, Any]]]] = set()
        started = time.perf_counter()
        completed = len(finished) * width
        self._update_walk(
            run_id, [], completed, started, status="running", started_at=self.clock.now()
        )
        while chunks or in_flight:
            while chunks and len(in_flight) < executor.workers * 2:
                in_flight.add(executor.submit(chunks.pop(0)))
            done, in_flight = wait(in_flight, timeout=FLUSH_EVERY_S, return_when=FIRST_COMPLETED)
            ended: list[dict[str, Any]] = []
            for result in (row for future in done for row in future.result()):
                rows_of[int(result["fold"])].append(result)
            for index in [i for i, rows in rows_of.items() if len(rows) == width]:
                ended.append(verdict.fold(spec.folds[index], rows_of.pop(index)))
            completed += len(ended) * width
            count = completed + sum(len(rows) for rows in rows_of.values())
            verdict_now = self._update_walk(run_id, ended, count, started)
            if verdict_now is None and (chunks or in_flight):
                self.between_chunks(run_id)
                verdict_now = self._update_walk(run_id, [], count, started)
            if verdict_now is not None or self._stop.is_set():
                executor.close(cancel=True)
                if verdict_now == "gone":
                    return
                if verdict_now == "cancel":
                    self._end_walk(run_id, "cancelled", verdict)
                else:
                    self._end_walk(run_id, "interrupted", verdict, error=INTERRUPTED)
                return
        executor.close(cancel=False)
        self._end_walk(run_id, "completed", verdict)

    def _drive_search(
        self, run_id: int, executor: ChunkExecutor, spec: WalkForwardSpec, verdict: Verdict
    ) -> None:
        """A Bayesian search's folds side by side, each asking a batch of trials once its
        last batch is told (`walk_forward_search`); each batch's trials are stored as told,
        so a run cut off resumes each fold at its next batch."""
        assert spec.trials is not None
        searches, rows_of, completed = self._searches(run_id, spec)
        idle = sorted(searches)
        in_flight: dict[Future[list[dict[str, Any]]], int] = {}
        done: set[Future[list[dict[str, Any]]]] = set()
        started = time.perf_counter()
        values: dict[str, Any] = {"status": "running", "started_at": self.clock.now()}
        while True:
            told: list[WalkForwardTrial] = []
            for future in done:
                index = in_flight.pop(future)
                rows_of[index].update({int(r["variant"]): r for r in future.result()})
                told += self._tell(run_id, searches[index], rows_of[index], verdict)
                idle.append(index)
            ended: list[dict[str, Any]] = []
            for index in sorted(idle):
                search, rows = searches[index], rows_of[index]
                told += self._ask(run_id, executor, search, rows, in_flight, verdict)
                if search.finished:
                    ended.append(verdict.fold(spec.folds[index], list(rows.values())))
                    completed += spec.trials
                    del searches[index]
            idle = [i for i in idle if i in searches and i not in in_flight.values()]
            count = completed + sum(len(search.told) for search in searches.values())
            now = self._update_walk(run_id, ended, count, started, trials=told, **values)
            values = {}
            if not searches:
                break
            if now is None:
                self.between_chunks(run_id)
                now = self._update_walk(run_id, [], count, started)
            if now is not None or self._stop.is_set():
                executor.close(cancel=True)
                if now == "cancel":
                    self._end_walk(run_id, "cancelled", verdict)
                elif now != "gone":
                    self._end_walk(run_id, "interrupted", verdict, error=INTERRUPTED)
                return
            done, _ = wait(list(in_flight), timeout=FLUSH_EVERY_S, return_when=FIRST_COMPLETED)
        executor.close(cancel=False)
        self._end_walk(run_id, "completed", verdict)

    def _searches(
        self, run_id: int, spec: WalkForwardSpec
    ) -> tuple[dict[int, FoldSearch], dict[int, dict[int, dict[str, Any]]], int]:
        """Each unfinished fold's study rebuilt from its stored trials, the rows they ran,
        and the trials of the finished folds."""
        assert spec.trials is not None
        with self.db.session() as db:
            stored = db.get(WalkForwardRun, run_id)
            finished = {int(f["index"]) for f in stored.folds} if stored is not None else set()
            query = select(WalkForwardTrial).where(WalkForwardTrial.run_id == run_id)
            kept = list(db.scalars(query.order_by(WalkForwardTrial.number)))
        searches, rows_of = {}, {}
        for fold in spec.folds:
            if fold.index in finished:
                continue
            mine = [t for t in kept if t.fold == fold.index]
            told = [Trial(number=t.number, variant=t.variant, value=t.value) for t in mine]
            searches[fold.index] = FoldSearch(
                spec.sweep.axes, fold=fold.index, trials=spec.trials, seed=spec.seed, told=told
            )
            rows_of[fold.index] = {t.variant: t.row for t in mine}
        return searches, rows_of, len(finished) * spec.trials

    def _ask(
        self,
        run_id: int,
        executor: ChunkExecutor,
        search: FoldSearch,
        rows: dict[int, dict[str, Any]],
        in_flight: dict[Future[list[dict[str, Any]]], int],
        verdict: Verdict,
    ) -> list[WalkForwardTrial]:
        """Ask the fold's next batches while there is room: the first with a variant not
        yet run goes to the executor; one whose variants all ran is told at once (those
        trials returned, to store)."""
        told: list[WalkForwardTrial] = []
        while not search.finished and len(in_flight) < executor.workers * 2:
            fresh = sorted({v for v in search.ask() if v not in rows})
            if fresh:
                variants = [search.fold * search.grid_size + v for v in fresh]
                in_flight[executor.submit(variants)] = search.fold
                break
            told += self._tell(run_id, search, rows, verdict)
        return told

    @staticmethod
    def _tell(
        run_id: int, search: FoldSearch, rows: dict[int, dict[str, Any]], verdict: Verdict
    ) -> list[WalkForwardTrial]:
        """Tell the fold's asked batch the scores of its rows; the trials to store."""
        scores = {v: in_sample_score(row, verdict.objective) for v, row in rows.items()}
        return [
            WalkForwardTrial(
                run_id=run_id,
                fold=search.fold,
                number=trial.number,
                variant=trial.variant,
                value=trial.value,
                row=rows[trial.variant],
            )
            for trial in search.tell(scores)
        ]

    def _update_walk(
        self,
        run_id: int,
        folds: list[dict[str, Any]],
        done: int,
        started: float,
        trials: list[WalkForwardTrial] | None = None,
        **values: Any,
    ) -> str | None:
        """Append finished ``folds`` (and a search's told ``trials``), say ``done``
        fold-variants, beat; "cancel" when asked to stop, "gone" if deleted (a beat alone
        leaves the folds unread)."""
        with self.db.session() as db:
            unread = [] if folds else [defer(WalkForwardRun.folds)]
            run = db.get(WalkForwardRun, run_id, options=unread)
            if run is None:
                return "gone"
            db.add_all(trials or [])
            for key, value in values.items():
                setattr(run, key, value)
            if folds:
                run.folds = sorted([*run.folds, *folds], key=lambda f: int(f["index"]))
            run.done = done
            run.elapsed_s = round(time.perf_counter() - started, 3)
            run.heartbeat_at = self.clock.now()
            cancel = run.cancel_requested
            db.commit()
        return "cancel" if cancel else None

    def _end_walk(
        self, run_id: int, status: str, verdict: Verdict, *, error: str | None = None
    ) -> None:
        with self.db.session() as db:
            run = db.get(WalkForwardRun, run_id)
            if run is None:
                return
            run.status = status
            run.error = error
            run.done = len(run.folds) * run.variant_count
            if run.folds:  # a partial verdict too: what the finished folds say
                run.summary = verdict.summary(list(run.folds))
            run.finished_at = run.heartbeat_at = self.clock.now()
            db.commit()


class _Stopped(Exception):
    """The server is stopping: the job ends as interrupted."""
