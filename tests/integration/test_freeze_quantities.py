"""Freeze quantities: shipped with their date, imported from NSE's list (issue 54)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tradertape.db.engine import Database
from tradertape.db.models.instruments import FreezeQuantityRow
from tradertape.domain.freeze_quantities import parse_freeze_csv, shipped_limits
from tradertape.errors import InvalidField
from tradertape.services.market.freeze_quantities import import_freeze_csv


def test_shipped_figures_carry_their_date():
    nifty = shipped_limits()["NIFTY"]
    assert nifty.freeze_quantity > 0
    assert nifty.as_of == date(2024, 12, 27)


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
