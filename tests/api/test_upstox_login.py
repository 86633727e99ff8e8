"""Upstox from the server's side: the callback login against the fake Upstox (through the
real SDK), the account views answering from it, and a broker-side expiry → 409 → re-login."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.upstox_kit import INFY, RELIANCE, FakeUpstox, running_fake
from tradertape.db.base import Base
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape_brokers.upstox import exchange_code

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


def _browser_login(client: TestClient, runtime: Runtime) -> dict[str, str]:
    """Without a stored secret the callback sends the browser on with the code and state."""
    landed = _login(client, runtime)
    assert landed.status_code == 302
    target = urlsplit(landed.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert (target.path, query["broker"], query["login"]) == ("/settings/brokers", "upstox", "code")
    return {"code": query["code"], "state": query["state"]}


SECRET = "upsecret-typed-in-the-browser"


def _everything_stored(runtime: Runtime) -> str:
    """Every row of every table, as text (where a secret would be if it were kept)."""
    with runtime.db.session() as db:
        return repr([db.execute(t.select()).all() for t in Base.metadata.sorted_tables])


def test_browser_login_exchanges_the_typed_secret_once_and_keeps_none_of_it(
    client, runtime, fake, caplog
):
    caplog.set_level(logging.DEBUG)
    sign_in(client, runtime, "u@x.in")  # not approved to store a secret (Class 0)
    _save_keys(client, secret=False)
    login = _browser_login(client, runtime)

    answer = client.post("/api/brokers/upstox/session", json=login | {"api_secret": SECRET})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["broker_user_id"], body["has_secret"]) == (
        "connected",
        "FAKE01",
        False,
    )
    assert body["api_secret_masked"] is None
    assert datetime.fromisoformat(body["access_token_expires_at"]) == datetime(
        2026, 11, 21, 3, 30, tzinfo=IST
    )
    assert SECRET not in _everything_stored(runtime)
    assert SECRET not in caplog.text
    spent = client.post("/api/brokers/upstox/session", json=login | {"api_secret": SECRET})
    assert spent.status_code == 422  # Upstox's codes are single-use
    [problem] = spent.json()["detail"]
    assert problem["field"] == "code"
    assert SECRET not in spent.text


def test_browser_login_is_refused_for_another_users_state_and_names_bad_fields(
    client, runtime, fake
):
    sign_in(client, runtime, "a@x.in")
    _save_keys(client, secret=False)
    alices = _browser_login(client, runtime)
    sign_in(client, runtime, "b@x.in")
    _save_keys(client, secret=False)

    stolen = client.post("/api/brokers/upstox/session", json=alices | {"api_secret": SECRET})
    assert stolen.status_code == 403
    assert stolen.json()["detail"].startswith("state: ")
    assert client.get("/api/brokers/upstox/credentials").json()["status"] == "disconnected"

    for body, field in [
        ({"code": alices["code"], "state": alices["state"]}, "api_secret"),
        (alices | {"api_secret": ""}, "api_secret"),
        (alices | {"api_secret": SECRET, "code": "a b"}, "code"),
        ({"code": "abc", "api_secret": SECRET}, "state"),
    ]:
        bad = client.post("/api/brokers/upstox/session", json=body)
        assert bad.status_code == 422, body
        assert [p["field"] for p in bad.json()["detail"]] == [field]
        assert SECRET not in bad.text


def test_browser_login_needs_the_key_saved(client, runtime, fake):
    sign_in(client, runtime, "u@x.in")
    _save_keys(client, secret=False)
    login = _browser_login(client, runtime)
    client.delete("/api/brokers/upstox/credentials")

    answer = client.post("/api/brokers/upstox/session", json=login | {"api_secret": SECRET})

    assert answer.status_code == 409
    assert "save your Upstox API key first" in answer.json()["detail"]


def test_the_code_relayed_to_the_agent_comes_back_as_the_session(client, runtime, fake):
    """The agent's side of the relay, as the server sees it: the code and the redirect URL
    wait for the agent's key; the token it pushes is the session."""
    sign_in(client, runtime, "u@x.in")
    _save_keys(client, secret=False)
    key = client.post("/api/agent/keys", json={"name": "laptop"}).json()["api_key"]
    login = _browser_login(client, runtime)
    handed = client.post(
        "/api/trading-agent/relay/upstox",
        json={"request_token": login["code"], "state": login["state"]},
    )
    assert handed.status_code == 200, handed.text
    agent = {"Authorization": f"Bearer {key}"}

    waiting = client.get("/api/agent/pending-token?broker=upstox", headers=agent).json()

    assert waiting["request_token"] == login["code"]
    assert (
        waiting["redirect_uri"] == f"{runtime.settings.public_base_url}/api/brokers/upstox/callback"
    )
    assert (
        client.get("/api/agent/pending-token?broker=kite", headers=agent).json()["request_token"]
        is None
    )
    session = exchange_code(
        "upkey1", "held-by-the-agent", login["code"], waiting["redirect_uri"], fake.root
    )
    pushed = client.post(
        "/api/agent/access-token",
        headers=agent,
        json={"broker": "upstox", "access_token": session.access_token, "broker_user_id": "FAKE01"},
    )
    assert pushed.status_code == 200, pushed.text
    assert client.get("/api/brokers/upstox/credentials").json()["status"] == "connected"
    after = client.get("/api/agent/pending-token?broker=upstox", headers=agent).json()
    assert after["request_token"] is None


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
