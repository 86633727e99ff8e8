"""`tradertape data import-bhavcopy` against a real data folder."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradertape.candles import CandleStore
from tradertape.candles.bhavcopy import BhavFormat, BhavRow, file_name, render
from tradertape.cli import app
from tradertape.domain.instruments_data import reference_catalog

runner = CliRunner()
ACTIONS = """symbol,ex_date,kind,ratio
# a 1:5 split of INFY, then a 1:1 bonus of NEWCO
INFY,2024-07-09,split,1:5
NEWCO,2024-07-09,bonus,1:1
"""


def _rows(day: int) -> list[BhavRow]:
    infy = (1000.0, 1010.0, 990.0, 1005.0) if day == 8 else (203.0, 206.0, 201.0, 205.0)
    newco = (50.0, 52.0, 49.5, 51.0) if day == 8 else (26.0, 27.0, 25.5, 26.75)
    return [
        BhavRow("INFY", "INE009A01021", "EQ", *infy, 100 * day, 0),
        BhavRow("NEWCO", "INE0NEW01010", "BE", *newco, 1000, 0),
        BhavRow("GS2030", "IN0020200070", "GS", 100.0, 100.0, 100.0, 100.0, 5, 0),
    ]


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


def _files(folder: Path) -> list[str]:
    old, new = date(2024, 7, 8), date(2024, 7, 9)  # NSE switched to UDiFF that week
    first = folder / (file_name(BhavFormat.LEGACY, old) + ".zip")
    with zipfile.ZipFile(first, "w") as z:
        z.writestr(file_name(BhavFormat.LEGACY, old), render(BhavFormat.LEGACY, old, _rows(8)))
    second = folder / file_name(BhavFormat.UDIFF, new)
    second.write_text(render(BhavFormat.UDIFF, new, _rows(9)))
    return [str(first), str(second)]


@pytest.mark.db
def test_import_bhavcopies_adjusted_then_again(data_dir: Path):
    actions = data_dir / "actions.csv"
    actions.write_text(ACTIONS)
    files = _files(data_dir)
    out = _run(["data", "import-bhavcopy", *files, "--corporate-actions", str(actions)])
    assert (
        "2 files, 2 days (2024-07-08 → 2024-07-09), 2 symbols, 4 bars written (4 new), "
        "2 rows skipped"
    ) in out
    assert "skipped 2 rows: not an equity series" in out
    assert "adjusted for splits/bonuses: 2 series (NSE:INFY, NSE:NEWCO); 2 corporate" in out
    assert "1 symbols are not in the instrument catalog (NSE:NEWCO)" in out
    store = CandleStore(data_dir / "candles", catalog=reference_catalog())
    infy = store.read_daily("NSE:INFY", date(2024, 7, 1), date(2024, 7, 31))
    assert infy.close.tolist() == [201.0, 205.0]
    assert infy.volume.tolist() == [4000.0, 900.0]
    newco = store.read_daily("NSE:NEWCO", date(2024, 7, 1), date(2024, 7, 31))
    assert newco.open.tolist() == [25.0, 26.0]
    detail = _run(["data", "info", "INFY"])
    assert "import" in detail
    assert "NSE bhavcopy 2024-07-08..2024-07-09" in detail
    newco_info = _run(["data", "info", "NEWCO"])  # not in the catalog, but stored
    assert "│ day │ import │ 2024-07-08 │ 2024-07-09 │ 2 │ 1 │" in newco_info
    again = _run(["data", "import-bhavcopy", *files])
    assert "4 bars written (0 new)" in again
    nothing = _run(["data", "import-bhavcopy"], code=1)
    assert "error: FILES: give bhavcopy files, --corporate-actions, or both" in nothing
    assert store.read_daily("NSE:INFY", date(2024, 7, 1), date(2024, 7, 31)).close.tolist() == [
        201.0,
        205.0,
    ]


@pytest.mark.db
def test_synthetic_needs_replace_and_bad_rows_name_the_file(data_dir: Path):
    synth = [
        "data",
        "synth",
        "--universe",
        "nifty_50",
        "--from",
        "2024-07-01",
        "--to",
        "2024-07-05",
    ]
    _run(synth)
    files = _files(data_dir)
    refused = _run(["data", "import-bhavcopy", *files], code=1)
    assert "error: NSE:INFY already has day candles from 'synthetic'" in refused
    assert "--replace" in refused
    out = _run(["data", "import-bhavcopy", *files, "--replace"])
    assert "replaced 1 series of another source" in out
    # The split alone, later: the stored days are adjusted, with no files given.
    actions = data_dir / "actions.csv"
    actions.write_text(ACTIONS)
    later = _run(["data", "import-bhavcopy", "--corporate-actions", str(actions)])
    assert "0 files, 0 days, 2 symbols, 0 bars written (0 new)" in later
    store = CandleStore(data_dir / "candles", catalog=reference_catalog())
    infy = store.read_daily("NSE:INFY", date(2024, 7, 1), date(2024, 7, 31))
    assert infy.close.tolist() == [201.0, 205.0]
    bad = Path(files[1])
    bad.write_text(bad.read_text().replace("INFY,EQ,,,,,INFY LTD,203.0", "INFY,EQ,,,,,INFY LTD,-3"))
    broken = _run(["data", "import-bhavcopy", str(bad)], code=1)
    assert (
        "error: OpnPric: BhavCopy_NSE_CM_0_0_0_20240709_F_0000.csv line 2: '-3' is not a "
        "positive price"
    ) in broken
