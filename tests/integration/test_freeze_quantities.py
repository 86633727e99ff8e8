"""Freeze quantities: shipped with their date, imported from NSE's list (issue 54)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.fno import NIFTY_CE
from tradertape.db.engine import Database
from tradertape.db.models.instruments import FreezeQuantityRow
from tradertape.domain.freeze_quantities import (
    LAST_KNOWN_REVISION,
    parse_freeze_csv,
    shipped_limits,
)
from tradertape.errors import InvalidField
from tradertape.oms.slicing import freeze_limit
from tradertape.services.market.freeze_quantities import import_freeze_csv


def test_shipped_figures_are_nses_last_revision_with_its_date():
    # NSE's circular of 31 October 2025, from 3 November 2025: BANKNIFTY back to 600 (it
    # was 900 from 1 September 2025), the others unchanged.
    shipped = {name: limit.freeze_quantity for name, limit in shipped_limits().items()}
    assert shipped == {
        "BANKNIFTY": 600,
        "FINNIFTY": 1800,
        "MIDCPNIFTY": 2800,
        "NIFTY": 1800,
        "NIFTYNXT50": 600,
    }
    assert {limit.as_of for limit in shipped_limits().values()} == {LAST_KNOWN_REVISION}
    assert not any(limit.stale for limit in shipped_limits().values())


def test_a_figure_older_than_the_last_revision_is_stale():
    [old] = parse_freeze_csv("SYMBOL,VOL_FRZ_QTY\nBANKNIFTY,900\n", as_of=date(2025, 9, 1))
    assert old.stale
    [current] = parse_freeze_csv("SYMBOL,VOL_FRZ_QTY\nBANKNIFTY,600\n", as_of=LAST_KNOWN_REVISION)
    assert not current.stale


def test_nse_headers_are_read_and_bad_lines_name_the_file():
    text = ' SYMBOL ,VOL_FRZ_QTY\nnifty,1800\nRELIANCE,"10,000"\n'
    limits = parse_freeze_csv(text, as_of=date(2026, 11, 1))
    assert [(lim.underlying, lim.freeze_quantity) for lim in limits] == [
        ("NIFTY", 1800),
        ("RELIANCE", 10000),
    ]
    with pytest.raises(InvalidField) as refused:
        parse_freeze_csv("SYMBOL,VOL_FRZ_QTY\nNIFTY,-3\n", as_of=date(2026, 11, 1))
    assert refused.value.field == "file"


def test_import_upserts_with_the_day_given(database: Database, tmp_path: Path):
    source = tmp_path / "qtyfreeze.csv"
    source.write_text("SYMBOL,VOL_FRZ_QTY\nNIFTY,1800\nINFY,20000\n")
    with database.session() as db:
        import_freeze_csv(db, source, as_of=date(2026, 11, 1))
        source.write_text("SYMBOL,VOL_FRZ_QTY\nNIFTY,1755\n")
        import_freeze_csv(db, source, as_of=date(2026, 11, 20))
        rows = {r.underlying: r for r in db.query(FreezeQuantityRow)}
    assert rows["NIFTY"].freeze_quantity == 1755
    assert rows["NIFTY"].as_of == date(2026, 11, 20)
    assert rows["INFY"].freeze_quantity == 20000


def test_an_imported_figure_keeps_its_day_and_says_when_it_is_stale(
    database: Database, tmp_path: Path
):
    source = tmp_path / "qtyfreeze.csv"
    source.write_text("SYMBOL,VOL_FRZ_QTY\nNIFTY,1800\n")
    with database.session() as db:
        import_freeze_csv(db, source, as_of=date(2025, 9, 1))  # before the last revision
        limit = freeze_limit(db, NIFTY_CE)
        assert limit is not None
        assert (limit.freeze_quantity, limit.as_of, limit.stale) == (1800, date(2025, 9, 1), True)
