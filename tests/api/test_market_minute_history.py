"""Intraday history end to end: the feed's ticks → minute candles → the candle store →
``GET /api/market/history`` at every intraday interval; and the demo's synthetic minutes,
which fold back into exactly their day candles."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import sign_in
from tradertape.candles import CandleSource
from tradertape.candles.live import CandleBook
from tradertape.candles.populate import synthesize
from tradertape.candles.recorder import MinuteRecorder
from tradertape.candles.resample import intraday
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.candles.synthetic_minutes import (
    SESSION_MINUTES,
    day_minutes,
    grid_tick,
    synthesize_minutes,
)
from tradertape.domain.market import Interval
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

DAY = date(2026, 11, 20)  # the tests' clock reads 10:00 IST on this Friday


@pytest.fixture
def signed_in(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "a@x.in")
    return client


def _at(minute: int, second: int) -> datetime:
    return datetime(2026, 11, 20, 9, minute, second, tzinfo=IST)


# (minute past 09:00, second, price, cumulative volume): ten minutes of INFY, 09:15-09:24
TICKS = [
    (15, 1, "1500.00", 100),
    (15, 40, "1503.50", 160),
    (16, 10, "1498.20", 200),
    (17, 5, "1501.00", 260),
    (18, 30, "1506.00", 300),
    (19, 59, "1504.40", 390),
    (20, 0, "1504.00", 400),
    (22, 10, "1495.10", 500),
    (23, 30, "1497.00", 520),
    (24, 50, "1499.90", 600),
]


def test_the_feeds_minutes_are_stored_and_served_at_every_interval(
    signed_in: TestClient, runtime: Runtime
):
    before_restart = CandleBook()  # the book of the process that ran the feed until 09:25
    for minute, second, price, volume in TICKS:
        before_restart.update(
            make_tick("NSE:INFY", price, ts=_at(minute, second), volume=volume, last_quantity=100)
        )
    recorder = MinuteRecorder(
        book=before_restart,
        store=runtime.candles,
        source=CandleSource.BROKER,
        now=lambda: _at(25, 0),
    )
    # 09:15 .. 09:24 are finished at 09:25:00; 09:21 had no tick (no candle)
    assert recorder.flush() == 9
    assert recorder.flush() == 0  # nothing twice
    stored = runtime.candles.read("NSE:INFY", Interval.MINUTE, DAY, DAY)
    assert len(stored) == 9
    info = runtime.candles.info("NSE:INFY", Interval.MINUTE)
    assert info is not None
    assert info.source is CandleSource.BROKER
    # the process restarts: its live book (the runtime's) is empty, the store has the minutes
    body = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "5minute"}
    ).json()
    assert body["source"] == "broker"
    # worked by hand: 09:15-09:19 opens 1500 (first tick), high 1506, low 1498.20, closes
    # 1504.40 (09:19:59), volume 100 (first tick's own) + 60+40+60+40+90 = 390;
    # 09:20-09:24 opens 1504, high 1504, low 1495.10, closes 1499.90, volume 10+100+20+80
    assert body["candles"] == [
        ["2026-11-20T09:15:00+05:30", 1500.0, 1506.0, 1498.2, 1504.4, 390],
        ["2026-11-20T09:20:00+05:30", 1504.0, 1504.0, 1495.1, 1499.9, 210],
    ]
    fifteen = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "15minute"}
    ).json()
    assert fifteen["candles"] == [
        ["2026-11-20T09:15:00+05:30", 1500.0, 1506.0, 1495.1, 1499.9, 600]
    ]
    three = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "3minute"}
    ).json()
    assert [c[0][11:16] for c in three["candles"]] == ["09:15", "09:18", "09:21", "09:24"]
    # the feed goes on after the restart: its minutes follow the stored ones
    runtime.candle_book.update(
        make_tick("NSE:INFY", "1510.00", ts=_at(25, 3), volume=700, last_quantity=100)
    )
    body = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "5minute"}
    ).json()
    assert body["candles"][-1] == ["2026-11-20T09:25:00+05:30", 1510.0, 1510.0, 1510.0, 1510.0, 100]


def test_a_replayed_session_is_the_feeds_from_its_first_minute(
    signed_in: TestClient, runtime: Runtime
):
    # the store holds the whole of the session the demo's feed is replaying (an earlier
    # loop, recorded): from the feed's first minute on, the chart is the feed's, not the
    # stored session's later minutes
    earlier_loop = CandleBook()
    for minute, second, price, volume in TICKS:
        earlier_loop.update(
            make_tick("NSE:INFY", price, ts=_at(minute, second), volume=volume, last_quantity=100)
        )
    MinuteRecorder(
        book=earlier_loop,
        store=runtime.candles,
        source=CandleSource.SYNTHETIC,
        now=lambda: _at(25, 0),
    ).flush()
    runtime.candle_book.update(
        make_tick("NSE:INFY", "1400.00", ts=_at(15, 2), volume=50, last_quantity=50)
    )
    body = signed_in.get(
        "/api/market/history", params={"symbol": "NSE:INFY", "interval": "minute"}
    ).json()
    assert body["candles"] == [["2026-11-20T09:15:00+05:30", 1400.0, 1400.0, 1400.0, 1400.0, 50]]


def test_the_recorder_leaves_minutes_of_another_source_alone(runtime: Runtime):
    stored = np.array(["2026-11-20T03:45:00"], dtype="datetime64[s]")
    from tradertape.candles import Bars

    runtime.candles.write(
        "NSE:INFY",
        Interval.MINUTE,
        Bars.from_arrays(
            Interval.MINUTE, time=stored, open=[1], high=[1], low=[1], close=[1], volume=[1]
        ),
        source=CandleSource.IMPORT,
    )
    runtime.candle_book.update(make_tick("NSE:INFY", "1500", ts=_at(16, 0)))
    recorder = MinuteRecorder(
        book=runtime.candle_book,
        store=runtime.candles,
        source=CandleSource.BROKER,
        now=lambda: _at(30, 0),
    )
    assert recorder.flush() == 0
    assert len(runtime.candles.read("NSE:INFY", Interval.MINUTE, DAY, DAY)) == 1


def test_demo_minutes_fold_back_into_their_day_candles(signed_in: TestClient, runtime: Runtime):
    store = runtime.candles
    market = SyntheticMarket(store.catalog, store.calendar, seed=7)
    keys = ["NSE:INFY", "NSE:MRF", "NSE:IDEA"]  # ₹1,500, ₹1.3 lakh and ₹8 a share
    synthesize(store, market, keys, date(2026, 1, 1), date(2026, 11, 19))
    sessions = store.calendar.trading_days(date(2026, 11, 13), date(2026, 11, 19))
    assert len(sessions) == 5
    report = synthesize_minutes(store, keys, sessions, seed=7)
    assert (report.written, report.complete) == (3, 0)
    again = synthesize_minutes(store, keys, sessions, seed=7)
    assert (again.written, again.complete) == (0, 3)  # idempotent
    for key in keys:
        days = store.read_daily(key, sessions[0], sessions[-1])
        minutes = store.read(key, Interval.MINUTE, sessions[0], sessions[-1])
        assert len(minutes) == 5 * SESSION_MINUTES
        for i, day in enumerate(sessions):
            start = np.datetime64(day, "s") - np.timedelta64(330, "m")
            part = minutes.between(start, start + np.timedelta64(1, "D"))
            assert len(part) == SESSION_MINUTES
            assert part.open[0] == days.open[i]
            assert part.high.max() == days.high[i]
            assert part.low.min() == days.low[i]
            assert part.close[-1] == days.close[i]
            assert part.volume.sum() == days.volume[i]
            # the 60-minute fold of the session is 09:15 .. 15:15, seven candles
            assert len(intraday(part, 60)) == 7
    # served: a 5-minute chart shows the five sessions (75 candles a day)
    body = signed_in.get(
        "/api/market/history",
        params={
            "symbol": "NSE:INFY",
            "interval": "5minute",
            "from": "2026-11-13",
            "to": "2026-11-19",
        },
    ).json()
    assert body["source"] == "synthetic"
    assert len(body["candles"]) == 5 * 75
    assert len({row[0][:10] for row in body["candles"]}) == 5


prices = st.integers(min_value=1, max_value=2_000_000)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(prices, min_size=4, max_size=4),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from([1, 5, 10, 50, 100, 500]),
    st.integers(min_value=0, max_value=2**31),
)
def test_minutes_of_any_day_candle_aggregate_to_it_on_its_grid(
    units: list[int], volume: int, paise: int, seed: int
):
    o, c, a, b = units
    high, low = max(units), min(units)
    del a, b
    o_, h, lo, c_ = (round(u * paise / 100, 2) for u in (o, high, low, c))
    tick = grid_tick(o_, h, lo, c_, DAY)
    bars = day_minutes("NSE:INFY", DAY, o_, h, lo, c_, float(volume), seed=seed)
    assert len(bars) == SESSION_MINUTES
    assert (bars.open[0], bars.high.max(), bars.low.min(), bars.close[-1]) == (o_, h, lo, c_)
    assert bars.volume.sum() == volume
    assert (bars.volume >= 0).all()
    assert (bars.low <= np.minimum(bars.open, bars.close)).all()
    assert (bars.high >= np.maximum(bars.open, bars.close)).all()
    assert (bars.low >= lo).all()
    assert (bars.high <= h).all()
    for column in (bars.open, bars.high, bars.low, bars.close):  # on the day's grid
        assert np.all(np.abs(np.round(column / tick) * tick - column) < 1e-6)
    assert bars.time[0] == np.datetime64("2026-11-20T03:45:00")
    assert np.all(np.diff(bars.time) == np.timedelta64(60, "s"))


def test_the_loops_pass_records_beside_it_once_at_a_time(runtime: Runtime):
    """The loop's job (`start_due`) hands the files to a thread and returns: while a pass
    is in flight no second one starts, and nothing is due again until `every` has passed."""
    book = CandleBook()
    for minute, second, price, volume in TICKS:
        book.update(
            make_tick("NSE:INFY", price, ts=_at(minute, second), volume=volume, last_quantity=100)
        )
    now = [_at(25, 0)]
    recorder = MinuteRecorder(
        book=book, store=runtime.candles, source=CandleSource.BROKER, now=lambda: now[0]
    )
    with recorder._lock:  # a pass that cannot finish yet: the loop still goes on
        assert recorder.start_due() is True
        assert recorder.start_due() is False  # one in flight
    first = recorder.pass_thread
    assert first is not None
    first.join()
    assert len(runtime.candles.read("NSE:INFY", Interval.MINUTE, DAY, DAY)) == 9
    assert recorder.start_due() is False  # not due again within `every`
    now[0] = _at(45, 0)
    assert recorder.start_due() is True
    later = recorder.pass_thread
    assert later is not None
    assert later is not first
    later.join()


def test_one_series_that_fails_to_write_leaves_the_others_recorded(runtime: Runtime):
    """A file that cannot be written (one instrument's) fails alone: the pass records the
    other instruments and the failed one is tried again on the next pass."""
    book = CandleBook()
    for key in ("NSE:INFY", "NSE:TCS"):
        for minute, second, price, volume in TICKS:
            book.update(
                make_tick(key, price, ts=_at(minute, second), volume=volume, last_quantity=100)
            )
    store = runtime.candles
    failing = {"NSE:INFY"}
    real_write = store.write

    def write(key: str, *args: object, **kwargs: object) -> object:
        if key in failing:
            raise OSError("disk refused the file")
        return real_write(key, *args, **kwargs)  # type: ignore[arg-type]

    store.write = write  # type: ignore[method-assign,assignment]
    try:
        recorder = MinuteRecorder(
            book=book, store=store, source=CandleSource.BROKER, now=lambda: _at(25, 0)
        )
        assert recorder.flush() == 9  # TCS's nine minutes; INFY's failed
        failing.clear()
        assert recorder.flush() == 9  # INFY's, on the next pass
    finally:
        del store.write
    assert len(store.read("NSE:TCS", Interval.MINUTE, DAY, DAY)) == 9
    assert len(store.read("NSE:INFY", Interval.MINUTE, DAY, DAY)) == 9
