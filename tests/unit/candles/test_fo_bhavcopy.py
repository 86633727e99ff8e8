"""NSE's F&O bhavcopy, both layouts, into `FoStore` and read back (issue 67): files generated in
NSE's exact layouts (`tests.fo_bhavcopy_files`), never NSE's own."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.fo_bhavcopy_files import (
    FoRow,
    chain,
    legacy_text,
    udiff_text,
    with_lot,
    write_legacy,
    write_udiff,
)
from tradertape.candles.fo_bhavcopy import (
    DAY_SCHEMA,
    FoFormat,
    files_in,
    files_of_upload,
    inferred_lots,
    parse_fo_bhavcopy,
)
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_store import CHAIN_SCHEMA, FoStore
from tradertape.domain.expiry import Contract
from tradertape.errors import InvalidField

MON, TUE, THU = date(2024, 7, 8), date(2024, 7, 9), date(2024, 7, 11)
EXPIRIES = [THU, date(2024, 7, 18), date(2024, 7, 25)]


def _nifty(day: date, spot: float = 24000.0, lot: int = 25) -> list[FoRow]:
    return chain(day, "NIFTY", spot, expiries=[e for e in EXPIRIES if e >= day], lot_size=lot)


def _stock(day: date) -> list[FoRow]:
    return chain(day, "M&M", 2800.0, expiries=[date(2024, 7, 25)], step=20.0, lot_size=350)


def test_the_udiff_layout_reads_every_contract_with_its_lot_and_underlying() -> None:
    call = FoRow(
        "OPTIDX", "NIFTY", date(2026, 9, 22), 24000.0, "CE", 19.70, 28.90, 12.60, 22.20, 22.20,
        23398.10, open_interest=3257735, change_in_oi=1007110, volume=161659, lot_size=65,
    )  # fmt: skip
    future = FoRow(
        "FUTIDX", "NIFTY", date(2026, 9, 29), None, "", 23500, 23520, 23400, 23485.20, 23485.20,
        23398.10, open_interest=17933110, change_in_oi=-396630, volume=50530, lot_size=65,
    )  # fmt: skip
    day = parse_fo_bhavcopy("f.csv", udiff_text(date(2026, 9, 11), [call, future]).encode())
    assert (day.format, day.day, day.rows, day.skipped) == (FoFormat.UDIFF, date(2026, 9, 11), 2, 0)
    first, second = day.table.to_pylist()
    assert first == {
        "symbol": "NIFTY",
        "instrument": "OPTIDX",
        "expiry": date(2026, 9, 22),
        "strike": 24000.0,
        "option_type": "CE",
        "open": 19.70,
        "high": 28.90,
        "low": 12.60,
        "close": 22.20,
        "settle": 22.20,
        "underlying_close": 23398.10,
        "open_interest": 3257735,
        "change_in_oi": 1007110,
        "volume": 161659,
        "lot_size": 65,
    }
    assert (second["instrument"], second["strike"], second["option_type"]) == ("FUTIDX", None, None)
    assert second["change_in_oi"] == -396630


def test_the_legacy_layout_has_no_underlying_price_and_its_lot_is_its_futures() -> None:
    text = (
        "INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,"
        "CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,\n"
        "FUTIDX,NIFTY,30-Jun-2011,0,XX,5480,5530,5470,5515.8,5515.8,254909,703000.00,23010750,"
        "-1000,14-JUN-2011,\n"
        "OPTIDX,NIFTY,28-Jul-2011,5500,CE,147,156,136.85,144.6,144.6,6531,18439.43,1248400,47250,"
        "14-JUN-2011,\n"
        "OPTSTK,RELIANCE,30-Jun-11,900,CA,20,21,19,20.5,20.5,100,900.0,5000,0,14-JUN-2011,\n"
    )
    day = parse_fo_bhavcopy("fo14JUN2011bhav.csv", text.encode())
    assert (day.format, day.day) == (FoFormat.LEGACY, date(2011, 6, 14))
    fut, call, stock = day.table.to_pylist()
    assert (fut["strike"], fut["option_type"], fut["volume"], fut["open_interest"]) == (
        None,
        None,
        254909,
        23010750,
    )
    assert (call["expiry"], call["strike"], call["option_type"], call["settle"]) == (
        date(2011, 7, 28),
        5500.0,
        "CE",
        144.6,
    )
    assert stock["expiry"] == date(2011, 6, 30)
    assert stock["option_type"] == "CE"
    # the June future: 703,000.00 lakh over 254,909 contracts traded between 5,470 and 5,530
    # is a lot in [49.87, 50.42]: 50 (NIFTY's lot in 2011); no July future traded in the file,
    # so the July call's lot is not known
    assert (fut["lot_size"], call["lot_size"]) == (50, None)
    assert {r["underlying_close"] for r in (fut, call)} == {None}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param("a,b,c\n1,2,3\n", "not an NSE F&O bhavcopy", id="another-file"),
        pytest.param(None, "row 3, column StrkPric: an option's strike", id="no-strike"),
        pytest.param("CM", "row 2, column Sgmt: 'CM': not an F&O file", id="cash-market"),
        pytest.param("date", "row 3, column TradDt: a second trade date", id="two-days"),
        pytest.param("price", "not a number", id="bad-number"),
        pytest.param("negative", "row 2, column ClsPric: not a price", id="negative-price"),
        pytest.param("symbol", "row 2, column TckrSymb: not an NSE symbol", id="path-symbol"),
        pytest.param("twice", "NIFTY OPTIDX 2024-07-11 24000 CE is listed twice", id="duplicate"),
        pytest.param("expired", "an expiry before the trade date", id="expired"),
        pytest.param("lot", "column NewBrdLotQty: not a lot size", id="no-lot"),
    ],
)
def test_a_hostile_file_is_refused_naming_the_row_and_column(
    text: str | None, problem: str
) -> None:
    rows = _nifty(TUE)[:3]
    good = udiff_text(TUE, rows)
    lines = good.splitlines()
    if text is None:
        lines[2] = lines[2].replace(",24000.00,", ",,")
        lines[2] = lines[2].replace(f",{rows[1].strike:.2f},", ",,")
    elif text == "CM":
        lines[1] = lines[1].replace(",FO,NSE,", ",CM,NSE,")
    elif text == "date":
        lines[2] = lines[2].replace("2024-07-09,2024-07-09", "2024-07-10,2024-07-10")
    elif text == "price":
        lines[2] = lines[2].replace(f",{rows[1].close:.2f},", ",abc,", 1)
    elif text == "negative":
        lines[1] = lines[1].replace(f",{rows[0].close:.2f},", f",-{rows[0].close:.2f},", 1)
    elif text == "symbol":
        lines[1] = lines[1].replace(",NIFTY,", ",../ETC,")
    elif text == "twice":
        lines = good.splitlines()
        row = udiff_text(TUE, [r for r in _nifty(TUE) if r.strike == 24000 and r.expiry == THU])
        lines += [row.splitlines()[1]] * 2
    elif text == "expired":
        lines[1] = lines[1].replace(",2024-07-11,2024-07-11,", ",2024-07-05,2024-07-05,")
    elif text == "lot":
        lines[1] = lines[1].replace(",F1,25,", ",F1,0,")
    else:
        lines = [text] if text else []
    data = "\n".join(lines).encode()
    with pytest.raises(InvalidField) as refused:
        parse_fo_bhavcopy("bad.csv", data)
    assert refused.value.field == "file"
    assert problem in str(refused.value), str(refused.value)


def test_a_zip_bomb_is_refused_before_it_is_unzipped(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("BhavCopy_NSE_FO_0_0_0_20240709_F_0000.csv", b"0" * (300 * 1_048_576))
    with pytest.raises(InvalidField, match="unzips to"):
        files_in([path])
    with pytest.raises(InvalidField, match="unzips to"):
        files_of_upload("bomb.zip", path.read_bytes())


def test_a_folder_of_both_layouts_zipped_or_not_is_imported_and_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "year"
    (folder / "2024").mkdir(parents=True)
    write_legacy(folder / "2024" / "old.zip", date(2024, 7, 5), _nifty(date(2024, 7, 5), 23900))
    write_udiff(folder / "2024", MON, _nifty(MON, 24050) + _stock(MON))
    write_udiff(folder / "x.zip", TUE, _nifty(TUE) + _stock(TUE))
    write_udiff(folder, THU, with_lot(_nifty(THU, 24100.55), 75))  # a lot revision
    store = FoStore(tmp_path / "fo")
    seen: list[tuple[str, int, int]] = []
    report = import_fo_bhavcopies(
        store, files_in([folder]), progress=lambda s, d, t: seen.append((s, d, t))
    )
    assert report.days == (date(2024, 7, 5), MON, TUE, THU)
    assert report.underlyings == ("M&M", "NIFTY")
    assert report.formats == {"legacy": 1, "udiff": 3}
    assert ("read", 4, 4) in seen
    assert seen[-1][0] == "write"

    assert store.trading_days("NIFTY", date(2024, 7, 1), date(2024, 7, 31)) == [
        date(2024, 7, 5),
        MON,
        TUE,
        THU,
    ]
    assert store.trading_days("NIFTY", MON, TUE) == [MON, TUE]
    assert store.trading_days("M&M", date(2024, 1, 1), date(2024, 12, 31)) == [MON, TUE]
    assert store.trading_days("BANKNIFTY", MON, THU) == []
    assert store.expiries("NIFTY", TUE) == EXPIRIES
    assert store.expiries("NIFTY", THU) == EXPIRIES
    assert store.expiries("NIFTY", date(2024, 7, 10)) == []

    chain_ = store.day_chain("NIFTY", TUE)
    assert chain_.schema.equals(CHAIN_SCHEMA)
    assert list(chain_.schema.names) == ["trade_date", *DAY_SCHEMA.names[1:]]
    assert chain_.num_rows == len(_nifty(TUE))
    expiries = [e for e in chain_.column("expiry").to_pylist() if e is not None]
    assert expiries == sorted(expiries)
    assert len(expiries) == chain_.num_rows
    assert set(chain_.column("trade_date").to_pylist()) == {TUE}
    assert set(chain_.column("lot_size").to_pylist()) == {25}
    assert set(store.day_chain("NIFTY", THU).column("lot_size").to_pylist()) == {75}
    assert store.day_chain("NIFTY", date(2024, 7, 10)).num_rows == 0

    call = Contract("NIFTY", THU, "CE", Decimal(24000), physical=False)
    on_tue = store.settlement(call, TUE)
    assert on_tue is not None
    (row,) = [
        r for r in _nifty(TUE) if r.expiry == THU and r.strike == 24000 and r.option_type == "CE"
    ]
    assert on_tue.settle == Decimal(f"{row.settle:.2f}")
    assert (on_tue.underlying_close, on_tue.lot_size) == (Decimal("24000.00"), 25)
    # on its expiry day: the future settles at the index's close, the call at its intrinsic value
    future = store.settlement(Contract("NIFTY", THU, "FUT", None, physical=False), THU)
    assert future is not None
    assert future.settle == Decimal("24100.55")
    assert future.underlying_close == Decimal("24100.55")
    at_expiry = store.settlement(call, THU)
    assert at_expiry is not None
    assert at_expiry.settle == Decimal("100.55")
    # the legacy day: the lot from its future's traded value, no underlying price
    old = store.settlement(Contract("NIFTY", THU, "FUT", None, physical=False), date(2024, 7, 5))
    assert old is not None
    assert (old.lot_size, old.underlying_close) == (25, None)
    assert store.settlement(Contract("NIFTY", THU, "CE", Decimal(99999), False), TUE) is None

    covered = {c.underlying: c for c in store.coverage()}
    assert covered["NIFTY"].days == (date(2024, 7, 5), MON, TUE, THU)
    assert covered["NIFTY"].expiries == tuple(EXPIRIES)
    assert covered["M&M"].days == (MON, TUE)
    assert (store.root / "M&M" / "2024-07.parquet").exists()


def test_importing_a_day_again_replaces_it_and_never_duplicates(tmp_path: Path) -> None:
    store = FoStore(tmp_path / "fo")
    first = write_udiff(tmp_path / "a.csv", TUE, _nifty(TUE, 24000))
    import_fo_bhavcopies(store, files_in([first]))
    import_fo_bhavcopies(store, files_in([write_udiff(tmp_path / "m.csv", MON, _nifty(MON))]))
    again = write_udiff(tmp_path / "b.csv", TUE, _nifty(TUE, 24500))
    report = import_fo_bhavcopies(store, files_in([again]))
    assert report.replaced_days == 1
    assert store.trading_days("NIFTY", MON, TUE) == [MON, TUE]
    tuesday = store.day_chain("NIFTY", TUE)
    assert tuesday.num_rows == len(_nifty(TUE))
    assert set(tuesday.column("underlying_close").to_pylist()) == {24500.0}
    assert store.day_chain("NIFTY", MON).num_rows == len(_nifty(MON))


def test_two_files_of_one_day_in_one_import_are_refused(tmp_path: Path) -> None:
    store = FoStore(tmp_path / "fo")
    one = write_udiff(tmp_path / "one.csv", TUE, _nifty(TUE))
    two = tmp_path / "fo09JUL2024bhav.csv"
    two.write_text(legacy_text(TUE, _nifty(TUE)))
    with pytest.raises(InvalidField, match="are both the bhavcopy of 2024-07-09"):
        import_fo_bhavcopies(store, files_in([one, two]), whole=True)
    assert store.underlyings() == []  # whole: nothing written


def test_an_upload_of_a_zip_with_many_days(tmp_path: Path) -> None:
    path = tmp_path / "month.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for day in (MON, TUE):
            archive.writestr(
                f"BhavCopy_NSE_FO_0_0_0_{day:%Y%m%d}_F_0000.csv", udiff_text(day, _nifty(day))
            )
    files = files_of_upload("month.zip", path.read_bytes())
    store = FoStore(tmp_path / "fo")
    report = import_fo_bhavcopies(store, files, whole=True)
    assert report.days == (MON, TUE)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spots=st.lists(st.floats(min_value=1000, max_value=60000), min_size=1, max_size=4),
    order=st.permutations(range(4)),
)
def test_any_order_of_imports_ends_with_the_last_file_of_each_day(
    tmp_path_factory: pytest.TempPathFactory, spots: list[float], order: list[int]
) -> None:
    """Whatever order files come in, and however often a day is imported again, each stored
    day holds exactly the contracts of the last file imported for it."""
    tmp = tmp_path_factory.mktemp("fo")
    store = FoStore(tmp / "fo")
    days = [MON, TUE, date(2024, 7, 10), THU]
    last: dict[date, float] = {}
    for n, spot in enumerate(spots):
        for index in order[: n + 1]:
            day = days[index]
            rows = _nifty(day, round(spot, 2))
            path = write_udiff(tmp / f"{n}-{index}.csv", day, rows)
            import_fo_bhavcopies(store, files_in([path]))
            last[day] = round(spot, 2)
    assert store.trading_days("NIFTY", MON, THU) == sorted(last)
    for day, spot in last.items():
        table = store.day_chain("NIFTY", day)
        assert table.num_rows == len(_nifty(day, spot))
        assert set(table.column("underlying_close").to_pylist()) == {round(spot, 2)}
        assert pa.compute.all(pa.compute.equal(table.column("trade_date"), pa.scalar(day))).as_py()


@given(
    index=st.booleans(),
    lot=st.integers(min_value=1, max_value=5000),
    contracts=st.integers(min_value=1, max_value=1_000_000),
    low=st.floats(min_value=5, max_value=60_000),
    spread=st.floats(min_value=0, max_value=0.08),
    at=st.floats(min_value=0, max_value=1),
)
def test_a_lot_told_from_a_futures_value_is_its_lot_or_none(
    index: bool, lot: int, contracts: int, low: float, spread: float, at: float
) -> None:
    lot = lot * 5 if index else lot  # an index's lots are multiples of 5; a stock's any
    high = low * (1 + spread)
    value = round((low + at * (high - low)) * contracts * lot / 1e5, 2)  # as VAL_INLAKH prints
    assume(value > 0)
    found = inferred_lots(
        np.array([7], dtype=np.int64),
        np.array([True]),
        np.array([index]),
        np.array([high]),
        np.array([low]),
        np.array([contracts], dtype=np.int64),
        np.array([value]),
    )
    assert found[0] in (lot, 0)
