"""What GET /api/strategies/{id} returns, PUT (and the CLI) take back unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.api.test_strategies_api import SMA_CROSS
from tests.helpers import sign_in
from tradertape.cli import app
from tradertape.runtime import Runtime


@pytest.fixture
def read(client: TestClient, runtime: Runtime) -> dict[str, Any]:
    sign_in(client, runtime, "s@x.in")
    created = client.post("/api/strategies", json=SMA_CROSS).json()
    body: dict[str, Any] = client.get(f"/api/strategies/{created['id']}").json()
    return body


def test_a_strategy_read_is_written_back_unchanged(client: TestClient, read: dict[str, Any]):
    put = client.put(f"/api/strategies/{read['id']}", json=read)
    assert put.status_code == 200, put.text
    after = put.json()
    assert after["version"] == read["version"] + 1
    assert after["document"] | {"version": 1} == read["document"] | {"version": 1}
    assert (after["name"], after["is_public"], after["is_active"]) == (
        read["name"],
        read["is_public"],
        read["is_active"],
    )


def test_an_edit_to_the_read_document_is_saved(client: TestClient, read: dict[str, Any]):
    edited = read | {"document": read["document"] | {"description": "tighter"}}
    edited["description"] = "tighter"
    put = client.put(f"/api/strategies/{read['id']}", json=edited)
    assert put.status_code == 200, put.text
    assert put.json()["description"] == "tighter"


def test_a_read_strategy_posted_is_a_copy(client: TestClient, read: dict[str, Any]):
    copy = client.post("/api/strategies", json=read)
    assert copy.status_code == 201, copy.text
    assert copy.json()["id"] != read["id"]
    assert copy.json()["name"] == read["name"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"id": 999}, "id", id="another-id"),
        pytest.param({"name": "renamed on top only"}, "name", id="copies-disagree"),
        pytest.param({"is_public": True}, "is_public", id="sharing-is-share's"),
    ],
)
def test_a_read_body_that_contradicts_itself_is_422(
    client: TestClient, read: dict[str, Any], change: dict[str, Any], field: str
):
    response = client.put(f"/api/strategies/{read['id']}", json=read | change)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert client.get(f"/api/strategies/{read['id']}").json() == read


def test_the_cli_takes_a_strategy_as_read(
    read: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nifty50_candles: Path
):
    import shutil

    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADERTAPE_WARM_KERNELS", "false")
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(nifty50_candles, tmp_path / "candles")
    runs = []
    for name, body in (("read.json", read), ("document.json", SMA_CROSS)):
        saved = tmp_path / name
        saved.write_text(json.dumps(body))
        result = CliRunner().invoke(
            app,
            ["backtest", "--strategy", str(saved), "--universe", "nifty_50"]
            + ["--from", "2024-01-01", "--to", "2024-06-30", "--json"],
        )
        assert result.exit_code == 0, result.output
        runs.append(json.loads(result.stdout)["trades"])
    assert runs[0] == runs[1]
