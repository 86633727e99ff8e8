"""The immediate-order path (seed 000's SEBI case): an agent-run portfolio set to
``agent_placement: "limit"`` or ``"market"`` hands its signals out as orders, not GTTs,
through the same result contract (``kind: "order"`` → ``gtt_status: order_placed``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.api.test_agent_api import _agent, _key, _near, _poll, _portfolio, _report
from tests.api.test_model_api import _scan
from tests.helpers import sign_in
from tradertape.runtime import Runtime


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


@pytest.mark.parametrize("kind", ["limit", "market"])
def test_an_entry_is_handed_out_as_an_immediate_order_and_its_results_book_as_a_gtts_do(
    alice: TestClient, kind: str
):
    portfolio = _portfolio(alice, agent_placement=kind)
    assert portfolio["agent_placement"] == kind
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)

    signal = _poll(agent, key)["signals"][0]

    place = signal["placement"]
    assert place["kind"] == "order"
    [leg] = place["legs"]
    assert (leg["transaction_type"], leg["quantity"]) == ("BUY", signal["quantity"])
    assert leg["order_type"] == kind.upper()
    assert Decimal(leg["price"]) == Decimal(signal["limit_price"])
    placed = _report(agent, key, signal_id=signal["signal_id"], outcome="placed", kind="order",
                     order_id="250602000777", broker="kite")  # fmt: skip
    assert placed.status_code == 200, placed.text
    assert (placed.json()["status"], placed.json()["gtt_status"]) == ("approved", "order_placed")
    filled = _report(agent, key, signal_id=signal["signal_id"], outcome="filled", kind="order",
                     order_id="250602000777", fill_price=_near(signal))  # fmt: skip
    assert filled.status_code == 200, filled.text
    assert filled.json()["entry_order_id"] == "250602000777"


def test_the_placement_changes_on_a_running_portfolio_and_a_bad_one_is_a_422(alice: TestClient):
    portfolio = _portfolio(alice)
    assert portfolio["agent_placement"] == "gtt"
    url = f"/api/model/portfolios/{portfolio['id']}"
    changed = alice.patch(url, json={"agent_placement": "limit"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["agent_placement"] == "limit"
    bad = alice.patch(url, json={"agent_placement": "iceberg"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "agent_placement"
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    assert {s["placement"]["kind"] for s in _poll(agent, key)["signals"]} == {"order"}
