"""`tradertape backtest options FILE --from --to`: a table, --json, and bad documents."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.test_options_backtest_api import STRADDLE
from tradertape.cli import app

runner = CliRunner()
RANGE = ["--from", "2025-02-03", "--to", "2025-02-28"]


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
