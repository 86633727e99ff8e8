"""`tradertape data import-fo-bhavcopy` against a real data folder: a folder of both layouts,
again (nothing doubled), and a bad file refused naming it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fo_bhavcopy_files import chain, legacy_text, write_legacy, write_udiff
from tradertape.candles.fo_store import FoStore
from tradertape.cli import app

runner = CliRunner()
MON, TUE = date(2024, 7, 8), date(2024, 7, 9)


def _rows(day: date) -> list:  # type: ignore[type-arg]
    return chain(day, "NIFTY", 24000.0, expiries=[date(2024, 7, 11)], lot_size=25)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())  # rich wraps long lines


@pytest.mark.db
def test_a_folder_imports_once_and_again_replaces(data_dir: Path) -> None:
    folder = data_dir / "bhav"
    folder.mkdir()
    write_legacy(folder / "old.zip", MON, _rows(MON))
    write_udiff(folder, TUE, _rows(TUE))
    said = _run(["data", "import-fo-bhavcopy", str(folder)])
    assert "2 files (1 legacy, 1 udiff), 2 days (2024-07-08 → 2024-07-09), 1 underlyings" in said
    said = _run(["data", "import-fo-bhavcopy", str(folder)])
    assert "2 underlying-days were stored already: replaced" in said
    store = FoStore.in_data_folder(data_dir)
    assert store.trading_days("NIFTY", MON, TUE) == [MON, TUE]
    assert store.day_chain("NIFTY", TUE).num_rows == len(_rows(TUE))

    bad = data_dir / "fo10JUL2024bhav.csv"
    bad.write_text(legacy_text(date(2024, 7, 10), _rows(date(2024, 7, 10))).replace("CE", "XE", 1))
    said = _run(["data", "import-fo-bhavcopy", str(bad)], code=1)
    assert "fo10JUL2024bhav.csv row 3, column OPTION_TYP" in said
