"""NSE trading days and intraday sessions in IST (reference §5.1), as pure functions of data.

Trading days
------------
A :class:`TradingCalendar` knows the weekday holidays and the weekend special sessions of a
covered date range. Past its last day it may answer for some provisional years: every weekday
trades there but the holidays NSE closes on every year, on the same date (`FIXED_HOLIDAYS`:
Republic Day, Maharashtra Day, Independence Day, Gandhi Jayanti, Christmas), and
`is_provisional` / `uses_provisional` say the answer is a guess, so whatever rests on it (a
scan, a backtest, a GTT's validity, an expiry) is marked. Dates beyond that are refused
(:class:`OutsideCalendarError`).
Special weekend sessions (Budget days, the 2024 Saturday sessions) use the ordinary timetable; the
two 2024 disaster-recovery drill Saturdays really ran shortened segments. Muhurat trading is not
modelled: a Diwali weekday whose only session was Muhurat is a holiday here.

Sessions
--------
Timetables are data, one list of phases per market, each valid from a date. Phase boundaries are
half-open: a phase owns its start minute, not its end. Randomly timed closes (pre-open order entry,
CAS) are modelled at their latest possible time. [2nd] marks secondary sources.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
_DAY = timedelta(days=1)

FIXED_HOLIDAYS: Mapping[tuple[int, int], str] = MappingProxyType(
    {
        (1, 26): "Republic Day",
        (5, 1): "Maharashtra Day",
        (8, 15): "Independence Day",
        (10, 2): "Mahatma Gandhi Jayanti",
        (12, 25): "Christmas",
    }
)
"""NSE's holidays that fall on the same date every year (every published list since 2010
has them on a weekday): known closed even past the published list, where the moving ones
(Holi, Diwali, Eid …) are not."""


class OutsideCalendarError(ValueError):
    """The date is outside the range whose holidays the calendar knows."""


class Market(StrEnum):
    EQUITY = "equity"  # cash segment, stocks without derivatives
    EQUITY_FO = "equity_fo"  # cash segment, stocks with derivatives (closing auction from 2026-08)
    FUTURES = "futures"
    OPTIONS = "options"


class Session(StrEnum):
    CLOSED = "closed"
    BLOCK_DEAL = "block_deal"  # morning block-deal window
    PRE_OPEN_ORDER_ENTRY = "pre_open_order_entry"  # limit and market orders
    PRE_OPEN_LIMIT_ONLY = "pre_open_limit_only"  # from 2026-09-07
    PRE_OPEN_MATCHING = "pre_open_matching"
    PRE_OPEN_BUFFER = "pre_open_buffer"  # transition to continuous trading
    NORMAL = "normal"  # continuous trading
    CAS_REFERENCE_PRICE = "cas_reference_price"  # no orders
    CAS_ORDER_ENTRY = "cas_order_entry"  # limit and market orders
    CAS_LIMIT_ONLY = "cas_limit_only"
    CAS_MATCHING = "cas_matching"
    CLOSING = "closing"  # close being computed, no order entry
    POST_CLOSE = "post_close"  # trades at the closing price only

    @property
    def accepts_orders(self) -> bool:
        return self in _ORDER_ENTRY


_ORDER_ENTRY = frozenset(
    {
        Session.BLOCK_DEAL,
        Session.PRE_OPEN_ORDER_ENTRY,
        Session.PRE_OPEN_LIMIT_ONLY,
        Session.NORMAL,
        Session.CAS_ORDER_ENTRY,
        Session.CAS_LIMIT_ONLY,
        Session.POST_CLOSE,
    }
)


@dataclass(frozen=True, slots=True)
class Phase:
    start: time
    end: time
    session: Session


Timetable = tuple[Phase, ...]


def _phases(*rows: tuple[str, str, Session]) -> Timetable:
    return tuple(Phase(time.fromisoformat(a), time.fromisoformat(b), s) for a, b, s in rows)


_S = Session
_PRE_OPEN = (
    ("09:00", "09:08", _S.PRE_OPEN_ORDER_ENTRY),
    ("09:08", "09:12", _S.PRE_OPEN_MATCHING),
    ("09:12", "09:15", _S.PRE_OPEN_BUFFER),
)
_PRE_OPEN_SEP_2026 = (  # SEBI circular of 2026-01-16, from 2026-09-07 [ref]
    ("09:00", "09:05", _S.PRE_OPEN_ORDER_ENTRY),
    ("09:05", "09:10", _S.PRE_OPEN_LIMIT_ONLY),
    ("09:10", "09:12", _S.PRE_OPEN_MATCHING),
    ("09:12", "09:15", _S.PRE_OPEN_BUFFER),
)
_BLOCK = (("08:45", "09:00", _S.BLOCK_DEAL),)
_CASH_CLOSE = (("09:15", "15:30", _S.NORMAL), ("15:30", "15:40", _S.CLOSING))
_CASH_CLOSE_AUG_2026 = (("09:15", "15:30", _S.NORMAL), ("15:30", "15:50", _S.CLOSING))
_CAS_AUG_2026 = (  # closing auction for stocks with derivatives, from 2026-08-03 [ref]
    ("09:15", "15:15", _S.NORMAL),
    ("15:15", "15:20", _S.CAS_REFERENCE_PRICE),
    ("15:20", "15:25", _S.CAS_ORDER_ENTRY),
    ("15:25", "15:30", _S.CAS_LIMIT_ONLY),
    ("15:30", "15:35", _S.CAS_MATCHING),
    ("15:35", "15:50", _S.CLOSING),
)
_CAS_DEC_2026 = (  # SEBI circular of 2026-10-15, from 2026-12-07 [2nd: aion calendar data]
    ("09:15", "15:30", _S.NORMAL),
    ("15:30", "15:31", _S.CAS_REFERENCE_PRICE),
    ("15:31", "15:36", _S.CAS_ORDER_ENTRY),
    ("15:36", "15:40", _S.CAS_LIMIT_ONLY),
    ("15:40", "15:50", _S.CLOSING),  # matching follows the close; no separate window is given
)
_POST_CLOSE = (("15:40", "16:00", _S.POST_CLOSE),)
_POST_CLOSE_AUG_2026 = (("15:50", "16:00", _S.POST_CLOSE),)


def _until(end: str) -> tuple[tuple[str, str, Session], ...]:
    return (("09:15", end, _S.NORMAL),)


_AUG_2026, _SEP_2026, _DEC_2026 = date(2026, 8, 3), date(2026, 9, 7), date(2026, 12, 7)
_TIMETABLES: dict[Market, tuple[tuple[date, Timetable], ...]] = {
    Market.EQUITY: (
        (date.min, _phases(*_BLOCK, *_PRE_OPEN, *_CASH_CLOSE, *_POST_CLOSE)),
        (_AUG_2026, _phases(*_BLOCK, *_PRE_OPEN, *_CASH_CLOSE_AUG_2026, *_POST_CLOSE_AUG_2026)),
        (
            _SEP_2026,
            _phases(*_BLOCK, *_PRE_OPEN_SEP_2026, *_CASH_CLOSE_AUG_2026, *_POST_CLOSE_AUG_2026),
        ),
    ),
    Market.EQUITY_FO: (
        (date.min, _phases(*_BLOCK, *_PRE_OPEN, *_CASH_CLOSE, *_POST_CLOSE)),
        (_AUG_2026, _phases(*_BLOCK, *_PRE_OPEN, *_CAS_AUG_2026, *_POST_CLOSE_AUG_2026)),
        (_SEP_2026, _phases(*_BLOCK, *_PRE_OPEN_SEP_2026, *_CAS_AUG_2026, *_POST_CLOSE_AUG_2026)),
        (_DEC_2026, _phases(*_BLOCK, *_PRE_OPEN_SEP_2026, *_CAS_DEC_2026, *_POST_CLOSE_AUG_2026)),
    ),
    Market.FUTURES: (  # pre-open call auction since 2025-12-08, "timed like the cash pre-open"
        (date.min, _phases(*_until("15:30"))),
        (date(2025, 12, 8), _phases(*_PRE_OPEN, *_until("15:30"))),
        (_AUG_2026, _phases(*_PRE_OPEN, *_until("15:40"))),
        (_SEP_2026, _phases(*_PRE_OPEN_SEP_2026, *_until("15:40"))),
        (_DEC_2026, _phases(*_PRE_OPEN_SEP_2026, *_until("15:45"))),  # [2nd]
    ),
    Market.OPTIONS: (  # options have no pre-open
        (date.min, _phases(*_until("15:30"))),
        (_AUG_2026, _phases(*_until("15:40"))),
        (_DEC_2026, _phases(*_until("15:45"))),  # [2nd]; expiring index options stop at 15:30
    ),
}


def timetable(market: Market, day: date) -> Timetable:
    """The phases of ``market`` on ``day`` if it is a trading day."""
    table = _TIMETABLES[market]
    return table[bisect_right([start for start, _ in table], day) - 1][1]


def _open_time(market: Market, day: date) -> time:
    return next(p.start for p in timetable(market, day) if p.session is Session.NORMAL)


def _to_ist(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous; pass a timezone-aware one")
    return moment.astimezone(IST)


class TradingCalendar:
    """Trading days of NSE's equity and equity-derivative segments over a covered range."""

    __slots__ = ("_first", "_holidays", "_last", "_names", "_provisional_until", "_special")

    def __init__(
        self,
        holidays: Iterable[date],
        *,
        first_day: date,
        last_day: date,
        special_sessions: Iterable[date] = (),
        names: Mapping[date, str] | None = None,
        provisional_years: int = 0,
    ) -> None:
        """``provisional_years`` extends coverage past ``last_day``: every weekday trades there.

        A running system must not stop on 1 January because next year's holiday list is not
        published yet; `is_provisional` tells callers (and the UI) which days are guesses.
        """
        if first_day > last_day:
            raise ValueError("first_day is after last_day")
        self._first, self._last = first_day, last_day
        self._provisional_until = date(last_day.year + provisional_years, 12, 31)
        self._holidays = frozenset(holidays)
        self._special = frozenset(special_sessions)
        self._names = MappingProxyType(dict(names or {}))
        if self._holidays & self._special:
            raise ValueError("a date cannot be both a holiday and a special session")
        outside = sorted(
            d for d in self._holidays | self._special if not first_day <= d <= last_day
        )
        if outside:
            raise ValueError(f"dates outside {first_day}..{last_day}: {outside[:3]}")

    @property
    def first_day(self) -> date:
        return self._first

    @property
    def last_day(self) -> date:
        return self._last

    def covers(self, day: date) -> bool:
        return self._first <= day <= max(self._last, self._provisional_until)

    @property
    def provisional_until(self) -> date:
        """The last day answered at all: after `last_day`, weekdays up to here are guesses."""
        return max(self._last, self._provisional_until)

    def is_provisional(self, day: date) -> bool:
        """Whether ``day`` lies past the published holiday list (weekdays assumed to trade)."""
        return self._last < day <= self._provisional_until

    def uses_provisional(self, start: date, end: date) -> bool:
        """Whether any day from ``start`` to ``end`` is provisional: a result computed over
        them (a scan, a backtest, a GTT's validity) rests on guessed sessions and says so."""
        return start <= end and self._last < end and start <= self._provisional_until

    def _require(self, day: date) -> None:
        if not self.covers(day):
            end = max(self._last, self._provisional_until)
            raise OutsideCalendarError(f"{day} is outside {self._first}..{end}")

    def is_trading_day(self, day: date) -> bool:
        self._require(day)
        if day in self._special:
            return True
        if day.weekday() >= 5 or day in self._holidays:
            return False
        return not (self.is_provisional(day) and (day.month, day.day) in FIXED_HOLIDAYS)

    def holiday_name(self, day: date) -> str | None:
        """Why a weekday is closed, or the name of a special session; None otherwise."""
        self._require(day)
        if self.is_provisional(day) and day.weekday() < 5:
            return FIXED_HOLIDAYS.get((day.month, day.day))
        return self._names.get(day)

    def next_trading_day(self, day: date) -> date:
        """The first trading day strictly after ``day``."""
        candidate = day + _DAY
        while not self.is_trading_day(candidate):
            candidate += _DAY
        return candidate

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before ``day``."""
        candidate = day - _DAY
        while not self.is_trading_day(candidate):
            candidate -= _DAY
        return candidate

    def trading_days(self, start: date, end: date) -> tuple[date, ...]:
        """Trading days from ``start`` to ``end``, both included; empty if start > end."""
        days: list[date] = []
        day = start
        while day <= end:
            if self.is_trading_day(day):
                days.append(day)
            day += _DAY
        return tuple(days)

    def session_at(self, moment: datetime, market: Market = Market.EQUITY) -> Session:
        """The session ``market`` is in at ``moment`` (any timezone; converted to IST)."""
        local = _to_ist(moment)
        if not self.is_trading_day(local.date()):
            return Session.CLOSED
        now = local.time().replace(tzinfo=None)
        for phase in timetable(market, local.date()):
            if phase.start <= now < phase.end:
                return phase.session
        return Session.CLOSED

    def next_open(self, moment: datetime, market: Market = Market.EQUITY) -> datetime:
        """Start of the first continuous (NORMAL) session at or after ``moment``, in IST."""
        local = _to_ist(moment)
        day = local.date()
        if self.is_trading_day(day):
            today = datetime.combine(day, _open_time(market, day), IST)
            if local <= today:
                return today
        day = self.next_trading_day(day)
        return datetime.combine(day, _open_time(market, day), IST)
