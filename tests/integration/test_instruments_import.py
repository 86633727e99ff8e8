"""Importing a Kite dump into the database and building the catalog over it.

The fixture `tests/data/kite_instruments.csv` is hand-written in Kite's format: NSE
equities (three in the reference data, KITEX not), NSE and BSE index rows (segment
INDICES), NFO futures and options (one with a fractional strike), a BSE equity, a
BFO option and an MCX future that the import skips.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from tradertape.db.engine import Database
from tradertape.db.models import KiteInstrument
from tradertape.domain.instruments import InstrumentType
from tradertape.errors import InvalidField, NotFound
from tradertape.ports.clock import ManualClock
from tradertape.services.market import instruments
from tradertape.services.market.instruments import DumpRejected, build_catalog, import_kite_csv

DUMP_PATH = Path(__file__).parents[1] / "data" / "kite_instruments.csv"
DUMP = DUMP_PATH.read_text()
SEGMENTS = {"BFO-OPT": 1, "BSE": 1, "INDICES": 3, "NFO-FUT": 2, "NFO-OPT": 3, "NSE": 4}


def _count(database: Database) -> int:
    with database.session() as db:
        return db.scalar(select(func.count()).select_from(KiteInstrument)) or 0


def test_import_then_reimport_is_idempotent(database: Database, clock: ManualClock):
    with database.session() as db:
        first = import_kite_csv(db, DUMP_PATH, clock=clock)
    assert (first.rows_read, first.new, first.updated, first.unchanged) == (15, 14, 0, 0)
    assert first.skipped == {"MCX": 1}
    assert first.segments == SEGMENTS

    clock.advance(timedelta(days=1))
    with database.session() as db:
        again = import_kite_csv(db, DUMP, clock=clock)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 14)
    assert _count(database) == 14
    with database.session() as db:
        stamps = set(db.scalars(select(KiteInstrument.imported_at)))
    assert stamps == {clock.now()}


def test_changed_and_new_rows_are_upserted(database: Database, clock: ManualClock):
    with database.session() as db:
        import_kite_csv(db, DUMP, clock=clock)
    changed = DUMP.replace(",0.1,500,FUT", ",0.1,250,FUT") + (
        "1111,4,NEWCO,NEW CO,0.0,,0.0,0.05,1,EQ,NSE,NSE\n"
    )
    with database.session() as db:
        report = import_kite_csv(db, changed, clock=clock)
        assert (report.new, report.updated, report.unchanged) == (1, 1, 13)
        row = db.scalar(
            select(KiteInstrument).where(KiteInstrument.tradingsymbol == "RELIANCE26SEPFUT")
        )
        assert row is not None
        assert row.lot_size == 250


def test_decimals_and_dates_are_stored_exactly(database: Database, clock: ManualClock):
    with database.session() as db:
        import_kite_csv(db, DUMP, clock=clock)
        row = db.scalar(
            select(KiteInstrument).where(KiteInstrument.tradingsymbol == "IDEA26SEP7.5CE")
        )
    assert row is not None
    assert (row.strike, row.tick_size, str(row.strike)) == (Decimal("7.5"), Decimal("0.01"), "7.5")
    assert row.expiry is not None
    assert row.expiry.isoformat() == "2026-09-29"
    assert row.instrument_token == 22556162


@pytest.mark.parametrize(
    ("dump", "detail"),
    [
        pytest.param(
            DUMP.replace("tick_size", "tick"), "line 1, column header: expected", id="header"
        ),
        pytest.param(
            DUMP.replace("2026-09-24", "24/09/2026"),
            "line 15, column expiry: '24/09/2026' is not a date (YYYY-MM-DD)",
            id="row",
        ),
    ],
)
def test_a_bad_dump_writes_nothing(database: Database, clock: ManualClock, dump: str, detail: str):
    with database.session() as db:
        import_kite_csv(db, DUMP.replace(",0.1,500,", ",0.1,250,"), clock=clock)
    bad = dump + "2222,5,NEWCO,NEW CO,0.0,,0.0,0.05,1,EQ,NSE,NSE\n"
    with database.session() as db, pytest.raises(DumpRejected) as info:
        import_kite_csv(db, bad, clock=clock)
    assert info.value.detail.startswith(detail)
    assert isinstance(info.value, InvalidField)
    assert _count(database) == 14
    with database.session() as db:
        lot = db.scalar(
            select(KiteInstrument.lot_size).where(
                KiteInstrument.tradingsymbol == "RELIANCE26SEPFUT"
            )
        )
    assert lot == 250


def test_a_missing_file_is_not_found(database: Database, tmp_path: Path):
    with database.session() as db, pytest.raises(NotFound, match="no file"):
        import_kite_csv(db, tmp_path / "nope.csv")


def test_catalog_merges_the_dump_over_the_reference(database: Database, clock: ManualClock):
    with database.session() as db:
        before = build_catalog(db)
        import_kite_csv(db, DUMP, clock=clock)
        catalog = build_catalog(db)
    # RELIANCE, INFY, IDEA and the three indices replace their reference rows
    assert len(catalog) == len(before) + 14 - 6
    reliance = catalog.get("NSE:RELIANCE")
    assert (reliance.instrument_token, reliance.isin) == (738561, "INE002A01018")
    assert reliance.sector == "Oil Gas & Consumable Fuels"
    assert catalog.by_token(738561) is reliance
    assert catalog.by_isin("INE002A01018") is reliance
    assert reliance in catalog.universe("nifty_50")
    assert catalog.get("NSE:KITEX").isin is None
    assert catalog.get("BSE:RELIANCE").instrument_token == 128083204
    nifty = catalog.get("NSE:NIFTY 50")
    assert (nifty.instrument_type, nifty.lot_size, nifty.instrument_token) == (
        InstrumentType.INDEX,
        65,
        256265,
    )
    call = catalog.get("NFO:NIFTY26SEP24650CE")
    assert (call.strike, call.underlying, call.lot_size) == (Decimal(24650), "NIFTY", 65)
    assert catalog.get("NSE:TCS").instrument_token == before.get("NSE:TCS").instrument_token


def test_catalog_is_cached_until_the_table_changes(database: Database, clock: ManualClock):
    with database.session() as db:
        empty = build_catalog(db)
        assert build_catalog(db) is empty
        import_kite_csv(db, DUMP, clock=clock)
        imported = build_catalog(db)
        assert imported is not empty
        assert build_catalog(db) is imported

    # Another process's import: the table changes without this process being told.
    with database.session() as db:
        db.execute(update(KiteInstrument).values(imported_at=clock.now() + timedelta(hours=1)))
        db.execute(
            text("UPDATE instruments SET lot_size = 130 WHERE tradingsymbol = 'NIFTY26SEPFUT'")
        )
        db.commit()
        assert build_catalog(db).get("NFO:NIFTY26SEPFUT").lot_size == 130


def test_service_lookups_raise_api_errors(database: Database):
    with database.session() as db:
        catalog = build_catalog(db)
    assert instruments.get_instrument(catalog, "nse", "infy").key == "NSE:INFY"
    with pytest.raises(NotFound, match="unknown instrument 'NSE:XYZ'"):
        instruments.get_instrument(catalog, "NSE", "XYZ")
    with pytest.raises(NotFound, match="unknown instrument 'XYZ:INFY'"):
        instruments.get_instrument(catalog, "XYZ", "INFY")
    assert instruments.resolve(catalog, "NSE-INFY").key == "NSE:INFY"
    with pytest.raises(InvalidField) as info:
        instruments.resolve(catalog, "NSE_EQ|XX", field="symbol")
    assert (info.value.field, info.value.message) == ("symbol", "unknown instrument 'NSE_EQ|XX'")
    assert instruments.lookup(catalog, "NSE_EQ|INE009A01021").key == "NSE:INFY"
    with pytest.raises(NotFound, match="'nope'"):
        instruments.lookup(catalog, "nope")
    assert len(instruments.universe(catalog, "nifty_50")) == 50
    with pytest.raises(NotFound, match="unknown universe 'nifty_5'; known: nifty_100"):
        instruments.universe(catalog, "nifty_5")
