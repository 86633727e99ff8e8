"""Portfolios scan themselves once per trading day after the close, on the injected clock,
and a fresh deploy scans the last completed session at once, at any hour."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from tests.helpers import make_user
from tradertape.db.models import ModelPortfolio
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
from tradertape.services.portfolios.schedule import PortfolioJobs
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.services.research import strategies


def test_a_fresh_deploy_scans_at_once_then_after_each_close_and_skips_holidays(
    with_candles: Runtime,
):
    runtime = with_candles
    clock = runtime.clock
    user_id = make_user(runtime, "pm@x.in")
    with runtime.db.session() as db:
        v1 = strategies.by_builtin_key(db, "v1_momentum", clock=clock)
        assert v1 is not None
        request = PortfolioDeploy(
            strategy_id=v1.id, universe="nifty_50", starting_capital=Decimal(1_000_000)
        )
        portfolio_id = deploy(
            db,
            request,
            store=runtime.candles,
            clock=clock,
            user_id=user_id,
            live_trading_enabled=False,
        ).id
    # the history the test has is 2022–2025: the scheduler's clock starts in it
    clock = ManualClock(datetime(2025, 6, 2, 11, 0, tzinfo=IST))  # Monday, in the session
    venue = PortfolioTrading(orders=runtime.orders, exchange=runtime.exchange, clock=clock)
    jobs = PortfolioJobs(db=runtime.db, store=runtime.candles, venue=venue)
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
