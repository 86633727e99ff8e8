"""`tradertape instruments import|show|search` against a real SQLite data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradertape.cli import app

runner = CliRunner()
DUMP = Path(__file__).parents[1] / "data" / "kite_instruments.csv"


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    return result.output


def test_import_summarises_and_reimport_changes_nothing(data_dir: Path):
    first = _ok(["instruments", "import", str(DUMP)])
    assert "read 15 rows: 14 new, 0 updated, 0 unchanged" in first
    assert "NFO-OPT" in first
    assert "MCX (skipped: exchange not traded)" in first
    again = _ok(["instruments", "import", str(DUMP)])
    assert "read 15 rows: 0 new, 0 updated, 14 unchanged" in again


def test_a_bad_dump_is_rejected_with_its_line_and_column(data_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text(DUMP.read_text().replace("71475", "many"))
    output = _fails(["instruments", "import", str(bad)])
    assert "error: line 14, column lot_size: 'many' is not a whole number" in output
    assert "NSE:KITEX" not in _ok(["instruments", "search", "kitex"])
    missing = _fails(["instruments", "import", str(tmp_path / "nope.csv")])
    assert "no file" in missing


@pytest.mark.parametrize(
    "symbol",
    ["NFO:NIFTY26SEP24650CE", "NSE_FO|40050", "NSE-NIFTY-29Sep26-24650-CE"],
)
def test_show_accepts_every_format_and_prints_every_format(data_dir: Path, symbol: str):
    _ok(["instruments", "import", str(DUMP)])
    output = _ok(["instruments", "show", symbol])
    for expected in (
        "NFO:NIFTY26SEP24650CE",
        "NSE_FO|40050",
        "NSE-NIFTY-29Sep26-24650-CE",
        "NIFTY26SEP24650CE",
        "NSE FNO",
        "2026-09-29",
        "24650",
    ):
        assert expected in output


def test_show_without_import_and_unknown_symbols(data_dir: Path):
    output = _ok(["instruments", "show", "NSE:RELIANCE"])
    assert "NSE_EQ|INE002A01018" in output
    assert "NSE-RELIANCE" in output
    assert "Oil Gas & Consumable Fuels" in output
    assert "error: unknown instrument 'NSE:NOPE'" in _fails(["instruments", "show", "NSE:NOPE"])
    kitex = _fails(["instruments", "show", "NSE:KITEX"])
    assert "unknown instrument 'NSE:KITEX'" in kitex


def test_show_notes_what_a_broker_cannot_name(data_dir: Path):
    _ok(["instruments", "import", str(DUMP)])
    output = _ok(["instruments", "show", "NSE:KITEX"])
    assert "(none: ISIN or exchange token unknown)" in output
    assert "NSE-KITEX" in output


def test_search(data_dir: Path):
    output = _ok(["instruments", "search", "reli", "--limit", "5"])
    assert "NSE:RELIANCE" in output
    assert "NSE:RPOWER" in output
    assert "no instrument matches '[nothing]'" in _ok(["instruments", "search", "[nothing]"])
