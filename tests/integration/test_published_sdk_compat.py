"""The published ``kite-algo-worker`` SDKs (0.7.4 and 0.13.0) against this server, unchanged.

Each version is installed from PyPI into its own virtual environment (cached under the
data directory, so later runs reuse it) and runs `tests/compat/scripted_worker.py`
against the app served by uvicorn on loopback. The test is skipped, saying why, only
when PyPI cannot be reached; any other install failure fails it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.workers_kit import issue_token, set_price
from tradertape.runtime import Runtime

SCRIPT = Path(__file__).parents[1] / "compat" / "scripted_worker.py"
OPTIONS_SCRIPT = Path(__file__).parents[1] / "compat" / "scripted_options_worker.py"
RISK_SCRIPT = Path(__file__).parents[1] / "compat" / "scripted_risk_worker.py"
VERSIONS = ("0.7.4", "0.13.0")
_OFFLINE = ("Could not find a version", "connection", "Connection", "Network", "resolve")


def cache_root() -> Path:
    """Where the throwaway environments live: the data directory, not the temp dir."""
    data = os.environ.get("TRADERTAPE_DATA_DIR") or str(Path.home() / ".tradertape")
    return Path(data) / "cache" / "sdk-compat"


def published_sdk(sdk_version: str) -> Path:
    """The Python of a virtual environment holding ``kite-algo-worker==<version>``."""
    home = cache_root() / f"kite-algo-worker-{sdk_version}"
    python = home / "bin" / "python"
    marker = home / ".installed"
    if marker.exists():
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    install = subprocess.run(  # noqa: S603 - our own venv's pip, fixed arguments
        [str(python), "-m", "pip", "install", "--quiet", f"kite-algo-worker=={sdk_version}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if install.returncode != 0:
        output = install.stdout + install.stderr
        if any(sign in output for sign in _OFFLINE):
            pytest.skip(
                f"PyPI unreachable, kite-algo-worker=={sdk_version} not installed: {output[-300:]}"
            )
        raise AssertionError(f"installing kite-algo-worker=={sdk_version} failed:\n{output}")
    marker.write_text(sdk_version)
    return python


def run_script(script: Path, sdk_version: str, server: str, token: str) -> dict[str, object]:
    """Run `script` with the SDK's Python against `server`; the JSON it printed last."""
    python = published_sdk(sdk_version)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KITE_ALGO_", "PYTHON"))},
        "KITE_ALGO_API_BASE": server,
        "KITE_ALGO_WORKER_TOKEN": token,
        "COMPAT_RUN_ID": f"run_compat_{sdk_version.replace('.', '_')}",
    }
    done = subprocess.run(  # noqa: S603 - the cached venv's python and our script
        [str(python), str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.parametrize("sdk_version", VERSIONS)
def test_published_sdk_drives_a_run_end_to_end(
    sdk_version: str,
    server: str,
    client: TestClient,
    runtime: Runtime,
):
    set_price(runtime, "NSE:INFY", "1500")
    token, _ = issue_token(client, runtime, f"compat-{sdk_version}@x.in")
    run_id = f"run_compat_{sdk_version.replace('.', '_')}"
    seen = run_script(SCRIPT, sdk_version, server, token)
    expected = {
        "sdk": sdk_version,
        "health": "ok",
        "can_trade": True,
        "placed": ["accepted", "filled"],
        "replay": "deduped",
        "same_result": True,
        "pnl": [1, True, "INR"],
        "timeline": ["order.updated", "decision.entry"],
        "sse_timeline": "order.updated",
        "sse_pnl": run_id,
        "funds": 0.0,  # the Funds page's opening balance: the account was funded today
        "generation": 2,
        "protection": "active",
        "exit": ["success", "closed"],
    }
    if sdk_version != "0.7.4":
        expected["session"] = "claimed"
    assert seen == expected


@pytest.mark.parametrize("sdk_version", VERSIONS)
def test_published_sdk_drives_an_option_run(
    sdk_version: str,
    server: str,
    client: TestClient,
    runtime: Runtime,
):
    set_price(runtime, "NSE:NIFTY 50", "25010")
    token, _ = issue_token(client, runtime, f"compat-options-{sdk_version}@x.in")
    seen = run_script(OPTIONS_SCRIPT, sdk_version, server, token)
    if sdk_version != "0.7.4":  # 0.7.4's async client has no options namespace
        assert seen.pop("async") == ["NIFTY", 25000.0]
    assert seen == {
        "sdk": sdk_version,
        "session": 25010.0,
        "chain": [True, 25000.0, True],
        "helpers": [[25000.0, 130, 2], 24950.0, True, 25000.0],
        "spread": [[25000.0, "BUY", 65], [25100.0, "SELL", 65]],
        "mini_greeks": [2, "synthetic_forward_black76"],
        "analytics": [True, True, True],
        "created": "created",
        "protected": [["strategy_mtm_pct", "lte", -50.0]],
        "preview": ["entry_previewed", 2, True],
        "safety": [True, True, "entry_previewed"],
        "entered": ["entered", "success", True],
        "pnl": [-65, 65],
        "timeline": ["options.run_created", "options.status_changed"],
        "held": [65, -65],
        "protection": [False, None],
        "replay": [False, True],
        "exit_preview": 2,
        "exited": "exited",
    }


@pytest.mark.parametrize("sdk_version", VERSIONS)
def test_published_sdk_sees_the_kill_switch(
    sdk_version: str,
    server: str,
    client: TestClient,
    runtime: Runtime,
):
    set_price(runtime, "NSE:INFY", "1500")
    token, _ = issue_token(client, runtime, f"compat-risk-{sdk_version}@x.in")
    assert client.post("/api/risk/kill-switch", json={"on": True}).json()["on"] is True
    seen = run_script(RISK_SCRIPT, sdk_version, server, token)
    # Neither published SDK has a risk exception: a 409 is their generic error, which 0.13
    # gives the reason.
    reason = None if sdk_version == "0.7.4" else "RISK_CHECK_FAILED"
    assert seen == {
        "sdk": sdk_version,
        "safety": [False, ["RISK_KILL_SWITCH"]],
        "refused": ["KiteAlgoWorkerError", 409, reason, "RISK_CHECK_FAILED"],
    }


def test_the_cache_lives_under_the_data_dir(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    assert cache_root() == tmp_path / "cache" / "sdk-compat"
    assert sys.version_info >= (3, 11)
