"""The agent in the web app (issue 53): what the deploy form's executor choice sends and the
heartbeat shown beside it, and what "Place cart" answers for an agent-run portfolio (its
signals handed to the agent, counted apart from the orders placed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_agent_api import _agent, _key, _poll
from tests.api.test_model_api import _deploy, _scan, _template
from tests.helpers import sign_in
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

#: What the deploy form sends when "Agent" is chosen: live at an agent broker, GTT entries.
FORM_AGENT = {"executor": "agent", "broker": "kite", "paper_mode": False, "paper_fill": "gtt"}


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _form_deploy(client: TestClient, **changes: Any) -> dict[str, Any]:
    body = {
        "strategy_id": _template(client, "v1_momentum"),
        "universe": "nifty_50",
        "starting_capital": "300000",
        "auto_place_signals": False,
    } | FORM_AGENT
    made = client.post("/api/model/portfolios/deploy", json=body | changes)
    assert made.status_code == 201, made.text
    deployed: dict[str, Any] = made.json()
    return deployed


def test_the_forms_agent_choice_deploys_an_agent_portfolio_and_shows_the_last_heartbeat(
    alice: TestClient, with_candles: Runtime
):
    # Beside the choice: no agent has connected yet.
    assert alice.get("/api/trading-agent/status").json()["agents"] == []
    portfolio = _form_deploy(alice)
    assert (portfolio["executor"], portfolio["broker"], portfolio["paper_mode"]) == (
        "agent",
        "kite",
        False,
    )
    listed = alice.get("/api/model/portfolios").json()
    assert [(p["id"], p["executor"]) for p in listed] == [(portfolio["id"], "agent")]
    # The agent polls; two minutes on, the form reads when, on the server's clock.
    clock = with_candles.clock
    assert isinstance(clock, ManualClock)
    polled_at = clock.now()
    _poll(_agent(alice), _key(alice), **{"X-Agent-Poll-Interval": "60"})
    clock.advance(timedelta(minutes=2))
    (seen,) = alice.get("/api/trading-agent/status").json()["agents"]
    assert seen["seconds_since_poll"] == 120
    assert seen["last_poll_at"] == polled_at.isoformat().replace("+00:00", "Z")
    assert seen["stale"] is False  # two of its one-minute polls missed: not yet three


def test_place_cart_hands_an_agent_portfolios_signals_to_the_agent_apart_from_orders_placed(
    alice: TestClient,
):
    server = _deploy(alice)  # paper, filled at the close by the server
    agent_run = _form_deploy(alice)
    server_entries = _scan(alice, server["id"])["entries"]
    agent_entries = _scan(alice, agent_run["id"])["entries"]
    assert server_entries
    assert agent_entries
    for signal_id in [*server_entries, *agent_entries]:
        approved = alice.post(f"/api/model/signals/{signal_id}/approve")
        assert approved.status_code == 200, approved.text

    # the agent portfolio's own cart: nothing placed, every signal handed to the agent
    own = alice.post("/api/model/cart/place", json={"portfolio_id": agent_run["id"]}).json()
    assert (own["placed"], own["failed"]) == ([], {})
    assert sorted(own["for_agent"]) == sorted(agent_entries)
    # every cart at once: each signal counted once, on its own side
    both = alice.post("/api/model/cart/place", json={}).json()
    assert sorted(both["placed"]) == sorted(server_entries)
    assert sorted(both["for_agent"]) == sorted(agent_entries)
    assert not set(both["placed"]) & set(both["for_agent"])
    # handed: they wait in the cart, and the agent's next poll takes them
    carted = alice.get(
        "/api/model/signals", params={"portfolio_id": agent_run["id"], "status": "in_cart"}
    ).json()
    assert sorted(s["id"] for s in carted) == sorted(agent_entries)
    handed = _poll(_agent(alice), _key(alice))["signals"]
    assert sorted(s["signal_id"] for s in handed) == sorted(agent_entries)


def test_a_paused_agent_portfolio_hands_nothing_to_the_agent(alice: TestClient):
    portfolio = _form_deploy(alice)
    entries = _scan(alice, portfolio["id"])["entries"]
    for signal_id in entries:
        alice.post(f"/api/model/signals/{signal_id}/approve")
    assert alice.post(f"/api/model/portfolios/{portfolio['id']}/pause").status_code == 200
    placed = alice.post("/api/model/cart/place", json={"portfolio_id": portfolio["id"]}).json()
    assert (placed["placed"], placed["for_agent"]) == ([], [])
    assert sorted(int(i) for i in placed["failed"]) == sorted(entries)
    assert all("paused" in why for why in placed["failed"].values())
