"""Bhavcopies into the candle store: grouping, adjustment, idempotence, and refusing to mix."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tradertape.candles import Bars, CandleSource, CandleStore
from tradertape.candles.bhavcopy import BhavFormat, BhavRow, SkipReason, file_name, render
from tradertape.candles.bhavcopy_import import Ledger, import_bhavcopies
from tradertape.candles.corporate_actions import ActionKind, CorporateAction
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Interval
from tradertape.errors import Conflict, InvalidField

from .conftest import day_bars

INFY = "INE009A01021"
SPLIT = CorporateAction("NSE:INFY", date(2024, 1, 4), ActionKind.SPLIT, (1, 5))
BONUS = CorporateAction("NSE:NEWCO", date(2024, 1, 5), ActionKind.BONUS, (1, 1))
FIRST, LAST = date(2000, 1, 1), date(2030, 1, 1)


def _row(symbol: str, isin: str, o: float, h: float, lo: float, c: float, v: int) -> BhavRow:
    return BhavRow(symbol, isin, "EQ", o, h, lo, c, v, 0)


# Three days: the old layout, the old layout zipped, and UDiFF. INFY splits 1:5 on the 4th;
# NEWCO (not in the catalog) has a 1:1 bonus on the 5th.
DAYS = {
    date(2024, 1, 2): [
        _row("INFY", INFY, 1000.0, 1010.0, 990.0, 1005.0, 100),
        _row("NEWCO", "INE0NEW01010", 50.0, 52.0, 49.5, 51.0, 2000),
    ],
    date(2024, 1, 4): [
        _row("INFY", INFY, 203.0, 206.0, 201.0, 205.0, 600),
        _row("NEWCO", "INE0NEW01010", 51.0, 53.0, 50.0, 52.5, 2100),
    ],
    date(2024, 1, 5): [
        _row("INFY", INFY, 205.0, 208.0, 204.0, 206.1, 700),
        _row("NEWCO", "INE0NEW01010", 26.0, 27.0, 25.5, 26.75, 4300),
    ],
}


def _files(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    days = list(DAYS)
    old = folder / file_name(BhavFormat.LEGACY, days[0])
    old.write_text(render(BhavFormat.LEGACY, days[0], DAYS[days[0]]))
    zipped = folder / (file_name(BhavFormat.LEGACY, days[1]) + ".zip")
    with zipfile.ZipFile(zipped, "w") as z:
        member = file_name(BhavFormat.LEGACY, days[1])
        z.writestr(member, render(BhavFormat.LEGACY, days[1], DAYS[days[1]]))
    new = folder / file_name(BhavFormat.UDIFF, days[2])
    new.write_text(render(BhavFormat.UDIFF, days[2], DAYS[days[2]]))
    return [old, zipped, new]


def _stored(store: CandleStore, key: str) -> list[tuple[str, float, float, float, float, int]]:
    bars = store.read_daily(key, FIRST, LAST)
    return [
        (str(t), o, h, lo, c, int(v))
        for t, o, h, lo, c, v in zip(
            bars.time.astype("datetime64[D]").tolist(),
            bars.open.tolist(),
            bars.high.tolist(),
            bars.low.tolist(),
            bars.close.tolist(),
            bars.volume.tolist(),
            strict=True,
        )
    ]


ADJUSTED_INFY = [
    ("2024-01-02", 200.0, 202.0, 198.0, 201.0, 500),  # before the split: ÷5, volume ×5
    ("2024-01-04", 203.0, 206.0, 201.0, 205.0, 600),
    ("2024-01-05", 205.0, 208.0, 204.0, 206.1, 700),
]
ADJUSTED_NEWCO = [
    ("2024-01-02", 25.0, 26.0, 24.75, 25.5, 4000),  # before the bonus: ÷2, volume ×2
    ("2024-01-04", 25.5, 26.5, 25.0, 26.25, 4200),
    ("2024-01-05", 26.0, 27.0, 25.5, 26.75, 4300),
]


def test_three_files_of_both_layouts_land_adjusted(tmp_path: Path, store: CandleStore, catalog):
    seen: list[tuple[str, int, int]] = []
    report = import_bhavcopies(
        store,
        _files(tmp_path / "in"),
        catalog=catalog,
        actions=[SPLIT, BONUS],
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert _stored(store, "NSE:INFY") == ADJUSTED_INFY
    assert _stored(store, "NSE:NEWCO") == ADJUSTED_NEWCO
    info = store.info("NSE:INFY", Interval.DAY)
    assert info is not None
    assert (info.source, info.origin) == (
        CandleSource.IMPORT,
        "NSE bhavcopy 2024-01-02..2024-01-05, adjusted for split 1:5 ex 2024-01-04",
    )
    assert (report.files, report.days, report.symbols, report.bars, report.new_bars) == (
        3, 3, 2, 6, 6,
    )  # fmt: skip
    assert (report.first, report.last) == (date(2024, 1, 2), date(2024, 1, 5))
    assert report.unknown == ("NSE:NEWCO",)
    assert report.adjusted == ("NSE:INFY", "NSE:NEWCO")
    assert (report.skipped_rows, report.renamed, report.actions) == (0, 0, 2)
    assert ("read", 3, 3) in seen
    assert ("write", 2, 2) in seen


def test_rerun_is_idempotent_and_a_later_action_adjusts_earlier_days(
    tmp_path: Path, store: CandleStore, catalog: InstrumentCatalog
):
    files = _files(tmp_path / "in")
    import_bhavcopies(store, files, catalog=catalog)
    assert _stored(store, "NSE:INFY")[0] == ("2024-01-02", 1000.0, 1010.0, 990.0, 1005.0, 100)
    # The actions alone, later: the stored days are adjusted from the kept unadjusted prices.
    later = import_bhavcopies(store, [], catalog=catalog, actions=[SPLIT, BONUS])
    assert (later.symbols, later.bars, later.adjusted) == (2, 0, ("NSE:INFY", "NSE:NEWCO"))
    assert _stored(store, "NSE:INFY") == ADJUSTED_INFY
    # Re-running the same files (without naming the actions again) adds and adjusts nothing
    # twice: the actions are remembered, and applied to the unadjusted history once.
    again = import_bhavcopies(store, files, catalog=catalog)
    assert (again.bars, again.new_bars) == (6, 0)
    assert _stored(store, "NSE:INFY") == ADJUSTED_INFY
    assert _stored(store, "NSE:NEWCO") == ADJUSTED_NEWCO
    assert Ledger(store).load() == [SPLIT, BONUS]


def test_new_days_merge_with_earlier_imports(tmp_path: Path, store: CandleStore, catalog):
    files = _files(tmp_path / "in")
    import_bhavcopies(store, files[:1], catalog=catalog, actions=[SPLIT])
    report = import_bhavcopies(store, files[1:], catalog=catalog)
    assert report.new_bars == 4
    assert _stored(store, "NSE:INFY") == ADJUSTED_INFY


def test_isin_known_to_the_catalog_files_an_old_symbol_under_todays(
    tmp_path: Path, store: CandleStore, catalog: InstrumentCatalog
):
    day = date(2024, 1, 3)
    path = tmp_path / file_name(BhavFormat.LEGACY, day)
    path.write_text(
        render(BhavFormat.LEGACY, day, [_row("OLDNAME", INFY, 1000, 1001, 999, 1000, 7)])
    )
    report = import_bhavcopies(store, [*_files(tmp_path / "in"), path], catalog=catalog)
    assert report.renamed == 1
    assert [r[0] for r in _stored(store, "NSE:INFY")] == [
        "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05",
    ]  # fmt: skip
    assert store.info("NSE:OLDNAME", Interval.DAY) is None


def test_skipped_rows_are_counted(tmp_path: Path, store: CandleStore, catalog):
    day = date(2024, 1, 3)
    rows = [
        BhavRow("INFY", INFY, "EQ", 1000, 1001, 999, 1000, 7, 0),
        BhavRow("INFY", INFY, "BE", 1000, 1001, 999, 1000, 7, 0),
        BhavRow("GS2030", "IN0020200070", "GS", 100, 100, 100, 100, 7, 0),
    ]
    path = tmp_path / file_name(BhavFormat.UDIFF, day)
    path.write_text(render(BhavFormat.UDIFF, day, rows))
    report = import_bhavcopies(store, [path], catalog=catalog)
    assert report.skipped == {SkipReason.DUPLICATE: 1, SkipReason.SERIES: 1}
    assert (report.skipped_rows, report.bars) == (2, 1)


def test_a_bad_row_anywhere_writes_nothing(tmp_path: Path, store: CandleStore, catalog):
    files = _files(tmp_path / "in")
    files[2].write_text(files[2].read_text().replace(",206.1,206.1,", ",209.1,209.1,"))
    with pytest.raises(InvalidField) as caught:
        import_bhavcopies(store, files, catalog=catalog, actions=[SPLIT])
    assert str(caught.value) == (
        "HghPric: BhavCopy_NSE_CM_0_0_0_20240105_F_0000.csv line 2: 208.0 is below open/close"
    )
    assert store.keys(Interval.DAY) == []
    assert not Ledger(store).path.exists()


def test_the_same_day_twice_is_refused(tmp_path: Path, store: CandleStore, catalog):
    files = _files(tmp_path / "in")
    day = date(2024, 1, 2)
    copy = tmp_path / file_name(BhavFormat.UDIFF, day)
    copy.write_text(render(BhavFormat.UDIFF, day, DAYS[day]))
    with pytest.raises(
        InvalidField, match="cm02JAN2024bhav.csv and BhavCopy_NSE_CM_0_0_0_20240102"
    ):
        import_bhavcopies(store, [*files, copy], catalog=catalog)


def test_synthetic_series_need_replace(tmp_path: Path, store: CandleStore, catalog):
    synthetic = day_bars(["2023-12-28", "2023-12-29"])
    store.write("NSE:INFY", Interval.DAY, synthetic, source=CandleSource.SYNTHETIC)
    files = _files(tmp_path / "in")
    with pytest.raises(Conflict, match="NSE:INFY already has day candles from 'synthetic'"):
        import_bhavcopies(store, files, catalog=catalog, actions=[SPLIT])
    assert store.keys(Interval.DAY) == ["NSE:INFY"]  # NEWCO not written either
    assert store.info("NSE:INFY", Interval.DAY).source is CandleSource.SYNTHETIC  # type: ignore[union-attr]
    report = import_bhavcopies(store, files, catalog=catalog, actions=[SPLIT], replace=True)
    assert report.replaced == 1
    assert _stored(store, "NSE:INFY") == ADJUSTED_INFY


def test_days_of_another_import_are_kept(tmp_path: Path, store: CandleStore, catalog):
    earlier: Bars = day_bars(["2023-12-29"], base=990.0)
    store.write("NSE:INFY", Interval.DAY, earlier, source=CandleSource.IMPORT, origin="INFY.csv")
    import_bhavcopies(store, _files(tmp_path / "in"), catalog=catalog, actions=[SPLIT])
    stored = _stored(store, "NSE:INFY")
    assert stored[0] == ("2023-12-29", 989.5, 991.0, 989.0, 990.0, 1000)  # left as imported
    assert stored[1:] == ADJUSTED_INFY
    assert np.array_equal(
        store.read_daily("NSE:NEWCO", FIRST, LAST).close, [51.0, 52.5, 26.75]
    )  # no action given for NEWCO this time


@pytest.mark.parametrize("renamed_first", [True, False], ids=["renamed-first", "own-first"])
def test_a_renamed_row_beside_the_symbols_own_row_gives_way(
    tmp_path: Path, store: CandleStore, catalog: InstrumentCatalog, renamed_first: bool
):
    day = date(2024, 1, 3)
    own = _row("INFY", INFY, 1000, 1001, 999, 1000, 7)
    other = _row("OLDNAME", INFY, 5, 5, 5, 5, 1)
    path = tmp_path / file_name(BhavFormat.UDIFF, day)
    path.write_text(render(BhavFormat.UDIFF, day, [other, own] if renamed_first else [own, other]))
    report = import_bhavcopies(store, [path], catalog=catalog)
    assert (report.renamed, report.skipped, report.bars) == (1, {SkipReason.DUPLICATE: 1}, 1)
    assert _stored(store, "NSE:INFY") == [("2024-01-03", 1000.0, 1001.0, 999.0, 1000.0, 7)]
