"""With the agent's book obfuscated the server still refuses what it can judge (the order's
own value: the signal's quantity and price are the cloud's, never scaled) and hands every
rupee and % rule to the agent (`risk.rules`), which applies them on its real figures
(tests/agent/test_local_risk.py); the agent's ``rejected`` with the rule's words then
rejects the signal in the cloud, as the web app shows it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_agent_api import _agent, _key, _poll, _portfolio, _report
from tests.api.test_model_api import _scan
from tests.helpers import sign_in
from tradertape.runtime import Runtime


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _obfuscate(agent: TestClient, key: dict[str, str]) -> None:
    synced = agent.post(
        "/api/agent/sync-positions",
        headers=key,
        json={
            "broker": "kite",
            "as_of": "2025-06-02T10:00:00Z",
            "obfuscated": True,
            "factor_fingerprint": "ab" * 16,
            "positions": [],
        },
    )
    assert synced.status_code == 200, synced.text


def _rule(alice: TestClient, **body: Any) -> dict[str, Any]:
    made = alice.post("/api/risk/rules", json=body)
    assert made.status_code in (200, 201), made.text
    rule: dict[str, Any] = made.json()
    return rule


def test_the_server_refuses_an_order_over_the_order_value_rule_though_the_book_is_scaled(
    alice: TestClient,
):
    portfolio = _portfolio(alice)
    entries = _scan(alice, portfolio["id"])["entries"]
    _rule(alice, type="max_order_value", threshold_amount="1000")
    agent, key = _agent(alice), _key(alice)
    _obfuscate(agent, key)

    polled = _poll(agent, key)

    assert polled["signals"] == []
    refused = {s["signal_id"]: s for s in polled["refused"]}
    assert sorted(refused) == sorted(entries)
    one = next(iter(refused.values()))
    # the signal's own value, quantity × its limit price (the audit's ₹29,521.80 is one such)
    value = one["quantity"] * Decimal(one["limit_price"])
    assert value > 1000
    assert one["risk"]["checked"] == "counts"
    assert "order value ₹" in one["risk"]["refusal"]
    assert "is over the ₹1,000.00 limit" in one["risk"]["refusal"]
    rejected = alice.get("/api/model/signals", params={"status": "rejected"}).json()
    assert sorted(s["id"] for s in rejected) == sorted(entries)


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"type": "max_exposure", "threshold_amount": "1"}, id="max_exposure-amount"),
        pytest.param({"type": "max_exposure", "threshold_pct": "1"}, id="max_exposure-pct"),
        pytest.param({"type": "max_symbol_exposure", "threshold_amount": "1"}, id="symbol"),
        pytest.param({"type": "max_sector_exposure_pct", "threshold_pct": "1"}, id="sector"),
        pytest.param({"type": "daily_loss_limit", "threshold_amount": "1"}, id="daily_loss"),
        pytest.param({"type": "max_order_value", "threshold_amount": "1000000"}, id="order"),
    ],
)
def test_every_rupee_and_percent_rule_goes_to_the_agent_with_its_thresholds(
    alice: TestClient, rule: dict[str, Any]
):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    made = _rule(alice, **rule)
    agent, key = _agent(alice), _key(alice)
    _obfuscate(agent, key)

    polled = _poll(agent, key)

    assert polled["refused"] == []  # the scaled book cannot say: the agent will
    for signal in polled["signals"]:
        assert signal["risk"]["checked"] == "counts"
        [handed] = signal["risk"]["rules"]
        assert handed["id"] == made["id"]
        assert handed["type"] == rule["type"]
        assert handed["action"] == "block"
        for field in ("threshold_amount", "threshold_pct"):
            given = rule.get(field)
            assert (Decimal(handed[field]) if handed[field] else None) == (
                Decimal(given) if given else None
            )
        assert signal["sector"] == polled["sectors"].get(signal["symbol"])


def test_an_unscaled_book_is_checked_by_the_server_and_hands_no_rules(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    _rule(alice, type="max_exposure", threshold_amount="100000000")
    agent, key = _agent(alice), _key(alice)
    polled = _poll(agent, key)
    assert {s["risk"]["checked"] for s in polled["signals"]} == {"all"}
    assert all(s["risk"]["rules"] == [] for s in polled["signals"])


def test_the_agents_rejection_rejects_the_signal_with_the_rules_words(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    _rule(alice, type="max_exposure", threshold_amount="1")
    agent, key = _agent(alice), _key(alice)
    _obfuscate(agent, key)
    signal = _poll(agent, key)["signals"][0]
    words = "Order rejected by the agent's risk check: exposure would reach ₹9,000.00, over"

    answer = _report(agent, key, signal_id=signal["signal_id"], outcome="rejected", reason=words)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rejected"
    shown = alice.get("/api/model/signals", params={"status": "rejected"}).json()
    assert [(s["id"], s["error"]) for s in shown] == [(signal["signal_id"], words)]
    assert signal["signal_id"] not in [s["signal_id"] for s in _poll(agent, key)["signals"]]
