"""Portfolios scan themselves once per trading day after the close, on the injected clock,
and a fresh deploy scans the last completed session at once, at any hour."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import event, select

from tests.helpers import deploy_v1, make_user
from tradertape.db.models import ModelPortfolio, ModelSignal
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.portfolios import runs, scanner
from tradertape.services.portfolios.schedule import PortfolioJobs
from tradertape.services.portfolios.signals import PortfolioTrading


def test_a_fresh_deploy_scans_at_once_then_after_each_close_and_skips_holidays(
    with_candles: Runtime,
):
    runtime = with_candles
    clock = runtime.clock
    user_id = make_user(runtime, "pm@x.in")
    portfolio_id = deploy_v1(runtime, user_id)
    # the history the test has is 2022–2025: the scheduler's clock starts in it
    clock = ManualClock(datetime(2025, 6, 2, 11, 0, tzinfo=IST))  # Monday, in the session
    trading = PortfolioTrading(orders=runtime.orders, exchange=runtime.exchange, clock=clock)
    jobs = PortfolioJobs(db=runtime.db, store=runtime.candles, trading=trading)
    (first,) = jobs.run_due()  # never scanned: Friday's session, now
    assert (first.portfolio_id, first.day, first.skipped) == (portfolio_id, date(2025, 5, 30), None)
    assert first.entries
    clock.set(datetime(2025, 6, 2, 15, 45, tzinfo=IST))  # closed, before scan time
    assert jobs.run_due() == []
    clock.set(datetime(2025, 6, 2, 16, 5, tzinfo=IST))
    (report,) = jobs.run_due()
    assert (report.portfolio_id, report.skipped) == (portfolio_id, None)
    assert report.entries
    clock.set(datetime(2025, 6, 2, 18, 0, tzinfo=IST))
    assert jobs.run_due() == []  # once a day
    clock.set(datetime(2025, 8, 15, 16, 30, tzinfo=IST))  # Independence Day: no session
    assert jobs.run_due() == []
    with runtime.db.session() as db:
        portfolio = db.get(ModelPortfolio, portfolio_id)
        assert portfolio is not None
        assert str(portfolio.last_scan_date) == "2025-06-02"


def test_two_scans_of_one_day_at_once_write_its_signals_once(with_candles: Runtime):
    # The scheduler's first scan of a fresh deploy and POST /api/model/scan, interleaved:
    # the first has read the portfolio (never scanned) when the second scans and commits.
    runtime = with_candles
    user_id = make_user(runtime, "race@x.in")
    portfolio_id = deploy_v1(runtime, user_id)
    day = date(2025, 5, 30)
    with runtime.db.session() as late, runtime.db.session() as early:
        stale = late.get(ModelPortfolio, portfolio_id)
        assert stale is not None
        assert stale.last_scan_date is None
        first = early.get(ModelPortfolio, portfolio_id)
        assert first is not None
        done = scanner.scan(early, first, store=runtime.candles, clock=runtime.clock, day=day)
        assert done.skipped is None
        assert done.entries
        again = scanner.scan(late, stale, store=runtime.candles, clock=runtime.clock, day=day)
        assert again.skipped == f"already scanned {day}"
    with runtime.db.session() as db:
        written = db.scalars(
            select(ModelSignal).where(
                ModelSignal.portfolio_id == portfolio_id, ModelSignal.signal_date == day
            )
        ).all()
        entries = [s for s in written if s.signal_type == "entry"]
        # the first scan's alone (the entries it ranked, and those it dropped), each once
        assert len(entries) == len(done.entries) + done.dropped
        assert len({s.symbol for s in entries}) == len(entries)


def test_a_virtually_filled_portfolios_day_is_one_transaction(with_candles: Runtime):
    # Its reconciliation sends nothing anywhere, so it commits with the scan: the lock and
    # the portfolio's row taken once; auto-placement (off here) would commit on its own.
    runtime = with_candles
    user_id = make_user(runtime, "once@x.in")
    portfolio_id = deploy_v1(runtime, user_id)
    day = date(2025, 5, 30)
    trading = PortfolioTrading(
        orders=runtime.orders, exchange=runtime.exchange, clock=runtime.clock
    )
    with runtime.db.session() as db:
        portfolio = db.get(ModelPortfolio, portfolio_id)
        assert portfolio is not None
        portfolio.paper_fill = "close"
        db.commit()
        commits: list[int] = []
        event.listen(db, "after_commit", lambda _: commits.append(1))
        report = runs.run_day(db, portfolio, store=runtime.candles, trading=trading, day=day)
        assert report.skipped is None
        assert report.entries
        assert len(commits) == 1
        again = runs.run_day(db, portfolio, store=runtime.candles, trading=trading, day=day)
        assert again.skipped == f"already scanned {day}"
        assert len(commits) == 2  # the reconciliation's pass, committed without a scan
    with runtime.db.session() as db:
        scanned = db.get(ModelPortfolio, portfolio_id)
        assert scanned is not None
        assert scanned.last_scan_date == day
