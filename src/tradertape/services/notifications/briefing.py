"""The optional morning briefing: portfolio status and risk warnings before the open.

Users opt in (API or ``/briefing on``) and pick a time before the open (08:45 IST by
default). On NSE trading days the trading loop's timer (`BriefingJobs.run_due`, like the
portfolio scans) writes one ``briefing`` notification per opted-in user with a linked chat,
and the bot delivers it. The notification's idempotency key (``briefing:<day>``) makes it
once per user and day, across restarts and processes. A briefing the server was down for
is still sent later that day, until the close; never on holidays or weekends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import Notification, NotificationSettings, TelegramLink
from tradertape.domain.calendar import TradingCalendar
from tradertape.errors import InvalidField
from tradertape.oms import UNGUARDED, Guard
from tradertape.ports.clock import IST, Clock
from tradertape.services.notifications import events as notifications
from tradertape.services.notifications.reports import Reports

log = logging.getLogger("tradertape.telegram")
DEFAULT_TIME = time(8, 45)
OPENS_AT = time(9, 15)  # NSE's continuous session; a briefing is for before it
SEND_UNTIL = time(15, 30)  # a briefing missed while the server was down, up to the close


@dataclass(frozen=True, slots=True)
class BriefingSettings:
    """Whether a user gets the daily briefing, and when (IST)."""

    enabled: bool
    at: time


def settings_of(db: Session, *, user_id: int) -> BriefingSettings:
    """The user's choice; the default is off, at 08:45."""
    row = _row(db, user_id)
    if row is None:
        return BriefingSettings(enabled=False, at=DEFAULT_TIME)
    return BriefingSettings(enabled=row.briefing_enabled, at=row.briefing_time)


def _row(db: Session, user_id: int) -> NotificationSettings | None:
    query = select(NotificationSettings).where(NotificationSettings.user_id == user_id)
    return db.scalar(query)


def update(
    db: Session,
    *,
    user_id: int,
    clock: Clock,
    enabled: bool | None = None,
    at: time | None = None,
) -> BriefingSettings:
    """Change the choice (``None`` keeps a value); a time not before the open is a 422."""
    if at is not None:
        if at.tzinfo is not None:
            raise InvalidField("time", "give the time in IST without an offset, e.g. 08:45")
        if at >= OPENS_AT:
            raise InvalidField("time", "must be before the open (09:15 IST)")
    row = _row(db, user_id)
    if row is None:
        row = NotificationSettings(
            user_id=user_id, briefing_enabled=False, briefing_time=DEFAULT_TIME
        )
        db.add(row)
    if enabled is not None:
        row.briefing_enabled = enabled
    if at is not None:
        row.briefing_time = at.replace(second=0, microsecond=0)
    row.updated_at = clock.now()
    try:
        db.commit()
    except IntegrityError:  # a concurrent first change of the same user: take theirs, retry
        db.rollback()
        return update(db, user_id=user_id, clock=clock, enabled=enabled, at=at)
    return BriefingSettings(enabled=row.briefing_enabled, at=row.briefing_time)


def describe(settings: BriefingSettings) -> str:
    """The choice in words, for the bot's replies."""
    if not settings.enabled:
        return "The daily briefing is off (/briefing on to get it)."
    return f"The daily briefing is on: {settings.at:%H:%M} IST on NSE trading days."


class BriefingJobs:
    """Writes the day's briefings into the outbox once their time has come."""

    def __init__(
        self,
        *,
        db: Database,
        reports: Reports,
        calendar: TradingCalendar,
        clock: Clock,
        guard: Guard = UNGUARDED,
    ) -> None:
        """`guard`: each user's briefing fails alone (`background.guard`)."""
        self._db = db
        self._guard = guard
        self._reports = reports
        self._calendar = calendar
        self._clock = clock

    def run_due(self) -> list[int]:
        """Brief every opted-in, linked user whose time has passed today; returns them."""
        now = self._clock.now()
        local = now.astimezone(IST)
        day, clock_time = local.date(), local.time().replace(tzinfo=None)
        if clock_time >= SEND_UNTIL or not self._calendar.covers(day):
            return []
        if not self._calendar.is_trading_day(day):
            return []
        key = f"briefing:{day.isoformat()}"
        with self._db.session() as db:
            wanted = db.execute(
                select(NotificationSettings.user_id, NotificationSettings.briefing_time)
                .join(TelegramLink, TelegramLink.user_id == NotificationSettings.user_id)
                .where(NotificationSettings.briefing_enabled.is_(True))
            ).all()
            due = {user_id for user_id, at in wanted if at <= clock_time}
            done = set(
                db.scalars(
                    select(Notification.user_id).where(
                        Notification.idempotency_key == key, Notification.user_id.in_(due)
                    )
                )
            )

            def brief(user_id: int) -> int | None:
                text = self._reports.briefing(db, user_id)
                notifications.add(
                    db,
                    user_id=user_id,
                    kind=notifications.Kind.BRIEFING,
                    text=text,
                    at=now,
                    payload={"day": day.isoformat()},
                    idempotency_key=key,
                )
                try:
                    db.commit()
                except IntegrityError:  # another process briefed this user meanwhile
                    db.rollback()
                    return None
                return user_id

            wrote = self._guard.each(
                sorted(due - done),
                job="briefing",
                key=lambda user_id: f"user:{user_id}",
                owner=lambda user_id: user_id,
                work=brief,
                db=db,
            )
        briefed = [user_id for user_id in wrote if user_id is not None]
        if briefed:
            log.info("morning briefing for %s written for %d users", day, len(briefed))
        return briefed
