"""A replay's pure parts: its clock through session time, its prices never looking ahead,
F&O minutes as a tape, and the report's round trips to the paisa."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.candles import CandleStore
from tradertape.candles.bars import Bars
from tradertape.candles.fo_minutes import FoMinuteStore, MinuteContract
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Interval
from tradertape.domain.replay import SESSION, ReplaySpec, Resolution, Timeline, elapsed, open_of
from tradertape.errors import InvalidField
from tradertape.services.workers.replay_report import Fill, report, round_trips
from tradertape.services.workers.replay_tape import load

MON, TUE = date(2026, 11, 2), date(2026, 11, 3)


def test_the_clock_plays_session_time_only():
    timeline = Timeline((MON, TUE))
    assert timeline.at(timedelta(0)) == datetime(2026, 11, 2, 3, 45, tzinfo=UTC)  # 09:15 IST
    # The last minute of Monday's session, then Tuesday's open: no night in between.
    assert timeline.at(SESSION - timedelta(minutes=1)) == open_of(MON) + SESSION - timedelta(
        minutes=1
    )
    assert timeline.at(SESSION) == open_of(TUE)
    assert timeline.at(SESSION * 5) == open_of(TUE) + SESSION  # held at the end
    assert timeline.finished(SESSION * 2)
    assert not timeline.finished(SESSION * 2 - timedelta(1))
    # max: one bar a request; 60×: a wall minute is an hour.
    assert elapsed(0, 3, Resolution.MINUTE, timedelta(hours=9)) == timedelta(minutes=3)
    assert elapsed(0, 1, Resolution.DAY, timedelta(0)) == SESSION
    assert elapsed(60, 0, Resolution.MINUTE, timedelta(minutes=1)) == timedelta(hours=1)


@given(st.integers(0, 2 * 375 * 60))
def test_the_clock_is_always_inside_a_session(seconds: int):
    at = Timeline((MON, TUE)).at(timedelta(seconds=seconds))
    day = MON if at < open_of(TUE) else TUE
    assert open_of(day) <= at <= open_of(day) + SESSION


def test_a_replay_block_names_the_field_it_refuses():
    with pytest.raises(InvalidField, match="replay.speed"):
        ReplaySpec.parse(MON, MON, "minute", "2")
    with pytest.raises(InvalidField, match="replay.resolution"):
        ReplaySpec.parse(MON, MON, "hour", "max")
    assert ReplaySpec.parse(MON, TUE, "day", "60").speed == 60


def test_an_index_plays_from_the_fo_minute_store(tmp_path: Path):
    fo = FoMinuteStore(tmp_path / "fo")
    start = np.datetime64(open_of(MON).replace(tzinfo=None), "s")
    opens = 24_000 + np.arange(375, dtype=np.float64)
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=start + np.arange(375).astype("timedelta64[m]"),
        open=opens,
        high=opens + 1,
        low=opens,
        close=opens + 1,
        volume=np.zeros(375),
    )
    fo.write(MinuteContract("NIFTY", "IDX"), bars)
    tape = load(
        CandleStore(tmp_path / "c", catalog=reference_catalog()),
        "NSE:NIFTY 50",
        1,
        (MON,),
        Resolution.MINUTE,
        fo,
    )
    assert tape.source == "import"
    # At 09:20 the 09:20 minute has not closed: its open; a second before, 09:19's close.
    five = open_of(MON) + timedelta(minutes=5)
    tick = tape.tick_at(five)
    assert tick is not None
    assert tick.last_price == Decimal("24005.0")
    before = tape.tick_at(five - timedelta(seconds=1))
    assert before is not None
    assert before.last_price == Decimal("24004.0")
    assert tape.tick_at(open_of(MON) - timedelta(seconds=1)) is None


def test_nothing_imported_plays_the_synthetic_market(tmp_path: Path):
    tape = load(
        CandleStore(tmp_path / "c", catalog=reference_catalog()),
        "NSE:INFY",
        1,
        (MON, TUE),
        Resolution.DAY,
    )
    assert tape.source == "synthetic"
    assert tape.starts.size == 2
    monday = tape.tick_at(open_of(MON))
    assert monday is not None
    assert monday.last_price == Decimal(str(tape.open[0]))


def test_round_trips_share_both_fills_charges_to_the_paisa():
    at = open_of(MON)
    fills = [
        Fill("NSE:INFY", at, 1, 10, Decimal("1500.00"), Decimal("3.00")),
        Fill("NSE:INFY", at + timedelta(minutes=5), -1, 4, Decimal("1510.50"), Decimal("2.00")),
        Fill("NSE:INFY", at + timedelta(minutes=9), -1, 6, Decimal("1495.00"), Decimal("1.50")),
    ]
    closed, still_open = round_trips(fills)
    assert still_open == []
    # 4 of 10 bought: 4/10 of ₹3.00 entry charges + all ₹2.00 of the exit's = ₹3.20;
    # (1510.50 − 1500.00) × 4 = ₹42.00 gross, ₹38.80 net.
    assert (closed[0]["quantity"], closed[0]["charges"], closed[0]["pnl"]) == (
        4,
        Decimal("3.20"),
        Decimal("38.80"),
    )
    # The other 6: ₹1.80 + ₹1.50 = ₹3.30; (1495.00 − 1500.00) × 6 = −₹30.00, −₹33.30 net.
    assert (closed[1]["charges"], closed[1]["pnl"]) == (Decimal("3.30"), Decimal("-33.30"))
    result = report(fills, {}, Decimal("100000"), at, at + timedelta(minutes=10), ["import"])
    summary = result["summary"]
    assert summary["total_charges"] == Decimal("6.50")
    assert summary["win_rate"] == 50.0
    assert summary["expectancy"] == Decimal("2.75")  # (38.80 − 33.30) / 2
