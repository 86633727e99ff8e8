"""Where the market clock stands: which session is playing, and which step of it.

A *segment* is one playing of one trading day's bar: the real NSE session of that day
(``loop == 0``, 09:15–15:30 IST as `domain.calendar` times the equity market), or, in demo mode,
the n-th replay of the most recent session after its close (``loop == n ≥ 1``).

Demo mapping: outside the real session, the market time elapsed since the last real close is
cut into back-to-back replays of that session. Each close (the live one and every replay's) is
held for `close_hold` steps before the next replay opens: the session jobs run on a timer (every
few seconds of wall time), and a close that lasted one step went by between two runs, so DAY
orders outlived their session into the next replay. The replays play the last real day's bar again
(same open, high, low, close and volume) on a fresh intraday path each, until the next real open
cuts the current replay short. Their ticks carry the *replayed* session's instants (a date in
the past, 09:15–15:30 IST), which is how a consumer can tell a replay from live trading.

Without demo mode, outside the session the market simply rests at the last session's close.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from tradertape.domain.calendar import IST, Market, Session, TradingCalendar, timetable


@dataclass(frozen=True, slots=True)
class Segment:
    """One playing of a trading day's bar: the live session (loop 0) or a demo replay."""

    day: date
    loop: int
    open: datetime  # aware; the real session's open on `day`
    close: datetime  # aware; the real session's close on `day`


@dataclass(frozen=True, slots=True)
class Slot:
    """One step of one segment; the feed prints one tick per instrument for it."""

    segment: Segment
    step: int


@lru_cache(maxsize=64)
def normal_session(day: date) -> tuple[datetime, datetime]:
    """Open and close of continuous trading on `day` (equity cash market), aware in IST."""
    phase = next(p for p in timetable(Market.EQUITY, day) if p.session is Session.NORMAL)
    return datetime.combine(day, phase.start, IST), datetime.combine(day, phase.end, IST)


class SessionSchedule:
    """Maps market instants to slots and back, for a given tick step and demo mode."""

    def __init__(
        self, calendar: TradingCalendar, *, step: timedelta, demo: bool, close_hold: int = 0
    ) -> None:
        if step <= timedelta(0):
            raise ValueError("the tick step must be positive")
        if close_hold < 0:
            raise ValueError("close_hold must not be negative")
        self._calendar = calendar
        self._step = step
        self._demo = demo
        self._hold = close_hold

    @property
    def step(self) -> timedelta:
        """Market time between two ticks of an instrument."""
        return self._step

    def segment(self, day: date, loop: int = 0) -> Segment:
        """The segment playing `day`'s bar for the `loop`-th time (0 = live)."""
        opens, closes = normal_session(day)
        return Segment(day=day, loop=loop, open=opens, close=closes)

    def last_step(self, segment: Segment) -> int:
        """Index of the closing step of a segment."""
        return math.ceil((segment.close - segment.open) / self._step)

    def tick_time(self, slot: Slot) -> datetime:
        """The instant a slot's ticks carry: inside the played day's session."""
        seg = slot.segment
        return min(seg.open + slot.step * self._step, seg.close)

    def due_at(self, slot: Slot) -> datetime:
        """The market instant from which a slot is due."""
        seg = slot.segment
        if seg.loop == 0:
            return self.tick_time(slot)
        per_loop = self.last_step(seg) + 1 + self._hold
        return seg.close + (self._hold + (seg.loop - 1) * per_loop + slot.step + 1) * self._step

    def slot_at(self, moment: datetime) -> Slot:
        """The latest slot due at `moment` (aware).

        Raises
        ------
        OutsideCalendarError
            `moment` falls outside the years the calendar knows.
        """
        local = moment.astimezone(IST)
        day = local.date()
        if self._calendar.is_trading_day(day):
            opens, closes = normal_session(day)
            if opens <= local < closes:
                return Slot(self.segment(day), (local - opens) // self._step)
            last = day if local >= closes else self._calendar.previous_trading_day(day)
        else:
            last = self._calendar.previous_trading_day(day)
        live = self.segment(last)
        final = Slot(live, self.last_step(live))
        since_close = (local - live.close) // self._step
        if not self._demo or since_close <= self._hold:
            return final
        per_loop = final.step + 1 + self._hold
        loop, step = divmod(since_close - self._hold - 1, per_loop)
        return Slot(self.segment(last, loop + 1), min(step, final.step))  # a held close

    def next_due(self, moment: datetime) -> datetime:
        """The first market instant after `moment` at which a new slot is due."""
        slot = self.slot_at(moment)
        last = self.last_step(slot.segment)
        candidates = [self._calendar.next_open(moment)]
        if slot.segment.loop > 0:
            follow = Slot(slot.segment, slot.step + 1) if slot.step < last else None
            candidates.append(
                self.due_at(follow)
                if follow
                else self.due_at(slot) + (self._hold + 1) * self._step,
            )
        elif slot.step < last:
            candidates.append(self.due_at(Slot(slot.segment, slot.step + 1)))
        elif self._demo:
            candidates.append(slot.segment.close + (self._hold + 1) * self._step)
        later = [c for c in candidates if c > moment]
        return min(later) if later else moment + self._step
