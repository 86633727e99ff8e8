"""`tradertape data import-fo-bhavcopy` then `tradertape backtest options --data import`: the
worked weekly straddle, end to end through the CLI, nets the hand figure to the paisa."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.backtest.options.test_worked_straddle import STRADDLE, write_bhavcopies
from tradertape.cli import app

runner = CliRunner()
RANGE = ["--from", "2026-03-30", "--to", "2026-04-07"]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.db
def test_imported_bhavcopies_run_the_worked_straddle(data_dir: Path) -> None:
    folder = write_bhavcopies(data_dir / "bhav")
    imported = runner.invoke(app, ["data", "import-fo-bhavcopy", str(folder)])
    assert imported.exit_code == 0, imported.output
    document = data_dir / "straddle.json"
    document.write_text(json.dumps(STRADDLE))
    args = ["backtest", "options", str(document), *RANGE, "--data", "import"]

    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["data_source"], body["synthetic"]) == ("import", False)
    assert (body["gross"], body["charges"], body["net"]) == ("18395.00", "183.81", "18211.19")

    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    out = " ".join(table.output.split())
    assert "₹18,211.19" in out
    assert "SYNTHETIC" not in out

    missing = runner.invoke(app, [*args[:3], "--from", "2026-05-04", "--to", "2026-05-08",
                                  "--data", "import"])  # fmt: skip
    assert missing.exit_code == 1
    assert "no imported NIFTY F&O bhavcopy from 2026-05-04 to 2026-05-08" in " ".join(
        missing.output.split()
    )
