"""When portfolios run by themselves, on the injected clock.

After each trading day's close (16:00 IST, once the day's candles are in), every active
portfolio not yet scanned that day runs its day (`runs.run_day`); in market hours their
waiting GTTs and orders are reconciled every minute. A portfolio never scanned (a fresh
deploy) runs the last completed session on the next pass, at any hour: its first signals
wait for the user now, not after the next close. Holidays and weekends do nothing else.
The trading loop calls `run_due` on its timer, so the leader process alone runs them.
Each portfolio's scan and reconciliation goes through the `Guard`: one that raises is
recorded against its owner (and quarantined if it keeps failing); the others run on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, or_, select

from tradertape.candles import CandleStore
from tradertape.candles.populate import last_completed_session
from tradertape.db.engine import Database
from tradertape.db.models import ModelPortfolio
from tradertape.domain.calendar import Market
from tradertape.domain.calendar import Session as MarketSession
from tradertape.errors import TraderTapeError
from tradertape.oms import UNGUARDED, Guard
from tradertape.ports.clock import IST, Clock
from tradertape.services.portfolios import reconcile, runs
from tradertape.services.portfolios.scanner import ScanMarket, ScanReport
from tradertape.services.portfolios.signals import PortfolioTrading

log = logging.getLogger("tradertape.portfolios")
SCAN_AFTER = time(16, 0)
RECONCILE_EVERY = timedelta(minutes=1)


class PortfolioJobs:
    """The scheduler's view of model portfolios."""

    def __init__(
        self,
        *,
        db: Database,
        store: CandleStore,
        trading: PortfolioTrading,
        clock: Clock | None = None,
        guard: Guard = UNGUARDED,
    ) -> None:
        """`clock` decides when jobs are due (default: the trading handles'); their clock, the
        market's, stamps what they record, as it stamps the orders and GTTs they place.
        `guard` isolates each portfolio (`background.guard`)."""
        self._db = db
        self._guard = guard
        self._store = store
        self._trading = trading
        self._clock = clock or trading.clock
        self._reconciled_at: datetime | None = None

    def run_due(self) -> list[ScanReport]:
        """Scan fresh deploys; reconcile in market hours; scan after the close once a day."""
        now = self._clock.now()
        calendar = self._store.calendar
        reports = self._scan(
            ModelPortfolio.last_scan_date.is_(None),
            last_completed_session(calendar, now),
        )
        if calendar.session_at(now, Market.EQUITY) is MarketSession.NORMAL:
            self._reconcile(now)
            return reports
        local = now.astimezone(IST)
        day = local.date()
        if not calendar.is_trading_day(day) or local.time() < SCAN_AFTER:
            return reports
        due = or_(ModelPortfolio.last_scan_date.is_(None), ModelPortfolio.last_scan_date < day)
        return reports + self._scan(due, day)

    def _scan(self, due: ColumnElement[bool], day: date) -> list[ScanReport]:
        """Run `day` for every active portfolio `due` selects, each alone (the guard)."""
        with self._db.session() as db:
            portfolios = db.scalars(
                select(ModelPortfolio).where(ModelPortfolio.status == "active", due)
            ).all()
            if not portfolios:
                return []
            market = ScanMarket(self._store)

            def scan(portfolio: ModelPortfolio) -> ScanReport:
                report = runs.run_day(
                    db, portfolio, store=self._store, trading=self._trading, day=day, market=market
                )
                log.info(
                    "scanned portfolio %s for %s: %d entries, %d exits%s",
                    portfolio.id,
                    day,
                    len(report.entries),
                    len(report.exits),
                    f" (skipped: {report.skipped})" if report.skipped else "",
                )
                return report

            return self._guard.each(
                portfolios, job="portfolio.scan", key=_item, owner=_owner, work=scan, db=db
            )

    def _reconcile(self, now: datetime) -> None:
        if self._reconciled_at is not None and now - self._reconciled_at < RECONCILE_EVERY:
            return
        self._reconciled_at = now
        with self._db.session() as db:

            def reconcile_one(portfolio: ModelPortfolio) -> None:
                key = _item(portfolio)
                try:
                    reconcile.reconcile(db, portfolio, trading=self._trading)
                except TraderTapeError as exc:  # a live broker refused or did not answer
                    db.rollback()  # not the portfolio's fault: retried next pass
                    self._guard.note("portfolio.reconcile", key, exc.detail)
                else:
                    self._guard.note("portfolio.reconcile", key, None)

            active = db.scalars(select(ModelPortfolio).where(ModelPortfolio.status == "active"))
            self._guard.each(
                active.all(),
                job="portfolio.reconcile",
                key=_item,
                owner=_owner,
                work=reconcile_one,
                db=db,
            )


def _item(portfolio: ModelPortfolio) -> str:
    return f"portfolio:{portfolio.id}"


def _owner(portfolio: ModelPortfolio) -> int:
    return portfolio.user_id
