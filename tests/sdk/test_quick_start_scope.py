"""The worker SDK's quick start works with every default: the scope its README writes, the
SDK's default, the web token form's default and the CLI's are one (seed 002: kite:paper-a)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from unittest.mock import patch

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import sign_in
from tests.sdk.conftest import BASE, InProcess
from tests.workers_kit import set_price
from tradertape.cli.keys import tokens_create
from tradertape.db.models import Order
from tradertape.domain.worker_access import DEFAULT_SCOPE
from tradertape.runtime import Runtime
from tradertape_worker import AlgoWorkerConfig, KiteAlgoWorkerClient
from tradertape_worker._config import DEFAULT_ACCOUNT_SCOPE

ROOT = Path(__file__).parents[2]


def test_readme_sdk_form_and_cli_name_one_scope():
    readme = (ROOT / "sdk/python/README.md").read_text(encoding="utf-8")
    examples = (ROOT / "sdk/python/examples/README.md").read_text(encoding="utf-8")
    form = (ROOT / "web/src/workers/workerApi.ts").read_text(encoding="utf-8")
    cli = inspect.signature(tokens_create).parameters["account_scope"].default.default

    assert DEFAULT_ACCOUNT_SCOPE == DEFAULT_SCOPE == "kite:paper-a"
    assert re.findall(r'account_scope="([^"]+)"', readme) == [DEFAULT_ACCOUNT_SCOPE]
    assert re.findall(r"KITE_ALGO_ACCOUNT_SCOPE=(\S+)", examples) == [DEFAULT_ACCOUNT_SCOPE]
    assert f'SDK_ACCOUNT_SCOPE = "{DEFAULT_ACCOUNT_SCOPE}"' in form
    assert cli == DEFAULT_ACCOUNT_SCOPE


def _quick_start() -> str:
    """The README's quick start, as a reader copies it."""
    readme = (ROOT / "sdk/python/README.md").read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    return next(block for block in blocks if "client.run(config)" in block)


def test_the_quick_start_runs_on_a_token_made_with_every_default(
    client: TestClient, runtime: Runtime
):
    """A token from the form's defaults (the API's, given a name only) runs the README's
    quick start as written: its run, safety check, order and P&L (the API's default was
    ``kite:paper``, so the README's run was refused for its scope)."""
    set_price(runtime, "NSE:INFY", "1500")
    sign_in(client, runtime, "quick@x.in")
    issued = client.post("/api/algo-workers/tokens", json={"name": "quick start"})
    assert issued.status_code == 201, issued.text
    assert issued.json()["account_scope"] == DEFAULT_ACCOUNT_SCOPE
    code = _quick_start().replace('token="kwa_..."', f'token="{issued.json()["token"]}"')
    http = TestClient(client.app, base_url=BASE)
    printed: list[object] = []

    def in_process(config: AlgoWorkerConfig) -> KiteAlgoWorkerClient:
        return KiteAlgoWorkerClient(config, transport=InProcess(http))

    namespace = {"print": printed.append}
    with patch("tradertape_worker.KiteAlgoWorkerClient", in_process):
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert len(printed) == 1  # the run's net P&L
    with runtime.db.session() as db:
        placed = db.scalars(select(Order.tradingsymbol)).all()
    assert placed == ["INFY"]
