"""Session schedule: live NSE sessions, the close at rest, and demo replays outside hours."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.calendar_data import nse_calendar
from tradertape.feed.schedule import SessionSchedule, Slot, normal_session
from tradertape.ports.clock import IST

FRI, MON, TUE = date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 24)  # TUE: a holiday
MINUTE = timedelta(minutes=1)


def at(day: date, hhmm: str, seconds: int = 0) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, seconds, tzinfo=IST)


def schedule(*, demo: bool, step: timedelta = MINUTE, hold: int = 0) -> SessionSchedule:
    return SessionSchedule(nse_calendar(), step=step, demo=demo, close_hold=hold)


@pytest.mark.parametrize(
    ("moment", "demo", "day", "loop", "step"),
    [
        pytest.param(at(FRI, "09:15"), False, FRI, 0, 0, id="open"),
        pytest.param(at(FRI, "10:00", 30), False, FRI, 0, 45, id="mid-session"),
        pytest.param(at(FRI, "15:29", 59), False, FRI, 0, 374, id="last-second"),
        pytest.param(at(FRI, "15:30"), False, FRI, 0, 375, id="close"),
        pytest.param(at(FRI, "20:00"), False, FRI, 0, 375, id="evening-rests-at-close"),
        pytest.param(at(date(2026, 11, 21), "12:00"), False, FRI, 0, 375, id="weekend"),
        pytest.param(at(MON, "08:00"), False, FRI, 0, 375, id="before-open"),
        pytest.param(at(TUE, "11:00"), False, MON, 0, 375, id="holiday"),
        pytest.param(at(FRI, "15:30"), True, FRI, 0, 375, id="demo-close"),
        pytest.param(at(FRI, "15:31"), True, FRI, 1, 0, id="demo-first-replay-opens"),
        pytest.param(at(FRI, "21:46"), True, FRI, 1, 375, id="demo-first-replay-closes"),
        pytest.param(at(FRI, "21:47"), True, FRI, 2, 0, id="demo-second-replay"),
        pytest.param(at(MON, "09:14", 59), True, FRI, 11, 183, id="demo-until-the-open"),
        pytest.param(at(MON, "09:15"), True, MON, 0, 0, id="demo-yields-to-the-open"),
    ],
)
def test_slot_at(moment: datetime, demo: bool, day: date, loop: int, step: int):
    slot = schedule(demo=demo).slot_at(moment)
    assert (slot.segment.day, slot.segment.loop, slot.step) == (day, loop, step)


def test_replays_carry_the_replayed_sessions_instants():
    plan = schedule(demo=True)
    slot = plan.slot_at(at(date(2026, 11, 21), "03:00"))  # Saturday night
    assert slot.segment.loop > 0
    assert plan.tick_time(slot).date() == FRI
    assert at(FRI, "09:15") <= plan.tick_time(slot) <= at(FRI, "15:30")


def test_a_step_that_does_not_divide_the_session_still_ends_at_the_close():
    plan = schedule(demo=False, step=timedelta(minutes=7))
    segment = plan.segment(FRI)
    assert plan.last_step(segment) == 54  # ceil(375 / 7)
    assert plan.tick_time(Slot(segment, 53)) == at(FRI, "15:26")
    assert plan.tick_time(Slot(segment, 54)) == at(FRI, "15:30")


@pytest.mark.parametrize(
    ("moment", "demo", "expected"),
    [
        pytest.param(at(FRI, "10:00", 30), False, at(FRI, "10:01"), id="next-step"),
        pytest.param(at(FRI, "15:29", 30), False, at(FRI, "15:30"), id="the-close"),
        pytest.param(at(FRI, "15:30"), False, at(MON, "09:15"), id="rest-until-monday"),
        pytest.param(at(FRI, "15:30"), True, at(FRI, "15:31"), id="demo-replays-next"),
        pytest.param(at(FRI, "21:46", 10), True, at(FRI, "21:47"), id="demo-next-replay"),
        pytest.param(at(MON, "09:14", 30), True, at(MON, "09:15"), id="demo-open-cuts-replay"),
    ],
)
def test_next_due(moment: datetime, demo: bool, expected: datetime):
    assert schedule(demo=demo).next_due(moment) == expected


@pytest.mark.parametrize(
    ("moment", "loop", "step"),
    [
        pytest.param(at(FRI, "15:30"), 0, 375, id="live-close"),
        pytest.param(at(FRI, "15:33"), 0, 375, id="live-close-held"),
        pytest.param(at(FRI, "15:34"), 1, 0, id="first-replay-opens-after-the-hold"),
        pytest.param(at(FRI, "21:49"), 1, 375, id="replay-close"),
        pytest.param(at(FRI, "21:52"), 1, 375, id="replay-close-held"),
        pytest.param(at(FRI, "21:53"), 2, 0, id="second-replay-opens-after-the-hold"),
    ],
)
def test_a_demo_close_is_held_before_the_next_replay(moment: datetime, loop: int, step: int):
    """The session jobs run on a timer: a one-step close went by between two runs."""
    plan = schedule(demo=True, hold=3)
    slot = plan.slot_at(moment)
    assert (slot.segment.loop, slot.step) == (loop, step)
    assert plan.tick_time(slot) == (at(FRI, "15:30") if step == 375 else at(FRI, "09:15"))


def test_a_negative_hold_is_refused():
    with pytest.raises(ValueError, match="close_hold"):
        schedule(demo=True, hold=-1)


@given(
    offset=st.integers(0, 5 * 24 * 3600),
    demo=st.booleans(),
    step_s=st.sampled_from([1, 30, 60, 420]),
    hold=st.sampled_from([0, 1, 15]),
)
def test_slots_are_due_in_order(offset: int, demo: bool, step_s: int, hold: int):
    plan = schedule(demo=demo, step=timedelta(seconds=step_s), hold=hold)
    moment = at(FRI, "09:00") + timedelta(seconds=offset)
    slot = plan.slot_at(moment)
    following = plan.next_due(moment)
    assert plan.due_at(slot) <= moment < following
    assert plan.slot_at(following) != slot
    assert plan.slot_at(following - timedelta(microseconds=1)) == slot


def test_the_normal_session_is_the_equity_timetables():
    assert normal_session(FRI) == (at(FRI, "09:15"), at(FRI, "15:30"))


def test_a_non_positive_step_is_refused():
    with pytest.raises(ValueError, match="positive"):
        schedule(demo=False, step=timedelta(0))
