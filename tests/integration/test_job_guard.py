"""The job guard's rules on a real database: a whole job that raises is retried every pass
and never quarantined (skipping it would stop everyone's work), the log hears of each
change once, not every pass, and a success clears the record."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tradertape.db.engine import Database
from tradertape.db.models import JobFailure
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.jobs.loop import TradingLoop
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.quotes import QuoteBook
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.background.guard import QUARANTINE_AFTER, JobGuard


class Watcher:
    """A protection stand-in: counts its timer passes, raising while `broken`."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.timers = 0

    def on_prices(self, keys: object) -> None:
        """Nothing to do on prices."""

    def on_timer(self) -> None:
        self.timers += 1
        if self.broken:
            raise RuntimeError("the watcher's own bug")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))


def _loop(database: Database, clock: ManualClock, *watchers: Watcher, more: list[int]):
    quotes = QuoteBook()
    exchange = PaperExchange(clock=clock, calendar=nse_calendar(), catalog=reference_catalog())
    return TradingLoop(
        db=database,
        clock=clock,
        quotes=quotes,
        exchange=exchange,
        gtts=GttBook(clock=clock, calendar=nse_calendar(), exchange=exchange),
        jobs=SessionJobs(clock=clock, calendar=nse_calendar(), exchange=exchange, last_tick=quotes),
        more_jobs={"counted": lambda: more.append(1)},
        watchers=watchers,
        guard=JobGuard(db=database, clock=clock),
    )


def _records(database: Database) -> list[JobFailure]:
    with database.session() as db:
        return list(db.scalars(select(JobFailure)))


def _warnings(caplog: pytest.LogCaptureFixture) -> int:
    return sum(r.name == "tradertape.jobs" and r.levelno >= logging.WARNING for r in caplog.records)


def test_a_failing_job_never_stops_the_others_and_is_logged_once(
    database: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
):
    broken, healthy = Watcher(broken=True), Watcher()
    more: list[int] = []
    loop = _loop(database, clock, broken, healthy, more=more)
    passes = QUARANTINE_AFTER + 3

    for _ in range(passes):
        clock.advance(timedelta(seconds=5))
        loop.run_jobs()

    assert (broken.timers, healthy.timers, len(more)) == (passes, passes, passes)
    [record] = _records(database)
    assert (record.job, record.item, record.user_id) == ("Watcher#1.on_timer", "", None)
    assert (record.failures, record.quarantined_at) == (passes, None)  # a job: never skipped
    assert _warnings(caplog) == 1  # the first failure, not every pass

    broken.broken = False
    clock.advance(timedelta(seconds=5))
    loop.run_jobs()

    assert _records(database) == []
    assert broken.timers == passes + 1


def test_an_expected_condition_is_logged_when_it_changes_only(
    database: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="tradertape.jobs")
    guard = JobGuard(db=database, clock=clock)
    for _ in range(5):  # a live order whose broker has no session, polled every sweep
        guard.note("live.poll", "user:1:kite", "no answer (no live Kite session)")
    guard.note("live.poll", "user:1:kite", None)
    guard.note("live.poll", "user:1:kite", None)

    said = [r.getMessage() for r in caplog.records if r.name == "tradertape.jobs"]
    assert len(said) == 2  # it began, it ended
    assert _records(database) == []  # not a failure of anyone's item
