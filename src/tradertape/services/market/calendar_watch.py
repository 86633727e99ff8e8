"""Saying, loudly and once a day, that the NSE holiday list has run out (or soon will).

Past the list's last day the calendar treats every weekday as a trading day (see
`domain.calendar_data`), so nothing stops; but a holiday would then be traded through, and
whoever runs the server must load the next list (`tradertape calendar import FILE`).
"""

from __future__ import annotations

import logging
from datetime import date

from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.calendar_data import calendar_warning
from tradertape.ports.clock import IST, Clock

log = logging.getLogger("tradertape.calendar")


def warning_now(calendar: TradingCalendar, clock: Clock) -> str | None:
    """The calendar's warning for today (IST), if it has one."""
    return calendar_warning(calendar, clock.now().astimezone(IST).date())


class CalendarWatch:
    """Logs the warning at the first check of each IST day (the trading loop's timer)."""

    def __init__(self, calendar: TradingCalendar, clock: Clock) -> None:
        self._calendar = calendar
        self._clock = clock
        self._checked: date | None = None

    def run_due(self) -> str | None:
        """Log today's warning once; returns it when this call logged it."""
        today = self._clock.now().astimezone(IST).date()
        if today == self._checked:
            return None
        self._checked = today
        warning = calendar_warning(self._calendar, today)
        if warning is not None:
            log.warning("[calendar] %s", warning)
        return warning
