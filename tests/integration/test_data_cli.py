"""`tradertape data import|synth|info` against a real data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradertape.cli import app

runner = CliRunner()
CSV = """date,open,high,low,close,volume,oi
2024-01-01T00:00:00+0530,1495,1505,1480,1500,100000,0
2024-01-02T00:00:00+0530,1500.5,1520,1490.05,1510,123456,0
"""


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


def test_import_then_info(data_dir: Path):
    csv = data_dir / "INFY.csv"
    csv.write_text(CSV)
    out = _run(["data", "import", str(csv)])
    assert "imported 2 day candles of NSE:INFY from INFY.csv" in out
    assert "2024-01-01 → 2024-01-02, 2 candles (import)" in out
    assert (data_dir / "candles" / "day" / "NSE" / "INFY.parquet").exists()
    detail = _run(["data", "info", "INFY"])
    assert "import" in detail
    assert "INFY.csv" in detail
    summary = _run(["data", "info"])
    assert "import" in summary
    assert str(data_dir / "candles") in summary.replace(" ", "") or "candle store" in summary


def test_bad_import_names_the_column_and_writes_nothing(data_dir: Path):
    csv = data_dir / "bad.csv"
    csv.write_text(CSV.replace("1510,123456", "1510,-5"))
    out = _run(["data", "import", str(csv), "--symbol", "NSE:TCS"], code=1)
    assert "error: volume: line 3" in out
    assert not (data_dir / "candles").exists()
    unknown = _run(["data", "import", str(csv), "--symbol", "NSE:NOSUCH"], code=1)
    assert "--symbol: unknown instrument 'NSE:NOSUCH'" in unknown
    assert "no candles stored for NSE:TCS" in _run(["data", "info", "NSE:TCS"])
    assert "no candles stored yet" in _run(["data", "info"])


def test_synth_is_idempotent(data_dir: Path):
    args = ["data", "synth", "--universe", "nifty_50", "--from", "2025-01-01", "--to", "2025-01-31"]
    first = _run([*args, "--seed", "5"])
    assert "53 series written" in first  # 50 stocks, NIFTY 50, SENSEX, INDIA VIX
    assert "synthetic model v2 seed 5" in first
    assert "0 series written, 53 already complete" in _run([*args, "--seed", "5"])
    assert "synthetic" in _run(["data", "info", "NSE:NIFTY 50"])
    # 53 series × 23 sessions, counted the Indian way
    assert "│ 1,219 │" in _run(["data", "info"])


def test_import_into_a_synthetic_series_needs_replace(data_dir: Path):
    # Three real bars used to replace a decade of synthetic RELIANCE without a word.
    args = ["data", "synth", "--universe", "nifty_50", "--from", "2024-01-01", "--to", "2024-01-31"]
    _run(args)
    csv = data_dir / "RELIANCE.csv"
    csv.write_text(CSV)
    refused = _run(["data", "import", str(csv)], code=1)
    assert "NSE:RELIANCE already has day candles from 'synthetic'" in refused
    assert "--replace" in refused
    assert "synthetic" in _run(["data", "info", "RELIANCE"])
    out = _run(["data", "import", str(csv), "--replace"])
    assert "replaced the stored synthetic series (22 candles)" in out
    assert "2024-01-01 → 2024-01-02, 2 candles (import)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--universe", "nope"], "--universe: unknown universe 'nope'", id="universe"),
        pytest.param(["--from", "2017-12-29"], "--from: synthetic history starts", id="too-early"),
        pytest.param(["--from", "yesterday"], "--from: 'yesterday' is not a date", id="bad-date"),
        pytest.param(["--to", "2099-01-01"], "--to: 2099-01-01 is after", id="future"),
        pytest.param(
            ["--from", "2025-02-01", "--to", "2025-01-01"],
            "--to: 2025-01-01 is before",
            id="reversed",
        ),
    ],
)
def test_synth_refuses_bad_options(data_dir: Path, args: list[str], message: str):
    assert message in _run(["data", "synth", *args], code=1)
