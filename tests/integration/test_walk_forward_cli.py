"""`tradertape backtest walk-forward` against a real data folder: the table, --json, and a
bad option named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradertape.cli import app

runner = CliRunner()
ARGS = [
    "backtest",
    "walk-forward",
    "--strategy",
    "v1_momentum",
    "--universe",
    "nifty_50",
    "--from",
    "2024-01-01",
    "--to",
    "2024-12-31",
    "--param",
    "config.min_hold=2,10",
    "--in-sample",
    "100",
    "--out-of-sample",
    "50",
    "--pbo-blocks",
    "4",
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nifty50_candles: Path) -> Path:
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADERTAPE_WARM_KERNELS", "false")
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(nifty50_candles, tmp_path / "candles")
    return tmp_path


def test_folds_and_verdict_as_a_table_and_as_json(data_dir: Path):
    result = runner.invoke(app, ARGS)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "folds × 2 variants" in text
    assert "stitched out-of-sample: return" in text
    assert "deflated Sharpe ratio:" in text
    assert "probability of backtest overfitting:" in text
    assert "config.min_hold: chosen" in text

    result = runner.invoke(app, [*ARGS, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    folds = body["folds"]
    assert len(folds) == len(body["summary"]["stability"][0]["chosen"]) >= 2
    assert all("returns" not in fold for fold in folds)
    assert body["summary"]["stitched"]["days"][0] == folds[0]["out_start"]
    assert body["summary"]["pbo"]["splits"] == 6


def test_a_bad_parameter_is_named(data_dir: Path):
    result = runner.invoke(app, [*ARGS[:-6], "--param", "config.min_hold=two"])
    assert result.exit_code == 1
    assert "--param" in result.output


def test_a_bayesian_search_tries_its_trials_per_fold_the_same_each_time(data_dir: Path):
    args = [
        *ARGS[:-8],  # the grid below instead
        "--param",
        "config.min_hold=0:20:2",
        "--param",
        "settings.max_positions=2,3,4",
        "--in-sample",
        "100",
        "--out-of-sample",
        "50",
        "--pbo-blocks",
        "4",
        "--search",
        "bayes",
        "--trials",
        "6",
        "--seed",
        "4",
        "--json",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    folds = json.loads(first.stdout)["folds"]
    assert all(0 < len(fold["grid"]) <= 6 for fold in folds)  # of 33 variants
    again = runner.invoke(app, args)
    assert json.loads(again.stdout)["folds"] == folds
