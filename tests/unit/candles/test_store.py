"""The Parquet candle store: layout, merging, source rules, minute files, panels and the cache."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.candles.conftest import day_bars, weekdays
from tradertape.candles import Bars, CandleSource, CandleStore, SourceConflict
from tradertape.domain.calendar import OutsideCalendarError, TradingCalendar
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField
from tradertape.ports.broker import DailyBar

SYN, IMP, BRK = CandleSource.SYNTHETIC, CandleSource.IMPORT, CandleSource.BROKER


def test_day_series_round_trips_with_its_facts(store: CandleStore):
    written = store.write_daily(
        "infy", day_bars(["2024-01-01", "2024-01-02"]), source=SYN, origin="seed 1"
    )
    assert written.key == "NSE:INFY"
    assert (written.source, written.origin, written.rows) == (SYN, "seed 1", 2)
    assert (written.first, written.last) == (date(2024, 1, 1), date(2024, 1, 2))
    assert store.path("NSE:INFY", Interval.DAY) == store.root / "day" / "NSE" / "INFY.parquet"
    bars = store.read_daily("NSE:INFY", date(2024, 1, 2), date(2024, 12, 31))
    assert bars.close.tolist() == [101.0]
    assert bars.time.tolist() == [date(2024, 1, 2)]


def test_daily_bar_rows_are_accepted(store: CandleStore):
    store.write_daily("NSE:TCS", [DailyBar(date(2024, 1, 1), 10, 11, 9, 10.5, 7)], source=IMP)
    assert store.read_daily("NSE:TCS", date(2024, 1, 1), date(2024, 1, 1)).to_daily()[0].volume == 7


def test_index_names_stay_readable_on_disk(store: CandleStore):
    store.write_daily("NSE:NIFTY 50", day_bars(["2024-01-01"]), source=SYN)
    store.write_daily("NSE:M&M", day_bars(["2024-01-01"]), source=SYN)
    store.write_daily("NSE:BAJAJ-AUTO", day_bars(["2024-01-01"]), source=SYN)
    assert (store.root / "day" / "NSE" / "NIFTY 50.parquet").exists()
    assert store.keys(Interval.DAY) == ["NSE:BAJAJ-AUTO", "NSE:M&M", "NSE:NIFTY 50"]
    assert [i.key for i in store.inventory(Interval.DAY)] == store.keys(Interval.DAY)
    assert store.keys(Interval.MINUTE) == []


def test_writes_merge_and_new_candles_win(store: CandleStore):
    store.write_daily("NSE:INFY", day_bars(["2024-01-01", "2024-01-02"]), source=IMP)
    store.write_daily("NSE:INFY", day_bars(["2024-01-02", "2024-01-03"], base=200), source=IMP)
    bars = store.read_daily("NSE:INFY", date(2024, 1, 1), date(2024, 1, 3))
    assert bars.close.tolist() == [100.0, 200.0, 201.0]


@pytest.mark.parametrize(
    ("first", "second", "replace", "closes"),
    [
        pytest.param(SYN, IMP, True, [300.0], id="real-replaces-synthetic-when-asked"),
        pytest.param(IMP, IMP, True, [300.0], id="explicit-replace"),
        pytest.param(SYN, SYN, False, [100.0, 300.0], id="same-source-merges"),
    ],
)
def test_source_rules(
    store: CandleStore,
    first: CandleSource,
    second: CandleSource,
    replace: bool,
    closes: list[float],
):
    store.write_daily("NSE:INFY", day_bars(["2024-01-01"]), source=first)
    info = store.write_daily(
        "NSE:INFY", day_bars(["2024-01-02"], base=300), source=second, replace=replace
    )
    assert info.source is second
    assert store.read_daily("NSE:INFY", date(2024, 1, 1), date(2024, 1, 9)).close.tolist() == closes


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(IMP, SYN, id="synthetic-never-overwrites-real"),
        pytest.param(SYN, IMP, id="real-never-silently-replaces-synthetic"),
        pytest.param(IMP, BRK, id="two-real-sources-do-not-mix"),
    ],
)
def test_conflicting_sources_write_nothing(
    store: CandleStore, first: CandleSource, second: CandleSource
):
    store.write_daily("NSE:INFY", day_bars(["2024-01-01"]), source=first)
    before = store.path("NSE:INFY", Interval.DAY).read_bytes()
    with pytest.raises(SourceConflict, match="not mixing"):
        store.write_daily("NSE:INFY", day_bars(["2024-01-02"]), source=second)
    assert store.path("NSE:INFY", Interval.DAY).read_bytes() == before


def test_invalid_candles_write_nothing(store: CandleStore):
    bars = day_bars(["2024-01-01", "2024-01-02"])
    bars.high[1] = 1.0
    with pytest.raises(InvalidField, match="high"):
        store.write_daily("NSE:INFY", bars, source=IMP)
    assert not store.path("NSE:INFY", Interval.DAY).exists()
    assert store.info("NSE:INFY", Interval.DAY) is None
    assert len(store.read_daily("NSE:INFY", date(2024, 1, 1), date(2024, 1, 2))) == 0


def _minutes(ist: list[str], base: float = 50.0) -> Bars:
    utc = np.array(ist, dtype="datetime64[s]") - np.timedelta64(330, "m")
    close = base + np.arange(len(ist), dtype=np.float64)
    return Bars.from_arrays(
        Interval.MINUTE,
        time=utc,
        open=close,
        high=close + 1,
        low=close - 1,
        close=close,
        volume=np.full(len(ist), 5.0),
    )


def test_minute_bars_are_filed_by_ist_month(store: CandleStore):
    # 00:05 IST on 1 February is still 31 January in UTC: it belongs to February's file.
    bars = _minutes(["2024-01-31T15:29:00", "2024-02-01T00:05:00", "2024-02-01T09:15:00"])
    info = store.write("NSE:INFY", Interval.MINUTE, bars, source=IMP, origin="kite.csv")
    folder = store.path("NSE:INFY", Interval.MINUTE)
    assert sorted(p.name for p in folder.iterdir()) == ["2024-01.parquet", "2024-02.parquet"]
    assert (info.rows, info.files, info.origin) == (3, 2, "kite.csv")
    feb = store.read("NSE:INFY", Interval.MINUTE, date(2024, 2, 1), date(2024, 2, 1))
    assert feb.close.tolist() == [51.0, 52.0]
    both = store.read("NSE:INFY", Interval.MINUTE, date(2024, 1, 1), date(2024, 2, 29))
    assert len(both) == 3
    assert store.keys(Interval.MINUTE) == ["NSE:INFY"]


def test_reading_candles_does_not_import_pandas(store: CandleStore):
    # pandas costs a fresh process seconds to import; the first scan of the day paid it.
    store.write_daily("NSE:INFY", day_bars(["2024-01-02", "2024-01-03"]), source=SYN)
    store.write("NSE:INFY", Interval.MINUTE, _minutes(["2024-01-02T09:15:00"]), source=SYN)
    script = (
        "import sys; from datetime import date; from pathlib import Path\n"
        "from tradertape.candles.parquet import read_file\n"
        "from tradertape.domain.market import Interval\n"
        f"day = read_file(Path({str(store.path('NSE:INFY', Interval.DAY))!r}), Interval.DAY)\n"
        f"folder = Path({str(store.path('NSE:INFY', Interval.MINUTE))!r})\n"
        "minute = read_file(next(folder.iterdir()), Interval.MINUTE)\n"
        "print(day.time.tolist(), minute.time.tolist(), 'pandas' in sys.modules)\n"
    )
    run = [sys.executable, "-c", script]
    out = subprocess.run(run, capture_output=True, text=True, check=True)  # noqa: S603 - our script
    assert out.stdout.strip() == (
        "[datetime.date(2024, 1, 2), datetime.date(2024, 1, 3)] "
        "[datetime.datetime(2024, 1, 2, 3, 45)] False"
    )


def test_minute_merge_and_replace(store: CandleStore):
    store.write("NSE:INFY", Interval.MINUTE, _minutes(["2024-01-02T09:15:00"]), source=SYN)
    store.write("NSE:INFY", Interval.MINUTE, _minutes(["2024-01-02T09:16:00"]), source=SYN)
    merged = store.info("NSE:INFY", Interval.MINUTE)
    assert merged is not None
    assert merged.rows == 2
    later = _minutes(["2024-03-04T09:15:00"])
    with pytest.raises(SourceConflict, match="--replace"):
        store.write("NSE:INFY", Interval.MINUTE, later, source=IMP)
    store.write("NSE:INFY", Interval.MINUTE, later, source=IMP, replace=True)
    info = store.info("NSE:INFY", Interval.MINUTE)
    assert info is not None
    assert (info.rows, info.files, info.source) == (1, 1, IMP)
    assert len(store.read("NSE:INFY", Interval.MINUTE, date(2024, 5, 1), date(2024, 5, 2))) == 0


def test_panel_aligns_on_trading_days_with_nan_gaps(store: CandleStore, calendar: TradingCalendar):
    days = weekdays(date(2024, 1, 1), 10, calendar)
    store.write_daily("NSE:INFY", day_bars(days), source=SYN)
    store.write_daily("NSE:TCS", day_bars(days[::2], base=500), source=IMP)
    panel = store.load_panel(["infy", "NSE:TCS", "NSE:WIPRO"], date(2024, 1, 1), date(2024, 1, 31))
    expected = calendar.trading_days(date(2024, 1, 1), date(2024, 1, 31))
    assert panel.days.tolist() == list(expected)
    assert panel.shape == (len(expected), 3)
    assert panel.keys == ("NSE:INFY", "NSE:TCS", "NSE:WIPRO")
    assert panel.sources == ("synthetic", "import", None)
    assert panel.sectors == ("Information Technology",) * 3
    assert panel.close[:10, 0].tolist() == [100.0 + i for i in range(10)]
    assert np.isnan(panel.close[10:, 0]).all()
    assert panel.close[0:10:2, 1].tolist() == [500.0 + i for i in range(5)]
    assert np.isnan(panel.close[1:10:2, 1]).all()
    assert np.isnan(panel.volume[:, 2]).all()
    assert panel.bars("NSE:TCS").close.tolist() == [500.0 + i for i in range(5)]
    with pytest.raises(KeyError):
        panel.column("NSE:SBIN")


def test_panel_drops_bars_off_the_calendar(store: CandleStore):
    store.write_daily("NSE:INFY", day_bars(["2024-01-06", "2024-01-08"]), source=IMP)  # a Saturday
    panel = store.load_panel(["NSE:INFY"], date(2024, 1, 5), date(2024, 1, 8))
    assert panel.days.tolist() == [date(2024, 1, 5), date(2024, 1, 8)]
    assert np.isnan(panel.close[0, 0])
    assert panel.close[1, 0] == 101.0


def test_panel_outside_the_calendar_is_refused(store: CandleStore):
    with pytest.raises(OutsideCalendarError):
        store.load_panel(["NSE:INFY"], date(2001, 1, 1), date(2002, 1, 1))


def test_warm_panel_reads_no_file_until_one_changes(
    store: CandleStore, catalog: InstrumentCatalog, tmp_path: Path
):
    store.write_daily("NSE:INFY", day_bars(["2024-01-01", "2024-01-02"]), source=SYN)
    store.load_panel(["NSE:INFY"], date(2024, 1, 1), date(2024, 1, 31))
    reads = store.file_reads
    again = store.load_panel(["NSE:INFY"], date(2024, 1, 1), date(2024, 1, 31))
    assert store.file_reads == reads
    again.close[0, 0] = -1.0  # a caller's copy: the cache is not touched
    # Another process (here: another store on the same folder) rewrites the file.
    other = CandleStore(store.root, catalog=catalog)
    other.write_daily("NSE:INFY", day_bars(["2024-01-01"], base=900), source=IMP, replace=True)
    fresh = store.load_panel(["NSE:INFY"], date(2024, 1, 1), date(2024, 1, 2))
    assert store.file_reads == reads + 1
    assert fresh.close[:, 0].tolist()[0] == 900.0
    assert fresh.sources == ("import",)


def test_cache_is_bounded(catalog: InstrumentCatalog, tmp_path: Path):
    small = CandleStore(tmp_path, catalog=catalog, max_cached_series=2)
    for key in ("NSE:INFY", "NSE:TCS", "NSE:WIPRO"):
        small.write_daily(key, day_bars(["2024-01-01"]), source=SYN)
    small.load_panel(["NSE:INFY", "NSE:TCS", "NSE:WIPRO"], date(2024, 1, 1), date(2024, 1, 1))
    reads = small.file_reads
    small.load_panel(["NSE:WIPRO", "NSE:TCS"], date(2024, 1, 1), date(2024, 1, 1))
    assert small.file_reads == reads
    small.load_panel(["NSE:INFY"], date(2024, 1, 1), date(2024, 1, 1))
    assert small.file_reads == reads + 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    closes=st.lists(st.floats(0.05, 1e5, allow_nan=False), min_size=1, max_size=30),
    spread=st.floats(0.0, 0.2),
    volume=st.integers(0, 10**10),
)
def test_any_valid_series_round_trips_exactly(
    store: CandleStore, closes: list[float], spread: float, volume: int
):
    close = np.array(closes)
    days = np.datetime64("2020-01-01") + np.arange(close.size)
    bars = Bars.from_arrays(
        Interval.DAY,
        time=days,
        open=close,
        high=close * (1 + spread),
        low=close / (1 + spread),
        close=close,
        volume=np.full(close.size, float(volume)),
    )
    store.write_daily("NSE:INFY", bars, source=SYN, replace=True)
    back = store.read_daily("NSE:INFY", date(2020, 1, 1), date(2021, 1, 1))
    for field in ("time", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(back, field), getattr(bars, field))
