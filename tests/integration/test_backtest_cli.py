"""`tradertape backtest` against a real data folder: table, --json, --plot, bad options."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.test_strategies_api import SMA_CROSS
from tradertape.cli import app

runner = CliRunner()
RANGE = ["--universe", "nifty_50", "--from", "2023-01-01", "--to", "2024-12-31"]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nifty50_candles: Path) -> Path:
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADERTAPE_WARM_KERNELS", "false")
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(nifty50_candles, tmp_path / "candles")
    return tmp_path


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, ["backtest", *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_table_json_and_plot(data_dir: Path):
    table = _run(["--strategy", "v1_momentum", *RANGE, "--max-per-sector", "2"])
    assert "V1 Momentum · NIFTY 50 · 2023-01-02 →" in table  # the universe as NSE names it
    # Figures in words, as the run's page says them, not the summary's keys.
    assert re.search(r"Closed trades\W+\d+ ", table), table
    assert re.search(r"Benchmark CAGR\W+-?[\d.]+ %", table), table
    assert "total_trades" not in table
    assert "benchmark_cagr" not in table
    # simulated candles are never shown as if they were real prices
    assert "SYNTHETIC DATA: simulated prices, not real" in table
    assert re.search(r"Data\W+synthetic", table)
    # Rupees grouped the Indian way (lakh, crore), the sign before the symbol.
    assert re.search(r"Final equity[\s│]+₹\d{1,2}(,\d{2})+,\d{3}\.\d{2}", table), table
    assert re.search(r"Average loss[\s│]+−₹[\d,]+\.\d{2}", table), table
    chart = data_dir / "equity.png"
    result = runner.invoke(
        app, ["backtest", "--strategy", "v3_dip_buyer", *RANGE, "--json", "--plot", str(chart)]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # stderr may say the database was migrated
    assert body["summary"]["total_trades"] == len(
        [t for t in body["trades"] if t["exit_reason"] != "end_of_data"]
    )
    assert body["equity_curve"][0]["date"] == "2023-01-02"
    assert (body["summary"]["data_source"], body["summary"]["synthetic"]) == ("synthetic", True)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_document_file_and_flat_charges(data_dir: Path):
    document = data_dir / "cross.json"
    document.write_text(json.dumps(SMA_CROSS))
    result = runner.invoke(
        app, ["backtest", "--strategy", str(document), *RANGE, "--charges", "0.1", "--json"]
    )
    assert result.exit_code == 0, result.output
    trades = json.loads(result.stdout)["trades"]  # stderr may say the database was migrated
    assert trades
    assert all(t["charges"] > 0 for t in trades)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--strategy", "v9"], "--strategy", id="unknown-strategy"),
        pytest.param(
            ["--strategy", "v1_momentum", "--universe", "nifty_7"], "nifty_7", id="universe"
        ),
        pytest.param(["--strategy", "v1_momentum", "--capital", "0"], "--capital", id="capital"),
        pytest.param(
            ["--strategy", "v1_momentum", "--from", "2024-01-01", "--to", "2023-01-01"],
            "--to",
            id="reversed",
        ),
    ],
)
def test_bad_options_name_the_option(data_dir: Path, args: list[str], words: str):
    base = dict(zip(RANGE[::2], RANGE[1::2], strict=True))
    given = dict(zip(args[::2], args[1::2], strict=True))
    merged = [item for key, value in (base | given).items() for item in (key, value)]
    out = _run(merged, code=1)
    assert "error" in out
    assert words in out
