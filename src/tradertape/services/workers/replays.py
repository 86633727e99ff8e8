"""Worker replays: a worker run played against a past period, through the worker API.

Starting one gives it an account of its own (a user row no one logs in as, so its paper
orders, funds and positions are its own), a worker token bound to it (``kwa_rp_…``) and
the run, created through the same `runs.create` as any run. Each request of that token is
entered into the replay (`enter`): its clock moves (by the wall clock times the speed, or
one bar a request at ``max``), the working orders of its account are matched on the bars
played since the last request and its backend protection evaluated, all under the
replay's clock and prices (`replay_scope`); then the request runs as a paper run's does.
When the period has played, or the run closed, the replay finishes with its report
(`replay_report`), read by the owner (and by the worker's token).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.candles.fo_minutes import FoMinuteStore
from tradertape.candles.fo_store import FoStore
from tradertape.db.models import CashEntry, Order, Trade, User, WorkerReplay, WorkerRun, WorkerToken
from tradertape.domain.calendar import IST, TradingCalendar
from tradertape.domain.expiry import Contract
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING
from tradertape.domain.replay import SESSION, ReplaySpec, Resolution, Timeline, elapsed, open_of
from tradertape.domain.utc_times import utc_iso
from tradertape.domain.worker_access import (
    DEFAULT_ACTIONS,
    ExecutionMode,
    ScopeError,
    is_paper_scope,
)
from tradertape.domain.worker_runs import FINISHED, RUN_KEY
from tradertape.errors import InvalidField, NotFound, Rejected
from tradertape.ports.clock import Clock
from tradertape.security.tokens import REPLAY_TOKEN_PREFIX, sha256_hex
from tradertape.services.accounts import worker_tokens
from tradertape.services.journal.expiries import from_bhavcopy
from tradertape.services.workers import replay_report, runs
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.replay_scope import FixedClock, ReplayScope, entered
from tradertape.services.workers.replay_tape import Tape, contract_tape, load

RUNNING = "running"
_DERIVATIVE_PREFIXES = ("NFO:", "BFO:")
FINISHED_STATUS = "finished"
MAX_TAPES = 256  # instruments held in memory across replays (each a month of minutes at most)

LastTick = Callable[[str], Tick | None]
Advance = Callable[[Session, Order, Any, Any], object]
Protect = Callable[[int], object]


class ReplaySessionJobs(Protocol):
    """The paper exchange's session jobs for one account, at the (replay's) clock's time."""

    @property
    def squareoff_times(self) -> tuple[time, time]: ...

    def square_off_account(self, db: Session, user_id: int) -> object: ...

    def expire_account_orders(self, db: Session, user_id: int) -> object: ...

    def settle_account(
        self, db: Session, user_id: int, close_of: Callable[[Contract], Decimal | None]
    ) -> object: ...


DayJob = Callable[[ReplaySessionJobs, Session, int], object]


def _square_off(jobs: ReplaySessionJobs, db: Session, user_id: int) -> object:
    return jobs.square_off_account(db, user_id)


def _expire(jobs: ReplaySessionJobs, db: Session, user_id: int) -> object:
    return jobs.expire_account_orders(db, user_id)


@dataclass(frozen=True, slots=True)
class RunState:
    """What a replay reads of its run on each request."""

    id: int
    status: str
    protection_armed: bool


@dataclass(slots=True)
class Replays:
    """The replays of this process: their tapes in memory, their state in the database."""

    store: CandleStore
    calendar: TradingCalendar
    catalog: Callable[[Session], InstrumentCatalog]
    sessions: Callable[[], AbstractContextManager[Session]]  # for a tape's catalog read
    wall: Clock
    advance: Advance  # the paper exchange's: one working order on one tick (no commit)
    protect: Protect | None = None  # the protection engine's evaluation of one run
    fo: FoMinuteStore | None = None  # imported F&O and index minutes
    bhavcopy: FoStore | None = None  # imported F&O bhavcopies: an expiry's settlement price
    session: ReplaySessionJobs | None = None  # the paper exchange's square-off and expiry
    model: LastTick | None = None  # the options model's price of an option (no minutes)
    instruments: Callable[[Session], InstrumentCatalog] | None = None  # without options
    _tapes: dict[tuple[int, str], Tape] = field(default_factory=dict)
    _timelines: dict[int, Timeline] = field(default_factory=dict)  # a replay's days are fixed
    # A token's replay and a replay's run never change: a request reads them by primary key.
    _by_secret: dict[str, int] = field(default_factory=dict)
    _runs: dict[int, int] = field(default_factory=dict)
    _modelled: set[tuple[int, str]] = field(default_factory=set)  # F&O with no minutes

    # -- starting -------------------------------------------------------------------------

    def start(
        self,
        workers: WorkerContext,
        db: Session,
        *,
        owner_id: int,
        spec: runs.RunSpec,
        replay: ReplaySpec,
        creator: WorkerToken | None = None,
    ) -> dict[str, Any]:
        """A new replay of `spec`'s run: its account, token and run; the token once. A
        worker's request (`creator`) is held to what its token may create, and the replay's
        token gets its actions."""
        if spec.execution_mode != ExecutionMode.PAPER:
            raise Rejected(400, "REPLAY_NEEDS_PAPER", "a replay trades on paper: mode 'paper'")
        if creator is not None:  # the worker API's request: what its token may create
            runs.check_spec(workers, creator, spec)
        try:
            paper = is_paper_scope(spec.account_scope)
        except ScopeError as exc:
            raise Rejected(400, "INVALID_ACCOUNT_SCOPE", str(exc)) from exc
        if not paper:
            raise Rejected(400, "PAPER_SCOPE_REQUIRED", "a replay needs a paper account scope")
        if spec.strategy_run_id is not None and not RUN_KEY.match(spec.strategy_run_id):
            raise InvalidField("strategy_run_id", "1–128 letters, digits and _ . : -")
        now = self.wall.now()
        if replay.end >= now.astimezone(IST).date():
            raise InvalidField("replay.to", "a replay plays a past period: end before today")
        days = self.days(replay)
        account = User(
            email=f"replay-{secrets.token_hex(8)}@replay.invalid",
            name=f"Replay for user {owner_id}",
            created_at=now,
            is_active=True,
        )
        db.add(account)
        db.flush()
        issued = worker_tokens.create_replay(
            db,
            clock=self.wall,
            user_id=account.id,
            spec=worker_tokens.TokenSpec(
                name=f"replay {spec.strategy_run_id or spec.template_id}"[:100],
                account_scope=spec.account_scope,
                allowed_modes=[ExecutionMode.PAPER.value],
                allowed_actions=list(creator.allowed_actions if creator else DEFAULT_ACTIONS),
            ),
        )
        key = spec.strategy_run_id or f"run_{secrets.token_hex(16)}"
        row = WorkerReplay(
            user_id=owner_id,
            replay_user_id=account.id,
            token_id=issued.row.id,
            run_key=key,
            start_date=days[0],
            end_date=days[-1],
            resolution=replay.resolution.value,
            speed=replay.speed,
            steps=0,
            processed_at=None,
            status=RUNNING,
            report=None,
            started_at=now,
            finished_at=None,
        )
        db.add(row)
        db.commit()
        run, _ = runs.create(workers, db, issued.row, replace(spec, strategy_run_id=key))
        return {**run, "replay": {**self.state(row), "token": issued.secret}}

    def days(self, replay: ReplaySpec) -> tuple[Any, ...]:
        """The trading days the replay plays (weekdays past the calendar's list)."""
        days: list[Any] = []
        day = replay.start
        while day <= replay.end:
            try:
                trading = self.calendar.is_trading_day(day)
            except (KeyError, ValueError):
                trading = day.weekday() < 5
            if trading:
                days.append(day)
            day += timedelta(days=1)
        if not days:
            raise Rejected(400, "REPLAY_NO_SESSIONS", "the period has no trading day")
        return tuple(days)

    # -- one request -----------------------------------------------------------------------

    def replay_of(self, db: Session, secret: str) -> WorkerReplay | None:
        """The replay a token's secret is bound to, if it is a replay's."""
        if not secret.startswith(REPLAY_TOKEN_PREFIX):
            return None
        digest = sha256_hex(secret)
        known = self._by_secret.get(digest)
        if known is not None and (row := db.get(WorkerReplay, known)) is not None:
            return row
        row = db.scalar(
            select(WorkerReplay)
            .join(WorkerToken, WorkerToken.id == WorkerReplay.token_id)
            .where(WorkerToken.secret_hash == digest)
        )
        if row is not None:
            if len(self._by_secret) >= MAX_TAPES:
                self._by_secret.clear()
            self._by_secret[digest] = row.id
        return row

    def enter_secret(self, secret: str) -> ReplayScope | None:
        """`enter` in a session of its own (the API's replay door, in a worker thread)."""
        with self.sessions() as db:
            return self.enter(db, secret)

    def enter(self, db: Session, secret: str) -> ReplayScope | None:
        """Move the replay of `secret` on for one request; its scope (None: no replay)."""
        row = self.replay_of(db, secret)
        if row is None:
            return None
        if row.status == RUNNING and row.speed == 0:
            row.steps += 1
        scope = self._scope(row, self.now_of(row))
        if row.status == RUNNING:
            with entered(scope):
                run = self._catch_up(db, row, scope)
                self._finish_if_due(db, row, scope, run)
        db.commit()
        return scope

    def now_of(self, row: WorkerReplay) -> datetime:
        """The replay's instant (held at the end once played out)."""
        timeline = self._timeline(row)
        if row.status != RUNNING:  # stopped where it finished (its run closed, or the end)
            until = (row.report or {}).get("until")
            if isinstance(until, str):
                return datetime.fromisoformat(until.replace("Z", "+00:00"))
            return timeline.at(timeline.length)
        since = self.wall.now() - row.started_at
        return timeline.at(elapsed(row.speed, row.steps, Resolution(row.resolution), since))

    def _timeline(self, row: WorkerReplay) -> Timeline:
        held = self._timelines.get(row.id)
        if held is None:
            spec = ReplaySpec(row.start_date, row.end_date, Resolution(row.resolution), row.speed)
            held = self._timelines[row.id] = Timeline(self.days(spec))
        return held

    def _scope(self, row: WorkerReplay, now: datetime) -> ReplayScope:
        def last_tick(key: str) -> Any:
            tape = self.tape(row, key)
            if tape is not None:
                return tape.tick_at(now)
            # An option without imported minutes: the options model's price, from the
            # replay's index at the replay's instant (both read through this scope).
            return (
                self.model(key)
                if self.model is not None and (row.id, key) in self._modelled
                else None
            )

        return ReplayScope(replay_id=row.id, clock=FixedClock(now), last_tick=last_tick)

    def tape(self, row: WorkerReplay, key: str) -> Tape | None:
        """The instrument's tape in this replay (None for an instrument not listed)."""
        held = self._tapes.get((row.id, key))
        if held is not None or (row.id, key) in self._modelled:
            return held
        derivative = key.startswith(_DERIVATIVE_PREFIXES)
        # A listed option's catalog asks its index's price (its strikes' anchor), which is
        # this replay's tape of the index: the index is found without the options listed.
        listed = self.catalog if derivative or self.instruments is None else self.instruments
        with self.sessions() as db:
            instrument = listed(db).find(key)
        if instrument is None:
            return None
        timeline = self._timeline(row)
        if derivative:  # imported minutes only, or modelled
            found = None
            if row.resolution == Resolution.MINUTE.value:
                found = contract_tape(
                    self.fo, instrument.key, instrument.instrument_token, timeline.days
                )
            if found is None:
                self._modelled.add((row.id, key))
                return None
            tape = found
        else:
            tape = load(
                self.store,
                instrument.key,
                instrument.instrument_token,
                timeline.days,
                Resolution(row.resolution),
                self.fo,
            )
        if len(self._tapes) >= MAX_TAPES:
            self._tapes.pop(next(iter(self._tapes)))
        self._tapes[(row.id, key)] = tape
        return tape

    def _catch_up(self, db: Session, row: WorkerReplay, scope: ReplayScope) -> RunState | None:
        """Play every bar since the last request: the account's working orders matched on
        each, and the day's MIS square-off, order expiry and F&O settlement at their times
        on the replay's clock, in the order they fall."""
        now = scope.clock.now()
        after = row.processed_at or self._timeline(row).at(timedelta(0)) - timedelta(seconds=1)
        for mark, job in [*self._day_jobs(row, after, now), (now, None)]:
            self._match(db, row, scope, after, mark)
            if job is not None and self.session is not None:
                with entered(self._scope(row, mark)):
                    job(self.session, db, row.replay_user_id)
            after = mark
        row.processed_at = now
        run = self._run(db, row)
        if self.protect is not None and run is not None and run.protection_armed:
            db.commit()
            self.protect(run.id)
        return run

    def _day_jobs(
        self, row: WorkerReplay, after: datetime, upto: datetime
    ) -> list[tuple[datetime, DayJob]]:
        """The session jobs falling in (`after`, `upto`], oldest first: each day's MIS
        square-off (the paper exchange's times, equity and F&O), its close's order expiry
        and then the settlement of the contracts expiring that day (at 15:30, the close)."""
        if self.session is None:
            return []
        cuts = sorted(set(self.session.squareoff_times))
        found: list[tuple[datetime, DayJob]] = []
        for day in self._timeline(row).days:
            close = open_of(day) + SESSION
            if close <= after:
                continue
            for cut in cuts:
                found.append((datetime.combine(day, cut, IST).astimezone(UTC), _square_off))
            found.append((close, _expire))
            found.append((close, self._settle))
        return [(at, job) for at, job in found if after < at <= upto]

    def _settle(self, jobs: ReplaySessionJobs, db: Session, user_id: int) -> object:
        """The paper exchange's expiry settlement of the account, at the bhavcopy's
        settlement price of the expiry day where imported, else the replay's underlying
        close (its tape at 15:30, read through the replay's scope)."""
        return jobs.settle_account(db, user_id, self._bhavcopy_close)

    def _bhavcopy_close(self, contract: Contract) -> Decimal | None:
        if self.bhavcopy is None:
            return None
        return from_bhavcopy(self.bhavcopy, {"held": contract}).get("held")

    def _match(
        self, db: Session, row: WorkerReplay, scope: ReplayScope, after: datetime, upto: datetime
    ) -> None:
        """Match the account's working orders on every bar starting in (`after`, `upto`]."""
        # Most requests find none: their ids first, the rows (a wide entity to load) only then.
        working = list(
            db.scalars(
                select(Order.id).where(
                    Order.user_id == row.replay_user_id, Order.status.in_(WORKING)
                )
            )
        )
        if not working:
            return
        orders = db.scalars(select(Order).where(Order.id.in_(working)).order_by(Order.id))
        catalog = self.catalog(db)
        for order in list(orders):
            key = f"{order.exchange}:{order.tradingsymbol}"
            tape = self.tape(row, key)
            if tape is None:
                continue
            for at in tape.starts_between(after, upto):
                if order.status not in WORKING:
                    break
                tick = tape.tick_at(at)
                with entered(replace(scope, clock=FixedClock(at))):
                    self.advance(db, order, catalog.get(key), tick)

    def _run(self, db: Session, row: WorkerReplay) -> RunState | None:
        """The replay's run: what the replay reads of it (its id, status, protection)."""
        known = self._runs.get(row.id)
        where = (
            WorkerRun.id == known
            if known is not None
            else (WorkerRun.token_id == row.token_id) & (WorkerRun.run_key == row.run_key)
        )
        found = db.execute(
            select(WorkerRun.id, WorkerRun.status, WorkerRun.protection_armed).where(where)
        ).first()
        if found is None:
            self._runs.pop(row.id, None)
            return None
        if known is None:
            if len(self._runs) >= MAX_TAPES:
                self._runs.clear()
            self._runs[row.id] = found.id
        return RunState(found.id, found.status, bool(found.protection_armed))

    def _finish_if_due(
        self, db: Session, row: WorkerReplay, scope: ReplayScope, run: RunState | None
    ) -> None:
        timeline = self._timeline(row)
        since = self.wall.now() - row.started_at
        played = elapsed(row.speed, row.steps, Resolution(row.resolution), since)
        run_over = run is not None and run.status in FINISHED
        if timeline.finished(played) or run_over:
            self.finish(db, row, scope.clock.now())

    def finish(self, db: Session, row: WorkerReplay, until: datetime) -> None:
        """Write the report and stop the clock (no commit)."""
        trades = list(
            db.scalars(
                select(Trade)
                .where(Trade.user_id == row.replay_user_id)
                .order_by(Trade.filled_at, Trade.id)
            )
        )
        fills = [
            replay_report.Fill(
                key=f"{t.exchange}:{t.tradingsymbol}",
                at=t.filled_at,
                side=1 if t.transaction_type == "BUY" else -1,
                quantity=t.quantity,
                price=t.price,
                charges=t.charges,
            )
            for t in trades
        ]
        tapes = {f.key: tape for f in fills if (tape := self.tape(row, f.key)) is not None}
        capital = self.capital(db, row)
        started = self._timeline(row).at(timedelta(0))
        sources = sorted({tape.source for tape in tapes.values()})
        result = replay_report.report(fills, tapes, capital, started, until, sources)
        row.report = _jsonable(result)
        row.status = FINISHED_STATUS
        row.finished_at = self.wall.now()

    @staticmethod
    def capital(db: Session, row: WorkerReplay) -> Decimal:
        """The replay account's opening paper balance."""
        deposits = db.scalars(
            select(CashEntry.amount).where(
                CashEntry.user_id == row.replay_user_id, CashEntry.kind == "deposit"
            )
        )
        return sum(deposits, Decimal(0))

    # -- reading ---------------------------------------------------------------------------

    def state(self, row: WorkerReplay) -> dict[str, Any]:
        """The replay as the API answers it (the report once finished)."""
        speed = "max" if row.speed == 0 else str(row.speed)
        return {
            "id": row.id,
            "strategy_run_id": row.run_key,
            "from": row.start_date.isoformat(),
            "to": row.end_date.isoformat(),
            "resolution": row.resolution,
            "speed": speed,
            "status": row.status,
            "clock": utc_iso(self.now_of(row)),
            "started_at": utc_iso(row.started_at),
            "finished_at": utc_iso(row.finished_at) if row.finished_at else None,
            "report": row.report,
        }

    def owned(self, db: Session, owner_id: int, replay_id: int) -> WorkerReplay:
        """The owner's replay, or 404 (another user's too)."""
        row = db.get(WorkerReplay, replay_id)
        if row is None or row.user_id != owner_id:
            raise NotFound("replay not found")
        return row

    def read(self, db: Session, owner_id: int, replay_id: int) -> dict[str, Any]:
        """The owner's replay, finished first if its time is up or its run is over."""
        row = self.owned(db, owner_id, replay_id)
        if row.status == RUNNING:
            scope = self._scope(row, self.now_of(row))
            with entered(scope):
                run = self._catch_up(db, row, scope)
                self._finish_if_due(db, row, scope, run)
            db.commit()
        return self.state(row)

    def listing(self, db: Session, owner_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """The owner's replays, newest first (without their reports)."""
        rows = db.scalars(
            select(WorkerReplay)
            .where(WorkerReplay.user_id == owner_id)
            .order_by(WorkerReplay.id.desc())
            .limit(limit)
        )
        return [{**self.state(row), "report": None} for row in rows]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
