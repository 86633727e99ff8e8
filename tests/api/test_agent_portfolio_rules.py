"""A rule scoped to one agent-run portfolio is measured on that portfolio's own book (its
model positions and working signals), not on the broker account's unrelated holdings; an
account-wide rule still counts the whole account."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_agent_api import _agent, _key, _poll, _portfolio
from tests.api.test_model_api import _scan
from tests.helpers import sign_in
from tradertape.runtime import Runtime

#: Five holdings at the broker that no portfolio of TraderTape bought.
UNRELATED = [
    {"exchange": "NSE", "tradingsymbol": f"ZZOLD{i}", "quantity": 10, "average_price": 100,
     "last_price": 100}
    for i in range(5)
]  # fmt: skip


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _setup(alice: TestClient) -> tuple[TestClient, dict[str, str], dict[str, Any], list[int]]:
    portfolio = _portfolio(alice)
    entries = _scan(alice, portfolio["id"])["entries"]
    assert len(entries) >= 2
    agent, key = _agent(alice), _key(alice)
    synced = agent.post(
        "/api/agent/sync-holdings",
        headers=key,
        json={"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "holdings": UNRELATED},
    )
    assert synced.status_code == 200, synced.text
    return agent, key, portfolio, entries


def test_a_portfolio_scoped_count_rule_counts_the_portfolios_positions_only(alice: TestClient):
    """The portfolio holds nothing yet and may hold 1: its first entry makes 1 open (passes);
    counted as working, it leaves no room for the second (2 > 1). The broker's five unrelated
    holdings are not the portfolio's (counted, 5 + 1 = 6 > 1 refused even the first)."""
    agent, key, portfolio, entries = _setup(alice)
    rule = alice.post(
        "/api/risk/rules",
        json={"type": "max_open_positions", "threshold_count": 1, "portfolio_id": portfolio["id"]},
    )
    assert rule.status_code in (200, 201), rule.text

    polled = _poll(agent, key)

    assert [s["signal_id"] for s in polled["signals"]] == [entries[0]]
    refused = [s["risk"]["refusal"] for s in polled["refused"]]
    assert len(refused) == len(entries) - 1
    assert all("a new position would make 2 open, over the limit of 1" in r for r in refused)


def test_an_account_wide_count_rule_still_counts_the_whole_account(alice: TestClient):
    agent, key, _portfolio_row, entries = _setup(alice)
    rule = alice.post("/api/risk/rules", json={"type": "max_open_positions", "threshold_count": 6})
    assert rule.status_code in (200, 201), rule.text

    polled = _poll(agent, key)

    # 5 held + the first entry = 6: it fits; the second would make 7
    assert [s["signal_id"] for s in polled["signals"]] == [entries[0]]
    assert all(
        "a new position would make 7 open, over the limit of 6" in s["risk"]["refusal"]
        for s in polled["refused"]
    )
