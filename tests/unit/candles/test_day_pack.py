"""The day pack: a cold panel from the pack is the panel the Parquet files give, and a series
whose file changed since it was packed (or a pack that cannot be read) is read from its file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.candles.conftest import day_bars, weekdays
from tradertape.candles import CandleSource, CandleStore
from tradertape.candles.day_pack import NAME
from tradertape.candles.panel import Panel
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Interval

KEYS = [
    f"NSE:{s}"
    for s in ("INFY", "TCS", "WIPRO", "HCLTECH", "M&M", "NIFTY 50", "SBIN", "ITC", "LT", "ONGC")
]
START, END = date(2024, 1, 1), date(2024, 3, 29)


def _same(a: Panel, b: Panel) -> None:
    assert a.keys == b.keys
    assert a.sources == b.sources
    assert a.sectors == b.sectors
    assert np.array_equal(a.days, b.days)
    for field in ("open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field


def _cold(root: Path, catalog: InstrumentCatalog) -> CandleStore:
    return CandleStore(root, catalog=catalog)  # a fresh process: nothing cached


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lengths=st.lists(st.integers(0, 60), min_size=len(KEYS), max_size=len(KEYS)),
    offsets=st.lists(st.integers(0, 20), min_size=len(KEYS), max_size=len(KEYS)),
    closes=st.floats(2.0, 1e5, allow_nan=False),  # day_bars: low is close - 1
)
def test_a_packed_panel_is_the_parquet_panel(
    tmp_path_factory,
    catalog: InstrumentCatalog,
    calendar: TradingCalendar,
    lengths,
    offsets,
    closes,
):
    root = tmp_path_factory.mktemp("pack") / "candles"
    store = CandleStore(root, catalog=catalog)
    for key, length, offset in zip(KEYS, lengths, offsets, strict=True):
        if length:
            days = weekdays(START, offset + length, calendar)[offset:]
            store.write_daily(key, day_bars(days, base=closes), source=CandleSource.SYNTHETIC)
    stored = sum(1 for n in lengths if n)
    assert store.pack_days() == stored
    packed = _cold(root, catalog)
    from_pack = packed.load_panel(KEYS, START, END)
    assert packed.file_reads == (0 if stored >= 8 else stored)  # a few files: read as they are
    (root / NAME).unlink()
    _same(from_pack, _cold(root, catalog).load_panel(KEYS, START, END))


def _written(store: CandleStore, calendar: TradingCalendar) -> None:
    days = weekdays(START, 40, calendar)
    for k, key in enumerate(KEYS):
        store.write_daily(key, day_bars(days, base=100 + k), source=CandleSource.IMPORT)


def test_a_series_rewritten_after_the_pack_is_read_from_its_file(
    store: CandleStore, catalog: InstrumentCatalog, calendar: TradingCalendar
):
    _written(store, calendar)
    store.pack_days()
    # the next day's import rewrites one series and is stopped before it packs
    next_day = weekdays(START, 41, calendar)[40:]
    store.write_daily("NSE:TCS", day_bars(next_day, base=900), source=CandleSource.IMPORT)
    cold = _cold(store.root, catalog)
    panel = cold.load_panel(KEYS, START, END)
    assert cold.file_reads == 1  # TCS alone, from its file
    assert panel.close[40, KEYS.index("NSE:TCS")] == 900.0
    (store.root / NAME).unlink()
    _same(panel, _cold(store.root, catalog).load_panel(KEYS, START, END))


def test_a_pack_that_cannot_be_read_is_no_pack(
    store: CandleStore, catalog: InstrumentCatalog, calendar: TradingCalendar
):
    _written(store, calendar)
    store.pack_days()
    whole = (store.root / NAME).read_bytes()
    truth = _cold(store.root, catalog).load_panel(KEYS, START, END)
    for broken in (whole[: len(whole) // 2], b"not a pack", whole[:20], b""):
        (store.root / NAME).write_bytes(broken)
        cold = _cold(store.root, catalog)
        _same(cold.load_panel(KEYS, START, END), truth)
        assert cold.file_reads == len(KEYS)


def test_a_hostile_file_is_left_out_of_the_pack_and_the_rest_served(
    store: CandleStore, catalog: InstrumentCatalog, calendar: TradingCalendar
):
    _written(store, calendar)
    store.path("NSE:ITC", Interval.DAY).write_bytes(b"garbage")  # a torn or foreign file
    assert store.pack_days() == len(KEYS) - 1
    cold = _cold(store.root, catalog)
    others = [k for k in KEYS if k != "NSE:ITC"]
    panel = cold.load_panel(others, START, END)
    assert cold.file_reads == 0
    (store.root / NAME).unlink()
    _same(panel, _cold(store.root, catalog).load_panel(others, START, END))
