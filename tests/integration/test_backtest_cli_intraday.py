"""`tradertape backtest --interval 5minute --product MIS` on a data folder's minute candles
(INFY's alone of the NIFTY 50: a universe runs on the members that have some)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.backtest.test_intraday import STRATEGY, _store
from tradertape.cli import app

runner = CliRunner()
ARGS = ["--universe", "nifty_50", "--from", "2025-03-03", "--to", "2025-03-04", "--size-pct", "5"]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADERTAPE_WARM_KERNELS", "false")
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    _store(tmp_path / "candles")
    (tmp_path / "strategy.json").write_text(STRATEGY.model_dump_json())
    return tmp_path


def test_an_mis_run_from_the_command_line(data_dir: Path):
    args = ["backtest", "--strategy", "strategy.json", *ARGS, "--slippage-bps", "0"]
    result = runner.invoke(app, [*args, "--interval", "5minute", "--product", "MIS", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    trades = body["trades"]
    assert [t["exit_reason"] for t in trades] == ["below_1000", "square_off"]
    assert trades[1]["exit_time"] == "2025-03-04T15:15:00+05:30"
    assert body["summary"]["final_equity"] == 999_503.82


def test_mis_on_day_candles_names_the_option(data_dir: Path):
    result = runner.invoke(
        app, ["backtest", "--strategy", "strategy.json", *ARGS, "--product", "MIS"]
    )
    assert result.exit_code != 0
    assert "--product" in result.output
