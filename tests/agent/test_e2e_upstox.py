"""The agent end to end with Upstox: the same placement flow as with Kite, against the fake
Upstox. Upstox keys instruments by ISIN (``NSE_EQ|<ISIN>``): the cloud's signal carries the
ISIN and the agent teaches it to the adapter, so a scanned symbol the agent never saw at
start-up is placed and followed, across a restart."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.agent.e2e_kit import AgentProcess, key_of, serve_app
from tests.agent.test_e2e_kite import AGENT_PORTFOLIO, signal_of
from tests.agent.test_e2e_kite import clock as clock  # the wall-clock server clock
from tests.api.test_model_api import _deploy, _scan
from tests.helpers import sign_in
from tradertape.fakebrokers.upstox import create_app
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape_agent.config import Config, save

CLIENT_ID, SECRET, REDIRECT = "upstox-app", "upstox-secret", "http://127.0.0.1/callback"


@pytest.fixture
def upstox(clock: ManualClock, with_candles: Runtime) -> Iterator[str]:
    app = create_app(now=clock.now, catalog=with_candles.catalog, feed_interval_secs=None)
    with serve_app(app) as root:
        yield root


def upstox_token(root: str) -> str:
    """Walk the fake's login dialog and swap its code for an access token."""
    with httpx.Client(base_url=root, timeout=5) as http:
        dialog = http.get(
            "/v2/login/authorization/dialog",
            params={"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT},
        )
        code = httpx.URL(dialog.headers["location"]).params["code"]
        minted = http.post(
            "/v2/login/authorization/token",
            data={
                "code": code,
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "redirect_uri": REDIRECT,
                "grant_type": "authorization_code",
            },
        )
        assert minted.status_code == 200, minted.text
        return str(minted.json()["access_token"])


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def gtts(root: str) -> list[dict[str, Any]]:
    state = httpx.get(f"{root}/_control/state", timeout=5).json()
    rows: list[dict[str, Any]] = state["gtts"]
    return rows


def test_a_scans_signal_is_placed_at_upstox_by_isin_and_its_fill_reported(
    tmp_path: Path, alice: TestClient, upstox: str
):
    portfolio = _deploy(alice, **(AGENT_PORTFOLIO | {"broker": "upstox"}))
    (sid,) = _scan(alice, portfolio["id"])["entries"]
    signal = signal_of(alice, sid)
    trigger = Decimal(signal["trigger_price"])
    with serve_app(alice.app) as cloud_url:
        path = tmp_path / "agent.json"
        save(
            Config(
                cloud_url=cloud_url,
                api_key=key_of(alice),
                primary_broker="upstox",
                upstox_api_key=CLIENT_ID,
                upstox_api_secret=SECRET,
                upstox_access_token=upstox_token(upstox),
                upstox_root=upstox,
                auto_execute=True,
            ),
            path,
        )
        agent = AgentProcess(path)
        first = agent.once()
        assert first.code == 0, first.text
        assert "[agent] Loaded brokers: upstox" in first.out
        [gtt] = gtts(upstox)
        assert gtt["instrument_token"].startswith("NSE_EQ|INE"), gtt
        placed = signal_of(alice, sid)
        assert (placed["status"], placed["gtt_status"]) == ("approved", "active"), first.out

        httpx.post(f"{upstox}/_control/prices", json={gtt["instrument_token"]: float(trigger + 1)})
        second = agent.once()  # a new process: it learns the ISIN again from its journal
        assert second.code == 0, second.text
        filled = signal_of(alice, sid)
        assert (filled["status"], filled["gtt_status"]) == ("executed", "filled"), second.out
        (position,) = alice.get(
            "/api/model/positions", params={"portfolio_id": portfolio["id"]}
        ).json()
        assert position["entry_order_id"] == filled["order_id"]
        assert position["entry_order_id"]
