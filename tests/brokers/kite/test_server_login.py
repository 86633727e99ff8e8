"""Kite logins through the server, against the fake Kite, and the account views they unlock.

The server reaches the fake at its ``kite_root``; the test plays the browser: it walks the
fake's login page, follows its redirect to our callback, and (for Browser Login) computes
the checksum itself, as the web app does with WebCrypto.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import CALLBACK, Fake, server_settings
from tests.helpers import make_user, sign_in
from tradertape.domain.brokers import BrokerName
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.login import login_url
from tradertape.services.brokers.login_state import login_states
from tradertape.settings import Settings
from tradertape_brokers.kite import checksum

SETTINGS_PAGE = "http://testserver/settings/brokers"


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake)


def kite_login(client: TestClient, fake: Fake) -> dict[str, list[str]]:
    """Walk the fake's login page and our callback; the query of the final redirect."""
    link = client.get("/api/brokers/kite/credentials").json()["login_url"]
    assert link.startswith(f"{fake.url}/connect/login?")
    page = fake.http.get(link)
    assert page.status_code == 302
    back = urlsplit(page.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    done = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert done.status_code == 302, done.text
    target = urlsplit(done.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == SETTINGS_PAGE
    return parse_qs(target.query)


def own_state(client: TestClient) -> str:
    """The state our login link carries (inside Kite's ``redirect_params``)."""
    link = client.get("/api/brokers/kite/credentials").json()["login_url"]
    [extra] = parse_qs(urlsplit(link).query)["redirect_params"]
    [state] = parse_qs(extra)["state"]
    return str(state)


def test_a_login_not_started_from_the_users_own_link_is_refused(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """Login CSRF: a callback link carrying someone else's request token (no state, another
    user's state, or a stale one) completes nothing; the request token is never exchanged."""
    sign_in(client, runtime, "victim@x.in")
    save_key(client, secret=True)
    mallory = make_user(runtime, "mallory@x.in")
    mallorys = login_states(runtime.settings.secret).issue(
        user_id=mallory, broker=BrokerName.KITE, now=runtime.clock.now()
    )
    token = fake.request_token()  # a real, unspent request token from a Kite login
    for query in ("", f"&state={mallorys}", "&state=12.34"):
        answer = client.get(
            f"/api/brokers/kite/callback?request_token={token}&status=success{query}",
            follow_redirects=False,
        )
        outcome = parse_qs(urlsplit(answer.headers["location"]).query)
        assert outcome["login"] == ["failed"]
        assert outcome["reason"] == [
            "this login was not started from your TraderTape; start it again from Settings"
        ]
    assert client.get("/api/brokers/kite/credentials").json()["status"] == "disconnected"
    assert fake.state()["logins"] == 0


def save_key(client: TestClient, *, secret: bool) -> None:
    body = {"api_key": DEFAULT_API_KEY} | ({"api_secret": DEFAULT_API_SECRET} if secret else {})
    assert client.post("/api/brokers/kite/credentials", json=body).status_code == 200


def test_callback_logs_in_with_the_stored_secret_and_holdings_come_from_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    sign_in(client, runtime, "solo@x.in")  # the install's first account may keep the secret
    save_key(client, secret=True)

    assert kite_login(client, fake) == {"broker": ["kite"], "login": ["ok"]}

    kite = client.get("/api/brokers/kite/credentials").json()
    assert (kite["status"], kite["broker_user_id"]) == ("connected", "FK1234")
    assert kite["access_token_expires_at"] == "2026-11-21T00:30:00Z"  # 06:00 IST
    holdings = client.get("/api/portfolio/holdings")
    assert holdings.headers["X-Broker"] == "kite"
    rows = [(h["tradingsymbol"], h["quantity"], h["average_price"]) for h in holdings.json()]
    assert rows == [("INFY", 10, 1400.0), ("SBIN", 25, 700.0)]
    margins = client.get("/api/portfolio/margins").json()
    assert margins["equity"]["available"]["cash"] == 1_000_000.0


def test_browser_login_sends_only_the_checksum(client: TestClient, runtime: Runtime, fake: Fake):
    make_user(runtime, "admin@x.in")
    sign_in(client, runtime, "member@x.in")  # may not store a secret: Browser Login
    save_key(client, secret=False)

    answer = kite_login(client, fake)

    assert answer["login"] == ["checksum"]
    [token] = answer["request_token"]
    [state] = answer["state"]  # passed on, so the page can prove the login was ours
    forged = client.post(
        "/api/brokers/kite/session",
        json={
            "request_token": token,
            "checksum": checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET),
            "state": "1795149000.0123456789abcdef0123456789abcdef",
        },
    )
    assert forged.status_code == 403
    assert forged.json()["detail"].startswith("state: this login was not started from your")
    assert fake.state()["logins"] == 0  # nothing was exchanged at Kite
    wrong = client.post(
        "/api/brokers/kite/session",
        json={
            "request_token": token,
            "checksum": checksum(DEFAULT_API_KEY, token, "nope"),
            "state": state,
        },
    )
    assert wrong.status_code == 422, wrong.text
    [problem] = wrong.json()["detail"]
    assert problem["field"] == "request_token"
    assert problem["msg"] == "Kite refused the login: Invalid `checksum`."
    right = checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET)  # what WebCrypto computes
    done = client.post(
        "/api/brokers/kite/session",
        json={"request_token": token, "checksum": right, "state": state},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["has_secret"]) == ("connected", False)
    assert client.get("/api/portfolio/positions").json() == {"net": [], "day": []}
    replay = client.post(
        "/api/brokers/kite/session",
        json={"request_token": token, "checksum": right, "state": state},
    )
    assert replay.status_code == 422  # a request token is single-use


def test_session_killed_mid_day_is_409_until_a_clean_relogin(
    client: TestClient, runtime: Runtime, fake: Fake
):
    sign_in(client, runtime, "solo@x.in")
    save_key(client, secret=True)
    kite_login(client, fake)
    fake.control("expire-sessions")  # a master logout at Kite, mid-day

    for view in ("holdings", "positions", "orders", "trades", "margins"):
        dead = client.get(f"/api/portfolio/{view}")
        assert dead.status_code == 409, view
        assert dead.json()["detail"].endswith("log in to kite again")

    assert client.get("/api/brokers/kite/credentials").json()["status"] == "expired"

    assert kite_login(client, fake)["login"] == ["ok"]
    assert client.get("/api/brokers/kite/credentials").json()["status"] == "connected"
    assert client.get("/api/portfolio/orders").json() == []
    assert fake.state()["logins"] == 2


def test_the_0600_cut_off_is_409_then_a_new_login_serves_again(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    sign_in(client, runtime, "solo@x.in")
    save_key(client, secret=True)
    kite_login(client, fake)
    clock.set(clock.now().replace(day=21, hour=0, minute=30))  # 06:00 IST on the 21st

    stale = client.get("/api/portfolio/positions")

    assert stale.status_code == 409
    assert stale.json() == {"detail": "the kite session has expired: log in to kite again"}
    assert kite_login(client, fake)["login"] == ["ok"]
    kite = client.get("/api/brokers/kite/credentials").json()
    assert kite["access_token_expires_at"] == "2026-11-22T00:30:00Z"
    assert client.get("/api/portfolio/positions").status_code == 200


def test_callback_without_a_session_cookie_or_approval_says_why(
    client: TestClient, runtime: Runtime, fake: Fake
):
    anonymous = client.get(
        "/api/brokers/kite/callback?request_token=abc&status=success", follow_redirects=False
    )
    assert anonymous.headers["location"] == (
        f"{SETTINGS_PAGE}?broker=kite&login=failed&reason=not+signed+in"
    )
    sign_in(client, runtime, "solo@x.in")
    save_key(client, secret=True)
    ours = urlencode({"state": own_state(client)})
    refused = client.get(
        f"/api/brokers/kite/callback?status=cancelled&{ours}", follow_redirects=False
    )
    assert parse_qs(urlsplit(refused.headers["location"]).query)["login"] == ["failed"]
    bad = client.get(
        f"/api/brokers/kite/callback?request_token=forged&{ours}", follow_redirects=False
    )
    reason = parse_qs(urlsplit(bad.headers["location"]).query)["reason"][0]
    assert reason.startswith("request_token: Kite refused the login")
    assert client.get("/api/brokers/upstox/callback").status_code == 404


def test_login_links_point_at_the_configured_kite(runtime: Runtime, fake: Fake):
    url = login_url(
        BrokerName.KITE,
        api_key="k1",
        public_base_url="http://testserver",
        kite_login_url=runtime.settings.kite_login_url,
    )
    assert url == f"{fake.url}/connect/login?v=3&api_key=k1"
    with_state = login_url(
        BrokerName.KITE,
        api_key="k1",
        public_base_url="http://testserver",
        kite_login_url=runtime.settings.kite_login_url,
        state="1700000000.abc",
    )
    assert with_state == f"{url}&redirect_params=state%3D1700000000.abc"


def test_kite_endpoints_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    defaults = Settings(data_dir=tmp_path, _env_file=None)
    assert (defaults.kite_root, defaults.kite_login_url) == (
        "https://api.kite.trade",
        "https://kite.zerodha.com/connect/login",
    )
    monkeypatch.setenv("TRADERTAPE_KITE_ROOT", "http://127.0.0.1:9100")
    monkeypatch.setenv("TRADERTAPE_KITE_LOGIN_URL", "http://127.0.0.1:9100/connect/login")
    local = Settings(data_dir=tmp_path, _env_file=None)
    assert (local.kite_root, local.kite_login_url) == (
        "http://127.0.0.1:9100",
        "http://127.0.0.1:9100/connect/login",
    )
