"""Cross-site request forgery: a page elsewhere posting with the victim's cookie is refused
and changes nothing; the app's own pages, non-browser clients and bearer tokens pass."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, make_user, sign_in
from tests.workers_kit import new_worker, order, set_price
from tradertape.api.app import create_app
from tradertape.runtime import Runtime
from tradertape.settings import Settings

EVIL = "https://evil.example"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ORDER = (
    "exchange=NSE&tradingsymbol=INFY&transaction_type=BUY&quantity=10&product=CNC&order_type=MARKET"
)


@pytest.fixture
def victim(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "victim@x.in")
    set_price(runtime, "NSE:INFY", "1500")
    return client


def _kill_switch(client: TestClient) -> bool:
    on: bool = client.get("/api/risk/state").json()["kill_switch"]
    return on


def _refused(response: Any) -> None:
    assert response.status_code == 403
    assert response.json()["detail"].startswith("cross-site request refused")


def test_a_cross_site_form_cannot_turn_the_kill_switch_on(victim: TestClient):
    # enctype="text/plain" can smuggle a JSON-looking body; urlencoded is the plain form.
    for headers, body in (
        ({"Content-Type": "text/plain"}, '{"on": true, "x": "="}'),
        (FORM, "on=true"),
    ):
        response = victim.post(
            "/api/risk/kill-switch", content=body, headers={**headers, "Origin": EVIL}
        )
        _refused(response)
        assert response.json()["detail"] == (
            "cross-site request refused (Origin is not this server's origin)"
        )
    assert _kill_switch(victim) is False


def test_a_cross_site_form_cannot_place_an_order(victim: TestClient):
    response = victim.post("/api/orders", content=ORDER, headers={**FORM, "Origin": EVIL})
    _refused(response)
    assert victim.get("/api/portfolio/orders").json() == []


def test_the_same_request_from_the_app_works(victim: TestClient):
    response = victim.post(
        "/api/risk/kill-switch", json={"on": True}, headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 200
    assert response.json()["on"] is True
    assert _kill_switch(victim) is True


@pytest.mark.parametrize(
    ("headers", "passes"),
    [
        pytest.param({"Sec-Fetch-Site": "same-origin"}, True, id="fetch-site-same-origin"),
        pytest.param({"Sec-Fetch-Site": "none"}, True, id="fetch-site-none"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, False, id="fetch-site-cross-site"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, False, id="fetch-site-sibling"),
        pytest.param(
            {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
            False,
            id="fetch-site-decides-over-origin",
        ),
        pytest.param({"Referer": "http://testserver/risk"}, True, id="referer-same"),
        pytest.param({"Referer": f"{EVIL}/trap.html"}, False, id="referer-elsewhere"),
        pytest.param({"Origin": "null"}, False, id="origin-null"),
        pytest.param({"Origin": "http://testserver.evil.example"}, False, id="origin-suffix"),
        pytest.param({"Origin": "https://testserver"}, True, id="origin-behind-tls-proxy"),
        pytest.param({}, True, id="no-browser-headers"),
    ],
)
def test_which_headers_pass(victim: TestClient, headers: dict[str, str], passes: bool):
    response = victim.post("/api/risk/kill-switch", json={"on": True}, headers=headers)
    if passes:
        assert response.status_code == 200, response.text
    else:
        _refused(response)
    assert _kill_switch(victim) is passes


def test_every_unsafe_method_is_judged(victim: TestClient):
    created = victim.post(
        "/api/risk/rules", json={"type": "max_order_value", "threshold_amount": "5000"}
    )
    assert created.status_code == 201
    path = f"/api/risk/rules/{created.json()['id']}"
    rule = {**created.json(), "threshold_amount": "1"}
    put = {k: rule[k] for k in ("type", "action", "enabled", "threshold_amount")}
    put |= {"threshold_pct": None, "threshold_count": None, "portfolio_id": None}
    _refused(victim.put(path, json=put, headers={"Origin": EVIL}))
    _refused(victim.delete(path, headers={"Origin": EVIL}))
    assert victim.get(path).json()["threshold_amount"] == "5000.00"


def test_reads_are_not_judged(victim: TestClient):
    response = victim.get("/api/risk/state", headers={"Origin": EVIL})
    assert response.status_code == 200


def test_a_cross_site_page_cannot_sign_a_visitor_in(client: TestClient, runtime: Runtime):
    make_user(runtime, "attacker@x.in")
    body = f"email=attacker%40x.in&password={PASSWORD.replace(' ', '+')}"
    response = client.post(
        "/api/auth/password-login", content=body, headers={**FORM, "Origin": EVIL}
    )
    _refused(response)
    assert "kite_session" not in response.cookies


def test_bearer_requests_need_no_origin(client: TestClient, runtime: Runtime):
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_x")
    placed = worker.place("run_x", "run_x:entry:1", order(quantity=1))
    assert placed.status_code in (200, 201), placed.text
    assert placed.json()["status"] == "accepted"


class TestBehindAProxy:
    """The server's public address differs from the host it is reached at."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"public_base_url": "https://desk.example.in"})

    def test_the_public_origin_passes_whatever_the_host(self, runtime: Runtime):
        with TestClient(create_app(runtime), base_url="https://10.0.0.5:8000") as app:
            sign_in(app, runtime, "proxied@x.in")
            public = {"Origin": "https://desk.example.in"}
            ok = app.post("/api/risk/kill-switch", json={"on": True}, headers=public)
            assert ok.status_code == 200, ok.text
            other = {"Origin": "https://other.in"}
            _refused(app.post("/api/risk/kill-switch", json={"on": False}, headers=other))
            assert _kill_switch(app) is True


# Headers a forged request may carry beside the victim's cookie: a browser behind a proxy
# with HTTP Basic auth attaches the first by itself; the others a page cannot set without a
# CORS grant, but none of them may open a side door.
_SIDE_DOORS = [
    pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic-auth"),
    pytest.param({"Authorization": "Bearer zt_not-a-real-key"}, id="bearer-agent-key"),
    pytest.param({"Authorization": "Bearer kwa_not-a-real-token"}, id="bearer-worker-token"),
    pytest.param({"Authorization": "Bearer"}, id="bearer-empty"),
    pytest.param({"Authorization": ""}, id="authorization-empty"),
    pytest.param({"Cookie": "other=1"}, id="extra-cookie"),
]
_FOREIGN = [
    pytest.param({"Origin": EVIL}, id="origin"),
    pytest.param({"Sec-Fetch-Site": "cross-site"}, id="fetch-site"),
    pytest.param({"Referer": f"{EVIL}/trap.html"}, id="referer"),
]


@pytest.mark.parametrize("extra", _SIDE_DOORS)
@pytest.mark.parametrize("foreign", _FOREIGN)
def test_no_header_opens_a_side_door(
    victim: TestClient, extra: dict[str, str], foreign: dict[str, str]
):
    headers = {**extra, **foreign}
    _refused(victim.post("/api/risk/kill-switch", json={"on": True}, headers=headers))
    _refused(victim.post("/api/orders", content=ORDER, headers={**FORM, **headers}))
    assert _kill_switch(victim) is False
    assert victim.get("/api/portfolio/orders").json() == []


@pytest.mark.parametrize("extra", _SIDE_DOORS)
def test_a_bodiless_post_is_judged(victim: TestClient, extra: dict[str, str]):
    """A POST with no body at all (a form with no fields) is judged like any other."""
    created = victim.post("/api/agent/keys", json={"name": "mine"})
    assert created.status_code == 201, created.text
    before = victim.get("/api/agent/keys").json()
    key_id = created.json()["id"]
    response = victim.post(
        f"/api/agent/keys/{key_id}/regenerate", headers={**extra, "Origin": EVIL}
    )
    _refused(response)
    assert victim.get("/api/agent/keys").json() == before
