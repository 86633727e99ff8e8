"""`tradertape backtest options FILE --from --to`: a table, --json, and bad documents."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.test_options_backtest_api import STRADDLE
from tests.unit.backtest.options.test_worked_straddle import STRADDLE as WORKED_STRADDLE
from tests.unit.backtest.options.test_worked_straddle import write_bhavcopies
from tradertape.cli import app

runner = CliRunner()
RANGE = ["--from", "2025-02-03", "--to", "2025-02-28"]
WORKED = ["--from", "2026-03-30", "--to", "2026-04-07"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    return tmp_path


def test_a_table_and_json_that_add_up(folder: Path):
    document = folder / "straddle.json"
    document.write_text(json.dumps(STRADDLE))
    table = runner.invoke(app, ["backtest", "options", str(document), *RANGE])
    assert table.exit_code == 0, table.output
    out = " ".join(table.output.split())
    assert "weekly short straddle · NIFTY · daily · 2025-02-03 → 2025-02-28" in out
    assert "SYNTHETIC DATA: simulated prices, not real" in out
    assert "Return on margin" in out
    result = runner.invoke(app, ["backtest", "options", str(document), *RANGE, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    gross = sum(Decimal(t["gross"]) for t in body["trades"])
    assert Decimal(body["net"]) == gross - Decimal(body["slippage"]) - Decimal(body["charges"])
    assert body["synthetic"] is True


@pytest.mark.parametrize(
    ("document", "words"),
    [
        pytest.param("{", "not JSON", id="not-json"),
        pytest.param(
            json.dumps(STRADDLE | {"legs": [STRADDLE["legs"][0] | {"side": "short"}]}),
            "bad.json: legs[0].side",
            id="bad-side",
        ),
        pytest.param(
            json.dumps(
                STRADDLE
                | {"legs": [STRADDLE["legs"][0] | {"strike": {"type": "atm", "offset": 99}}]}
            ),
            "bad.json: legs[0].strike.offset",
            id="offset-too-far",
        ),
    ],
)
def test_a_bad_document_names_the_path_in_it(folder: Path, document: str, words: str):
    path = folder / "bad.json"
    path.write_text(document)
    result = runner.invoke(app, ["backtest", "options", str(path), *RANGE])
    assert result.exit_code == 1
    assert words in " ".join(result.output.split())


def test_the_equity_backtest_still_asks_for_its_options(folder: Path):
    result = runner.invoke(app, ["backtest", "--strategy", "v1_momentum"])
    assert result.exit_code == 2
    assert "Missing option '--from'" in result.output


@pytest.mark.db
def test_imported_bhavcopies_run_the_worked_straddle(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`data import-fo-bhavcopy`, then `--data import`: the worked weekly straddle of
    test_worked_straddle, end to end, nets the hand figure to the paisa."""
    monkeypatch.chdir(folder)
    files = write_bhavcopies(folder / "bhav")
    imported = runner.invoke(app, ["data", "import-fo-bhavcopy", str(files)])
    assert imported.exit_code == 0, imported.output
    document = folder / "straddle.json"
    document.write_text(json.dumps(WORKED_STRADDLE))
    args = ["backtest", "options", str(document), *WORKED, "--data", "import"]

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
