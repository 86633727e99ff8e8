"""Upstox from the server's side: the callback login against the fake Upstox (through the
real SDK), the account views answering from it, and a broker-side expiry → 409 → re-login."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.upstox_kit import INFY, RELIANCE, FakeUpstox, running_fake
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

OK = "/settings/brokers?broker=upstox&login=ok"


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeUpstox]:
    with running_fake(clock.now) as running:
        yield running


@pytest.fixture
def settings(settings: Settings, fake: FakeUpstox) -> Settings:
    return settings.model_copy(update={"upstox_root": fake.root})


def _save_keys(client: TestClient, *, secret: bool = True) -> None:
    body = {"api_key": "upkey1"} | ({"api_secret": "upsecret1"} if secret else {})
    saved = client.post("/api/brokers/upstox/credentials", json=body)
    assert saved.status_code == 200, saved.text


def _login(client: TestClient, runtime: Runtime) -> Any:
    """Open the dialog (the fake approves at once) and follow its redirect to our callback."""
    url = client.get("/api/brokers/upstox/credentials").json()["login_url"]
    assert url.startswith(f"{runtime.settings.upstox_root}/v2/login/authorization/dialog?")
    dialog = httpx.get(url)
    assert dialog.status_code == 302
    callback = urlsplit(dialog.headers["location"])
    assert callback.path == "/api/brokers/upstox/callback"
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_callback_stores_the_token_until_0330_ist(client, runtime, fake):
    sign_in(client, runtime, "u@x.in", admin=True)
    _save_keys(client)

    landed = _login(client, runtime)

    assert (landed.status_code, landed.headers["location"]) == (302, OK)
    state = client.get("/api/brokers/upstox/credentials").json()
    assert (state["status"], state["broker_user_id"]) == ("connected", "FAKE01")
    expires = datetime.fromisoformat(state["access_token_expires_at"])
    assert expires == datetime(2026, 11, 21, 3, 30, tzinfo=IST)


def test_callback_failures_land_on_settings_with_a_reason(client, runtime, fake):
    sign_in(client, runtime, "u@x.in", admin=True)
    _save_keys(client, secret=False)
    no_secret = _login(client, runtime)
    assert no_secret.headers["location"].endswith("login=failed&reason=no_secret")

    _save_keys(client)
    link = client.get("/api/brokers/upstox/credentials").json()["login_url"]
    ours = urlencode({"state": parse_qs(urlsplit(link).query)["state"][0]})
    replay = client.get(f"/api/brokers/upstox/callback?code=spent&{ours}", follow_redirects=False)
    assert replay.headers["location"].endswith("login=failed&reason=rejected")
    forged = client.get("/api/brokers/upstox/callback?code=spent", follow_redirects=False)
    assert "not+started+from+your+TraderTape" in forged.headers["location"]
    no_code = client.get(f"/api/brokers/upstox/callback?{ours}", follow_redirects=False)
    assert no_code.headers["location"].endswith("login=failed&reason=no_code")
    assert client.get("/api/brokers/upstox/credentials").json()["status"] == "disconnected"


def test_groww_has_no_callback(client, runtime):
    sign_in(client, runtime, "u@x.in")
    assert client.get("/api/brokers/groww/callback?code=x").status_code == 404


def test_portfolio_from_upstox_then_expiry_409_and_relogin(client, runtime, fake, clock):
    sign_in(client, runtime, "u@x.in", admin=True)
    _save_keys(client)
    fake.control("prices", {RELIANCE: 2600, INFY: 1500})
    fake.control(
        "holdings",
        [
            {"instrument_key": RELIANCE, "quantity": 10, "average_price": 2400},
            {"instrument_key": INFY, "quantity": 3, "average_price": "1450.50"},
        ],
    )
    assert _login(client, runtime).headers["location"] == OK

    holdings = client.get("/api/portfolio/holdings")

    assert holdings.headers["X-Broker"] == "upstox"
    rows = {
        h["tradingsymbol"]: (h["exchange"], h["quantity"], h["average_price"], h["pnl"])
        for h in holdings.json()
    }
    assert rows == {
        "RELIANCE": ("NSE", 10, 2400.0, 2000.0),
        "INFY": ("NSE", 3, 1450.5, 148.5),
    }

    margins = client.get("/api/portfolio/margins").json()
    assert margins["equity"]["net"] == 1_000_000.0

    fake.control("expire-sessions")  # mid-day: Upstox stops honouring the token
    clock.advance(timedelta(seconds=31))  # past the views' cache
    expired = client.get("/api/portfolio/holdings")
    assert expired.status_code == 409
    assert "log in to upstox again" in expired.json()["detail"]

    assert _login(client, runtime).headers["location"] == OK
    again = client.get("/api/portfolio/holdings")
    assert (again.status_code, again.headers["X-Broker"]) == (200, "upstox")
    assert len(again.json()) == 2
