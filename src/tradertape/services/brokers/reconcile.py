"""Reconciliation of live brokers: run it (now, at start-up, every few minutes in market
hours), keep the latest report per user and broker, and tell the user when it drifts.

The comparison itself is the live venue's (a `LiveReconciler`: `oms.live.reconcile`); this
layer finds whom to reconcile (users with live trading on and a broker session), stores the
report (``reconcile_reports``) and adds a ``drift`` notification when the findings that need
attention change (or an order was adopted), so an unchanged drift is not repeated every few
minutes.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import BrokerCredential, ReconcileReportRow, User
from tradertape.db.rows import insert_new, table_of
from tradertape.domain.calendar import Market, OutsideCalendarError, TradingCalendar
from tradertape.domain.calendar import Session as MarketSession
from tradertape.errors import Conflict, ServiceUnavailable
from tradertape.oms import (
    ATTENTION,
    UNGUARDED,
    DriftItem,
    DriftKind,
    Guard,
    LiveBrokers,
    LiveReconciler,
    ReconcileReport,
)
from tradertape.ports.broker import BrokerError
from tradertape.ports.clock import Clock
from tradertape.services.notifications import events as notifications

log = logging.getLogger("tradertape.live.reconcile")
_REPORTS = table_of(ReconcileReportRow)
_NOTIFY_LINES = 5  # findings named in a notification


def item_dict(item: DriftItem) -> dict[str, Any]:
    """A finding as stored and answered."""
    return {
        "kind": item.kind.value,
        "key": item.key,
        "ours": item.ours,
        "broker": item.broker,
        "note": item.note,
    }


def _watched(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a notification is about: the findings that need attention."""
    return sorted(
        (i["kind"], i["key"], i["ours"], i["broker"])
        for i in items
        if DriftKind(i["kind"]) in ATTENTION
    )


class LiveReconciliation:
    """Runs reconciliations and keeps their latest reports."""

    def __init__(self, *, reconciler: LiveReconciler, brokers: LiveBrokers) -> None:
        self._reconciler = reconciler
        self._brokers = brokers

    def run(self, db: Session, *, user_id: int, broker: str) -> ReconcileReport:
        """Reconcile the user's live `broker` now; store and (on a change) notify.

        409 without a live session of `broker`; 503 when the broker does not answer
        (nothing is stored; the next run tries again).
        """
        live = self._brokers(db, user_id, broker)
        try:
            report = self._reconciler.run(db, user_id=user_id, broker=live)
        except BrokerError as exc:
            db.rollback()
            raise ServiceUnavailable(f"the broker did not answer: {exc}") from exc
        previous = save(db, user_id=user_id, report=report)
        _notify(db, user_id, report, previous)
        db.commit()
        return report

    def run_all(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Reconcile each broker session of every user with live trading on; one without a
        session or an answer is skipped and tried again next time, one that raises fails
        alone through `guard`. Returns the reports made."""
        sessions = db.execute(
            select(User.id, BrokerCredential.broker)
            .join(BrokerCredential, BrokerCredential.user_id == User.id)
            .where(User.live_trading.is_(True), BrokerCredential.access_token_enc.is_not(None))
            .order_by(User.id, BrokerCredential.broker)
        ).all()

        def reconcile(session: tuple[int, str]) -> bool:
            user_id, broker = session
            key = f"user:{user_id}:{broker}"
            try:
                self.run(db, user_id=user_id, broker=broker)
            except (Conflict, ServiceUnavailable) as exc:  # no session, or no answer
                db.rollback()
                guard.note("live.reconcile", key, exc.detail)
                return False
            guard.note("live.reconcile", key, None)
            return True

        made = guard.each(
            [(user_id, broker) for user_id, broker in sessions],
            job="live.reconcile",
            key=lambda session: f"user:{session[0]}:{session[1]}",
            owner=lambda session: session[0],
            work=reconcile,
            db=db,
        )
        return sum(made)


def latest(db: Session, *, user_id: int, broker: str) -> ReconcileReportRow | None:
    """The user's latest report for `broker`, if any."""
    return db.scalar(
        select(ReconcileReportRow).where(
            ReconcileReportRow.user_id == user_id, ReconcileReportRow.broker == broker
        )
    )


def save(db: Session, *, user_id: int, report: ReconcileReport) -> list[dict[str, Any]]:
    """Replace the user's report for the broker (no commit); the previous one's items."""
    values = {
        "user_id": user_id,
        "broker": report.broker,
        "ran_at": report.ran_at,
        "drift": report.drift,
        "counts": asdict(report.counts),
        "items": [item_dict(i) for i in report.items],
    }
    row = latest(db, user_id=user_id, broker=report.broker)
    if row is None:
        pk = db.execute(insert_new(_REPORTS, db.get_bind().dialect.name), values).scalar()
        if pk is not None:
            return []
        row = latest(db, user_id=user_id, broker=report.broker)  # a racing run inserted it
        assert row is not None
    previous = list(row.items)
    for name, value in values.items():
        setattr(row, name, value)
    return previous


def _notify(
    db: Session, user_id: int, report: ReconcileReport, previous: list[dict[str, Any]]
) -> None:
    items = [item_dict(i) for i in report.items]
    watched = _watched(items)
    adopted = [i for i in report.items if i.kind is DriftKind.ORDER_ADOPTED]
    if watched == _watched(previous) and not adopted:
        return
    told = [i for i in report.items if i.kind in ATTENTION or i.kind is DriftKind.ORDER_ADOPTED]
    told_items = [item_dict(i) for i in told]
    name = report.broker.capitalize()
    headline = (
        f"🔀 {name} reconciliation: {len(told)} finding(s)"
        if told
        else f"🔀 {name}: drift resolved"
    )
    notifications.add(
        db,
        user_id=user_id,
        kind=notifications.Kind.DRIFT,
        text="\n".join([headline, *(i.note for i in told[:_NOTIFY_LINES])]),
        at=report.ran_at,
        payload={"broker": report.broker, "drift": report.drift, "items": told_items},
    )


def _market_hours(calendar: TradingCalendar, now: datetime) -> bool:
    try:
        return calendar.session_at(now, Market.EQUITY) is not MarketSession.CLOSED
    except OutsideCalendarError:  # beyond the published holidays: not known to be open
        return False


class ReconcileJobs:
    """The trading loop's reconciliation: once at start-up (whatever the hour), then every
    `every` while the market is in session (pre-open to post-close), on the injected clock."""

    def __init__(
        self,
        *,
        db: Database,
        reconciliation: LiveReconciliation,
        calendar: TradingCalendar,
        clock: Clock,
        every: timedelta,
        guard: Guard = UNGUARDED,
    ) -> None:
        """`guard`: each broker session fails alone (`background.guard`)."""
        self._db = db
        self._guard = guard
        self._reconciliation = reconciliation
        self._calendar = calendar
        self._clock = clock
        self._every = every
        self._ran_at: datetime | None = None

    def run_due(self) -> bool:
        """Reconcile every live user if due; whether it ran."""
        now = self._clock.now()
        if self._ran_at is not None and (
            now - self._ran_at < self._every or not _market_hours(self._calendar, now)
        ):
            return False
        self._ran_at = now
        with self._db.session() as db:
            self._reconciliation.run_all(db, self._guard)
        return True
