"""Which clock the market runs on: live, closed, or the demo's replay of the last session.

The OMS stamps orders, fills and GTTs with market time. In demo mode outside NSE hours that
is a replayed session's instant (a date in the past), while notifications and sign-ins carry
the wall time: the top bar says which is which, so no time on screen is ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from tradertape.domain.calendar import OutsideCalendarError, Session, TradingCalendar
from tradertape.feed.simulated import SimulatedFeed
from tradertape.ports.clock import Clock

# What each clock stamps (docs/architecture.md, "Clocks"): the API lists them so a screen
# can say which clock a time it shows comes from.
MARKET_TIME_STAMPS = ("orders", "trades", "gtts", "ticks", "candles", "mtm exits")
REAL_TIME_STAMPS = (
    "alerts",
    "notifications",
    "uploads",
    "worker runs",
    "heartbeats",
    "agent results",
    "sign-ins",
    "audit trail",
)


class MarketPhase(StrEnum):
    """What the market is doing at the moment, as the desk trades it."""

    OPEN = "open"  # continuous trading on today's session
    CLOSED = "closed"  # no continuous trading (pre-open, after hours, holiday)
    REPLAY = "replay"  # demo: the last session playing again outside NSE hours


@dataclass(frozen=True, slots=True)
class MarketClockView:
    """The wall time, the market's time and how they relate."""

    now: datetime  # the server's clock (wall time, or the pinned demo day)
    market_time: datetime  # the instant orders, fills and GTTs are stamped with
    phase: MarketPhase
    replay_of: date | None  # the session being replayed, in REPLAY
    next_open: datetime | None  # the next real session's open, when not OPEN


def market_clock(
    *, wall: Clock, market: Clock, calendar: TradingCalendar, feed: object
) -> MarketClockView:
    """Read both clocks once and say which phase the market is in (`feed`: the process's)."""
    now = wall.now()
    moment = market.now()
    try:
        if isinstance(feed, SimulatedFeed):
            slot = feed.playing(now)
            if slot.segment.loop > 0:
                return MarketClockView(
                    now=now,
                    market_time=moment,
                    phase=MarketPhase.REPLAY,
                    replay_of=slot.segment.day,
                    next_open=calendar.next_open(now),
                )
        if calendar.session_at(moment) is Session.NORMAL:
            return MarketClockView(now, moment, MarketPhase.OPEN, None, None)
        return MarketClockView(now, moment, MarketPhase.CLOSED, None, calendar.next_open(now))
    except OutsideCalendarError:
        return MarketClockView(now, moment, MarketPhase.CLOSED, None, None)
