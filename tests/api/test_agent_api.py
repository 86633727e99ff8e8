"""The agent API (seed 001, docs/agent-api.md) as the local agent uses it: poll the cart of
agent-run portfolios through the risk gate, report results, sync holdings and positions,
relay a broker login, and the web app's view of it all."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_model_api import _deploy, _scan
from tests.helpers import sign_in
from tradertape.db.models import Notification, Order, RiskEvent, Trade
from tradertape.domain.brokers import BrokerName
from tradertape.domain.charges import Side
from tradertape.domain.ticks import RoundDirection, round_to_tick, tick_size
from tradertape.oms import delivery_charges
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape_agent import __version__ as agent_version

AGENT_PORTFOLIO = {
    "executor": "agent",
    "broker": "kite",
    "paper_mode": False,
    "paper_fill": "gtt",
    "auto_place_signals": True,
}


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _key(client: TestClient) -> dict[str, str]:
    issued = client.post("/api/agent/keys", json={"name": "laptop"})
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['api_key']}"}


def _agent(client: TestClient) -> TestClient:
    """A client without the browser's cookie (the agent's)."""
    return TestClient(client.app)


def _poll(agent: TestClient, key: dict[str, str], **headers: str) -> dict[str, Any]:
    response = agent.get("/api/agent/pending-signals", headers=key | headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _portfolio(client: TestClient, **changes: Any) -> dict[str, Any]:
    return _deploy(client, **(AGENT_PORTFOLIO | changes))


def _report(agent: TestClient, key: dict[str, str], **body: Any) -> Any:
    return agent.post("/api/agent/signal-result", headers=key, json=body)


def _near(signal: dict[str, Any], ratio: str = "1") -> str:
    """A fill price `ratio` times the signal's close, on the tick (fills must be)."""
    close = Decimal(signal["close_price"])
    return str(round_to_tick(close * Decimal(ratio), RoundDirection.DOWN, tick_size(close)))


def test_an_agent_portfolio_waits_for_the_agent_and_places_nothing_itself(alice: TestClient):
    portfolio = _portfolio(alice)
    assert (portfolio["executor"], portfolio["broker"], portfolio["paper_mode"]) == (
        "agent",
        "kite",
        False,
    )
    report = _scan(alice, portfolio["id"])
    assert report["entries"]
    # Auto-placement put them in the cart; no GTT was placed by the server.
    carted = alice.get(
        "/api/model/signals", params={"portfolio_id": portfolio["id"], "status": "in_cart"}
    ).json()
    assert sorted(s["id"] for s in carted) == sorted(report["entries"])
    assert all(s["gtt_id"] is None for s in carted)
    assert alice.get("/api/gtt/triggers").json() == []
    agent, key = _agent(alice), _key(alice)
    polled = _poll(agent, key)
    assert sorted(s["signal_id"] for s in polled["signals"]) == sorted(report["entries"])
    assert polled["refused"] == []
    first = polled["signals"][0]
    signal = next(s for s in carted if s["id"] == first["signal_id"])
    assert first["symbol"] == signal["symbol"]
    assert first["exchange"] + ":" + first["tradingsymbol"] == signal["symbol"]
    assert (first["side"], first["quantity"]) == ("BUY", signal["quantity"])
    assert first["placement"]["kind"] == "gtt"
    assert first["placement"]["trigger_values"] == [signal["trigger_price"]]
    assert first["placement"]["legs"][0]["price"] == signal["limit_price"]
    assert first["risk"] == {
        "allowed": True,
        "refusal": None,
        "warnings": [],
        "checked": "all",
        "rules": [],
    }
    assert first["tag"] == f"tt-s{signal['id']}"
    assert len(first["tag"]) <= 20
    # the cart place of the web app leaves them for the agent
    placed = alice.post("/api/model/cart/place", json={"portfolio_id": portfolio["id"]}).json()
    assert placed["placed"] == []
    assert sorted(placed["for_agent"]) == sorted(report["entries"])


def test_a_paused_portfolio_hands_out_nothing(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    assert alice.post(f"/api/model/portfolios/{portfolio['id']}/pause").status_code == 200
    assert _poll(agent, key)["signals"] == []
    alice.post(f"/api/model/portfolios/{portfolio['id']}/resume")
    assert _poll(agent, key)["signals"]


def test_a_server_portfolio_and_pending_signals_are_not_handed_out(alice: TestClient):
    server = _deploy(alice)  # paper, executed by the server
    _scan(alice, server["id"])
    manual = _portfolio(alice, auto_place_signals=False)
    entries = _scan(alice, manual["id"])["entries"]
    agent, key = _agent(alice), _key(alice)
    assert _poll(agent, key)["signals"] == []
    # approving through the agent puts one in the cart, and the next poll hands it out
    approved = agent.post(f"/api/agent/signals/{entries[0]}/approve", headers=key)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "in_cart"
    assert [s["signal_id"] for s in _poll(agent, key)["signals"]] == [entries[0]]
    rejected = agent.post(f"/api/agent/signals/{entries[1]}/reject", headers=key)
    assert rejected.json()["status"] == "rejected"
    # a server-run portfolio's signal is not the agent's to approve
    other = alice.get("/api/model/signals", params={"portfolio_id": server["id"]}).json()[0]
    refused = agent.post(f"/api/agent/signals/{other['id']}/approve", headers=key)
    assert refused.status_code == 409


def test_the_gate_refuses_with_the_rules_words_and_counts_open_signals(
    alice: TestClient, with_candles: Runtime
):
    portfolio = _portfolio(alice)
    entries = _scan(alice, portfolio["id"])["entries"]
    assert len(entries) >= 2
    agent, key = _agent(alice), _key(alice)
    synced = agent.post(
        "/api/agent/sync-holdings",
        headers=key,
        json={
            "broker": "kite",
            "as_of": "2025-06-02T10:00:00Z",
            "holdings": [
                {
                    "exchange": "NSE",
                    "tradingsymbol": "ZZTEST",
                    "quantity": 1,
                    "average_price": 10,
                    "last_price": 10,
                }
            ],
        },
    )
    assert synced.status_code == 200, synced.text
    # one position held at the broker, room for one more: the first entry passes, and,
    # counted as working, it leaves no room for the second
    rule = alice.post("/api/risk/rules", json={"type": "max_open_positions", "threshold_count": 2})
    assert rule.status_code in (200, 201), rule.text
    polled = _poll(agent, key)
    assert [s["signal_id"] for s in polled["signals"]] == [entries[0]]
    refused = polled["refused"]
    assert sorted(s["signal_id"] for s in refused) == sorted(entries[1:])
    words = refused[0]["risk"]["refusal"]
    assert words.startswith("Order rejected by risk rule: ")
    assert "3 open, over the limit of 2" in words
    assert refused[0]["status"] == "rejected"
    signal = alice.get("/api/model/signals", params={"status": "rejected"}).json()
    assert {s["id"] for s in signal} == set(entries[1:])
    assert all(s["error"] == words for s in signal if s["id"] == refused[0]["signal_id"])
    with with_candles.db.session() as db:
        events = db.query(RiskEvent).filter(RiskEvent.origin == "agent").all()
        assert len(events) == len(entries) - 1
    # refused once: the next poll hands out only the one that passed
    again = _poll(agent, key)
    assert [s["signal_id"] for s in again["signals"]] == [entries[0]]
    assert again["refused"] == []


def test_a_kill_switch_hands_out_no_entry(alice: TestClient):
    portfolio = _portfolio(alice)
    entries = _scan(alice, portfolio["id"])["entries"]
    assert alice.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    agent, key = _agent(alice), _key(alice)
    polled = _poll(agent, key)
    assert polled["signals"] == []
    assert polled["kill_switch"] is True
    assert sorted(s["signal_id"] for s in polled["refused"]) == sorted(entries)
    assert "kill switch" in polled["refused"][0]["risk"]["refusal"].lower()


def test_a_signals_read_shows_the_gtt_order_and_broker_the_agent_reported(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    first, second = _poll(agent, key)["signals"][:2]

    def read(sid: int) -> dict[str, Any]:
        listed = alice.get("/api/model/signals", params={"portfolio_id": portfolio["id"]})
        return next(s for s in listed.json() if s["id"] == sid)

    assert (read(first["signal_id"])["gtt_id"], read(first["signal_id"])["broker"]) == (None, None)
    placed = _report(
        agent,
        key,
        signal_id=first["signal_id"],
        outcome="placed",
        broker="kite",
        kind="gtt",
        gtt_id=123456,
    )
    assert placed.status_code == 200, placed.text
    seen = read(first["signal_id"])
    assert (seen["gtt_id"], seen["order_id"], seen["broker"], seen["gtt_status"]) == (
        123456,
        None,
        "kite",
        "active",
    )
    # the GTT fires: its order's id joins the GTT's, which stays
    fired = _report(
        agent, key, signal_id=first["signal_id"], outcome="triggered", order_id="250602000123"
    )
    assert fired.status_code == 200, fired.text
    seen = read(first["signal_id"])
    assert (seen["gtt_id"], seen["order_id"], seen["broker"]) == (123456, "250602000123", "kite")
    # a broker whose GTT ids are text, and a plain order: each as reported
    _report(
        agent,
        key,
        signal_id=second["signal_id"],
        outcome="placed",
        broker="upstox",
        kind="gtt",
        gtt_id="GTT-C25060200012",
    )
    assert (read(second["signal_id"])["gtt_id"], read(second["signal_id"])["broker"]) == (
        "GTT-C25060200012",
        "upstox",
    )


def test_obfuscated_books_are_checked_on_counts_only(alice: TestClient):
    """A rupee rule on the book (exposure) is the agent's to apply (test_agent_obfuscated_rules)."""
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    alice.post("/api/risk/rules", json={"type": "max_exposure", "threshold_amount": "1"})
    agent, key = _agent(alice), _key(alice)
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
    polled = _poll(agent, key)
    assert polled["refused"] == []
    assert {s["risk"]["checked"] for s in polled["signals"]} == {"counts"}


def test_placed_then_filled_books_the_position_once(alice: TestClient, with_candles: Runtime):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    signal = _poll(agent, key)["signals"][0]
    sid, quantity = signal["signal_id"], signal["quantity"]
    price = _near(signal)
    placed = _report(
        agent, key, signal_id=sid, outcome="placed", broker="kite", kind="gtt", gtt_id=123456
    )
    assert placed.status_code == 200, placed.text
    assert (
        placed.json().items()
        >= {"status": "approved", "gtt_status": "active", "duplicate": False}.items()
    )
    assert sid not in [s["signal_id"] for s in _poll(agent, key)["signals"]]
    after_place = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(after_place["committed_capital"]) == Decimal(signal["amount"])
    again = _report(agent, key, signal_id=sid, outcome="placed", broker="kite", kind="gtt")
    assert again.json()["duplicate"] is True
    assert alice.get("/api/model/portfolios").json()[0] == after_place
    fill = {
        "signal_id": sid,
        "outcome": "filled",
        "broker": "kite",
        "order_id": "250602000123",
        "fill_price": price,
        "at": "2025-06-02T09:30:00+05:30",  # an IST offset: answered in UTC, with Z
    }
    filled = _report(agent, key, **fill)
    assert filled.status_code == 200, filled.text
    body = filled.json()
    assert (body["status"], body["gtt_status"], body["entry_order_id"]) == (
        "executed",
        "filled",
        "250602000123",
    )
    assert body["executed_at"] == "2026-11-20T04:30:00Z"  # the market clock (IST): in UTC
    signals = alice.get("/api/model/signals", params={"portfolio_id": portfolio["id"]}).json()
    assert [x["executed_at"] for x in signals if x["id"] == sid] == [body["executed_at"]]
    assert portfolio["created_at"].endswith("Z"), portfolio["created_at"]  # the deploy's answer
    positions = alice.get("/api/model/positions", params={"portfolio_id": portfolio["id"]}).json()
    assert len(positions) == 1
    (position,) = positions
    assert position["id"] == body["position_id"]
    assert position["entry_order_id"] == "250602000123"
    assert (position["quantity"], Decimal(position["entry_price"])) == (quantity, Decimal(price))
    charges = delivery_charges(Side.BUY, quantity, Decimal(price), date(2025, 6, 2))
    assert Decimal(position["charges"]) == charges
    book = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(book["committed_capital"]) == 0
    assert Decimal(book["deployed_capital"]) == Decimal(price) * quantity
    # the fill is in the account's live book at Kite too (docs/books.md), as one order and
    # one trade with its charges on the broker's schedule
    assert _live_trades(with_candles) == [("BUY", quantity, Decimal(price), "agent")]
    # a repeated fill books nothing twice
    assert _report(agent, key, **fill).json()["duplicate"] is True
    assert alice.get("/api/model/portfolios").json()[0] == book
    assert len(_live_trades(with_candles)) == 1
    with with_candles.db.session() as db:
        kinds = [n.kind for n in db.query(Notification).all()]
    assert kinds.count("fill") == 1
    # the agent's reconciliation sees what the cloud now expects at Kite
    expected = agent.get("/api/agent/expected-positions", headers=key).json()
    assert expected == [
        {
            "broker": "kite",
            "symbol": position["symbol"],
            "exchange": position["symbol"].split(":")[0],
            "tradingsymbol": position["symbol"].split(":")[1],
            "quantity": quantity,
            "model_quantity": quantity,
            "imported_quantity": 0,  # no tradebook uploaded
            "scaled_imported_quantity": None,
            "portfolio_ids": [portfolio["id"]],
        }
    ]


def test_failed_and_rejected_free_the_earmark_and_say_why(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    first, second = _poll(agent, key)["signals"][:2]
    _report(agent, key, signal_id=first["signal_id"], outcome="placed")
    failed = _report(
        agent, key, signal_id=first["signal_id"], outcome="failed", reason="Insufficient funds"
    )
    assert failed.json().items() >= {"status": "failed", "error": "Insufficient funds"}.items()
    rejected = _report(
        agent,
        key,
        signal_id=second["signal_id"],
        outcome="rejected",
        reason="daily loss limit (checked on real figures)",
    )
    assert rejected.json()["status"] == "rejected"
    book = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(book["committed_capital"]) == 0
    assert Decimal(book["current_capital"]) == Decimal(portfolio["starting_capital"])
    # a fill of a failed signal no longer fits it
    late = _report(agent, key, signal_id=first["signal_id"], outcome="filled", fill_price="100")
    assert late.status_code == 409


def test_bad_results_are_422_naming_the_field_and_change_nothing(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    sid = _poll(agent, key)["signals"][0]["signal_id"]
    for body, field in (
        ({"signal_id": sid, "outcome": "won"}, "outcome"),
        ({"signal_id": sid, "outcome": "filled", "fill_price": "-1"}, "fill_price"),
        ({"signal_id": sid, "outcome": "filled"}, "fill_price"),
        ({"signal_id": sid, "outcome": "placed", "filled_quantity": 1.5}, "filled_quantity"),
        ({"signal_id": sid, "outcome": "placed", "at": "2025-06-02T09:15:00"}, "at"),
    ):
        response = _report(agent, key, **body)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["field"] == field
    carted = alice.get("/api/model/signals", params={"status": "in_cart"}).json()
    assert sid in [s["id"] for s in carted]


def test_an_exit_sells_the_position_and_closes_it(alice: TestClient):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    entry = _poll(agent, key)["signals"][0]
    sid = entry["signal_id"]
    filled = _report(
        agent, key, signal_id=sid, outcome="filled", fill_price=_near(entry), order_id="1"
    )
    assert filled.status_code == 200, filled.text
    (position,) = alice.get("/api/model/positions").json()
    closing = alice.post(f"/api/model/positions/{position['id']}/close")
    assert closing.status_code == 200, closing.text
    assert closing.json()["placed"] == []
    assert len(closing.json()["for_agent"]) == 1
    (exit_signal,) = [s for s in _poll(agent, key)["signals"] if s["signal_type"] == "exit"]
    assert exit_signal["side"] == "SELL"
    assert exit_signal["position_id"] == position["id"]
    assert exit_signal["placement"]["gtt_type"] == "two-leg"
    assert [leg["transaction_type"] for leg in exit_signal["placement"]["legs"]] == ["SELL"] * 2
    sold = _report(
        agent,
        key,
        signal_id=exit_signal["signal_id"],
        outcome="filled",
        fill_price=_near(exit_signal, "1.05"),
        order_id="2",
    )
    assert sold.json()["status"] == "executed", sold.text
    (closed,) = alice.get("/api/model/positions").json()
    assert closed["status"] == "closed"
    assert Decimal(closed["exit_price"]) == Decimal(_near(exit_signal, "1.05"))


def test_snapshots_are_stored_per_broker_and_read_by_the_web_app(alice: TestClient):
    agent, key = _agent(alice), _key(alice)
    holding = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "quantity": 137,
        "average_price": "1400.5",
        "last_price": 1500,
        "close_price": "1490",
    }
    for broker, quantity in (("kite", 137), ("upstox", 5)):
        response = agent.post(
            "/api/agent/sync-holdings",
            headers=key,
            json={
                "broker": broker,
                "as_of": "2025-06-02T10:00:00Z",
                "obfuscated": True,
                "factor_fingerprint": "ab" * 16,
                "holdings": [holding | {"quantity": quantity}],
                "agent_extra": 1,
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["rows"] == 1
    position = {
        "exchange": "NSE",
        "tradingsymbol": "TCS",
        "product": "CNC",
        "quantity": -3,
        "average_price": 3000,
        "last_price": 3010,
        "realised": "-12.5",
    }
    margins = {"available_cash": "250000.75", "used": "1000", "net": "249000.75"}
    response = agent.post(
        "/api/agent/sync-positions",
        headers=key,
        json={
            "broker": "kite",
            "as_of": "2025-06-02T10:01:00Z",
            "positions": [position],
            "margins": margins,
        },
    )
    assert response.status_code == 200, response.text
    holdings = alice.get("/api/trading-agent/holdings").json()
    assert [(h["broker"], h["obfuscated"], h["holdings"][0]["quantity"]) for h in holdings] == [
        ("kite", True, 137),
        ("upstox", True, 5),
    ]
    assert holdings[0]["holdings"][0]["average_price"] == "1400.5"
    assert holdings[0]["as_of"] == "2025-06-02T10:00:00Z"
    (positions,) = alice.get("/api/trading-agent/positions").json()
    assert positions["margins"] == margins
    assert positions["positions"][0]["quantity"] == -3
    # a later snapshot replaces the broker's
    agent.post(
        "/api/agent/sync-positions",
        headers=key,
        json={"broker": "kite", "as_of": "2025-06-02T10:02:00Z", "positions": []},
    )
    (positions,) = alice.get("/api/trading-agent/positions").json()
    assert positions["positions"] == []
    assert positions["margins"] is None
    bad = agent.post(
        "/api/agent/sync-holdings",
        headers=key,
        json={"broker": "zerodha", "as_of": "2025-06-02T10:00:00Z", "holdings": []},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "broker"
    naive = agent.post(
        "/api/agent/sync-holdings",
        headers=key,
        json={"broker": "kite", "as_of": "2025-06-02T10:00:00", "holdings": []},
    )
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["field"] == "as_of"


def test_status_reports_version_health_and_warns_after_three_intervals(
    alice: TestClient, with_candles: Runtime
):
    assert alice.get("/api/trading-agent/status").json() == {
        "agents": [],
        "warning": None,
        "latest_version": agent_version,
    }
    agent, key = _agent(alice), _key(alice)
    _poll(
        agent,
        key,
        **{
            "X-Agent-Version": "0.5.2",
            "X-Agent-Health": "cloud=ok broker=ok",
            "X-Agent-Poll-Interval": "20",
        },
    )
    status = alice.get("/api/trading-agent/status").json()
    (state,) = status["agents"]
    assert (state["version"], state["health"], state["poll_interval"]) == (
        "0.5.2",
        "cloud=ok broker=ok",
        20,
    )
    assert (state["key_name"], state["stale"], status["warning"]) == ("laptop", False, None)
    clock = with_candles.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=60))
    assert alice.get("/api/trading-agent/status").json()["warning"] is None
    clock.advance(timedelta(seconds=1))
    late = alice.get("/api/trading-agent/status").json()
    assert late["agents"][0]["stale"] is True
    assert "61 s" in late["warning"]
    bad = agent.get("/api/agent/pending-signals", headers=key | {"X-Agent-Poll-Interval": "0"})
    assert bad.status_code == 422


class _TakesAnyToken:
    """A Kite whose every token is live."""

    def __init__(self, *, api_key: str, access_token: str) -> None:
        pass

    def margins(self) -> dict[str, Any]:
        return {}


def test_the_kite_token_relay_keeps_the_secret_off_the_server(
    alice: TestClient, with_candles: Runtime
):
    from tradertape.services.brokers.login_state import login_states

    alice.post("/api/auth/kite-credentials", json={"api_key": "kiteapp"})
    # Kite takes the token the agent exchanged (its check against the fake Kite:
    # tests/brokers/kite/test_agent_access_token.py)
    with_candles.account_views.register(BrokerName.KITE, _TakesAnyToken)  # type: ignore[arg-type]
    agent, key = _agent(alice), _key(alice)
    assert agent.get("/api/agent/pending-token", headers=key).json()["request_token"] is None
    me = alice.get("/api/auth/me").json()
    state = login_states(with_candles.settings.secret).issue(
        user_id=me["id"], broker=BrokerName.KITE, now=with_candles.clock.now()
    )
    forged = alice.post(
        "/api/trading-agent/relay/kite", json={"request_token": "abc", "state": "x"}
    )
    assert forged.status_code == 403
    handed = alice.post(
        "/api/trading-agent/relay/kite", json={"request_token": "reqTok123", "state": state}
    )
    assert handed.status_code == 200, handed.text
    waiting = agent.get("/api/agent/pending-token", params={"broker": "kite"}, headers=key).json()
    assert waiting["request_token"] == "reqTok123"
    pushed = agent.post(
        "/api/agent/access-token",
        headers=key,
        json={"broker": "kite", "access_token": "acc-from-agent", "broker_user_id": "AB1234"},
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["connected"] is True
    assert pushed.json()["expires_at"]
    assert agent.get("/api/agent/pending-token", headers=key).json()["request_token"] is None
    creds = alice.get("/api/brokers/kite/credentials").json()
    assert creds["api_key"] == "kiteapp"
    with with_candles.db.session() as db:
        stored = with_candles.brokers.access_token(db, user_id=me["id"], broker=BrokerName.KITE)
        assert stored == "acc-from-agent"
        assert with_candles.brokers.api_secret(db, user_id=me["id"], broker=BrokerName.KITE) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"paper_mode": True}, "paper_mode"),
        ({"broker": "paper"}, "broker"),
        ({"paper_fill": "close"}, "paper_fill"),
        ({"executor": "robot"}, "executor"),
    ],
)
def test_an_agent_portfolio_trades_for_real_at_an_agent_broker(
    alice: TestClient, changes: dict[str, Any], field: str
):
    body = {
        "strategy_id": alice.get("/api/strategies", params={"is_template": True}).json()[0]["id"],
        "universe": "nifty_50",
        "starting_capital": "1000000",
    } | AGENT_PORTFOLIO
    refused = alice.post("/api/model/portfolios/deploy", json=body | changes)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["field"] == field
    assert alice.get("/api/model/portfolios").json() == []


def test_the_executor_changes_hands_only_with_nothing_working(alice: TestClient):
    paper = _deploy(alice)
    to_agent = alice.patch(f"/api/model/portfolios/{paper['id']}", json={"executor": "agent"})
    assert to_agent.status_code == 422
    assert to_agent.json()["detail"][0]["field"] == "paper_mode"
    portfolio = _portfolio(alice, broker="upstox")
    path = f"/api/model/portfolios/{portfolio['id']}"
    manual = alice.patch(path, json={"auto_place_signals": False})
    assert manual.status_code == 200
    assert (manual.json()["auto_place_signals"], manual.json()["executor"]) == (False, "agent")
    assert alice.get("/api/model/portfolios").json()[0]["auto_place_signals"] is False
    assert alice.patch(path, json={"paper_mode": True}).status_code == 422  # not changeable
    alice.patch(path, json={"auto_place_signals": True})
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    sid = _poll(agent, key)["signals"][0]["signal_id"]
    _report(agent, key, signal_id=sid, outcome="placed")
    busy = alice.patch(path, json={"executor": "server"})
    assert busy.status_code == 409
    assert "working at the broker" in busy.json()["detail"]
    assert alice.get("/api/model/portfolios").json()[0]["executor"] == "agent"


def test_the_server_places_no_stop_for_an_agent_position(alice: TestClient):
    portfolio = _portfolio(alice, atr_stop_multiplier="2")
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    signal = _poll(agent, key)["signals"][0]
    assert signal["stop"] is not None
    assert Decimal(signal["stop"]["atr_multiplier"]) == 2
    expected = Decimal(signal["limit_price"]) - 2 * Decimal(signal["stop"]["atr"])
    assert Decimal(signal["stop"]["price"]) == expected.quantize(Decimal("0.01"))
    filled = _report(
        agent, key, signal_id=signal["signal_id"], outcome="filled", fill_price=_near(signal)
    )
    assert filled.status_code == 200, filled.text
    _scan(alice, portfolio["id"], day="2025-06-03")  # the day's run reconciles first
    (position,) = alice.get("/api/model/positions").json()
    assert position["status"] == "open"
    assert position["stop_gtt_id"] is None
    assert alice.get("/api/gtt/triggers").json() == []


def test_obfuscated_figures_carry_the_factors_fingerprint_and_another_is_refused(
    alice: TestClient,
):
    agent, key = _agent(alice), _key(alice)
    assert alice.get("/api/trading-agent/obfuscation").json() == {
        "on": False,
        "factor_known": False,
    }
    assert _poll(agent, key)["obfuscate"] is False
    switched = alice.put("/api/trading-agent/obfuscation", json={"on": True})
    assert switched.json() == {"on": True, "factor_known": False}
    assert _poll(agent, key)["obfuscate"] is True

    def sync(**changes: Any) -> Any:
        body = {
            "broker": "kite",
            "as_of": "2025-06-02T10:00:00Z",
            "obfuscated": True,
            "holdings": [],
        } | changes
        return agent.post("/api/agent/sync-holdings", headers=key, json=body)

    missing = sync()
    assert missing.status_code == 422
    assert "factor_fingerprint" in missing.text
    assert sync(factor_fingerprint="ab" * 16).status_code == 200
    assert sync(factor_fingerprint="ab" * 16).status_code == 200  # the same factor again
    other = sync(factor_fingerprint="cd" * 16)
    assert other.status_code == 409
    assert "another obfuscation factor" in other.json()["detail"]
    assert alice.get("/api/trading-agent/holdings").json()[0]["obfuscated"] is True
    # a lost factor: the user forgets the kept fingerprint, and a new factor is accepted
    forgot = alice.put("/api/trading-agent/obfuscation", json={"on": True, "forget_factor": True})
    assert forgot.json() == {"on": True, "factor_known": False}
    assert sync(factor_fingerprint="cd" * 16).status_code == 200
    assert alice.get("/api/trading-agent/obfuscation").json()["factor_known"] is True


def _live_trades(runtime: Runtime) -> list[tuple[str, int, Decimal, str]]:
    """The trades of the live book at Kite, with the source of their order."""
    with runtime.db.session() as db:
        rows = db.execute(
            select(Trade.transaction_type, Trade.quantity, Trade.price, Order.source)
            .join(Order, Order.id == Trade.order_pk)
            .where(Trade.book == "live:kite")
            .order_by(Trade.id)
        ).all()
    return [(side, qty, Decimal(price), source) for side, qty, price, source in rows]


def test_each_agent_fill_is_charged_once_the_ledgers_figure_on_the_position(
    alice: TestClient, with_candles: Runtime
):
    """A fill the agent reports is booked in the live book at Kite with its share of the
    day's contract note; the portfolio's position and capital take that figure, not a
    contract note of their own (issue 51: two charge figures for one fill)."""
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    signals = _poll(agent, key)["signals"][:3]
    assert len(signals) >= 2
    for n, signal in enumerate(signals):
        filled = _report(
            agent,
            key,
            signal_id=signal["signal_id"],
            outcome="filled",
            broker="kite",
            order_id=f"25060200012{n}",
            fill_price=_near(signal),
            at="2025-06-02T09:30:00+05:30",
        )
        assert filled.status_code == 200, filled.text
    with with_candles.db.session() as db:
        booked = dict(
            db.execute(
                select(Order.client_key, Trade.charges)
                .join(Order, Order.id == Trade.order_pk)
                .where(Trade.book == "live:kite")
            ).all()
        )
    positions = alice.get("/api/model/positions", params={"portfolio_id": portfolio["id"]}).json()
    by_signal = {p["signal_id"]: Decimal(p["charges"]) for p in positions}
    assert by_signal == {
        s["signal_id"]: Decimal(booked[f"agent:{s['signal_id']}:entry"]) for s in signals
    }
    book = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(book["charges_paid"]) == sum(by_signal.values())


def test_the_stop_the_agent_places_is_kept_on_the_position_and_its_fill_closes_it(
    alice: TestClient, runtime: Runtime
):
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    signal = _poll(agent, key)["signals"][0]
    sid = signal["signal_id"]
    early = _report(agent, key, signal_id=sid, outcome="placed", leg="stop", gtt_id=9)
    assert early.status_code == 409  # no entry has filled: no position to protect
    bought, sold_at = _near(signal), _near(signal, "0.95")
    entry = _report(agent, key, signal_id=sid, outcome="filled", fill_price=bought, order_id="o1")
    assert entry.status_code == 200, entry.text
    stop = {"signal_id": sid, "leg": "stop", "broker": "kite", "kind": "gtt", "gtt_id": 777}
    placed = _report(agent, key, outcome="placed", **stop)
    assert placed.status_code == 200, placed.text
    assert placed.json()["leg"] == "stop"
    assert (placed.json()["stop_gtt_id"], placed.json()["duplicate"]) == (777, False)
    assert placed.json()["status"] == "executed"  # the signal itself does not move
    assert _report(agent, key, outcome="placed", **stop).json()["duplicate"] is True
    no_price = _report(agent, key, outcome="filled", **stop)
    assert no_price.status_code == 422
    sold = _report(agent, key, outcome="filled", fill_price=sold_at, **stop)
    assert sold.status_code == 200, sold.text
    (position,) = alice.get("/api/model/positions", params={"portfolio_id": portfolio["id"]}).json()
    assert (position["status"], Decimal(position["exit_price"])) == ("closed", Decimal(sold_at))
    again = _report(agent, key, outcome="filled", fill_price=sold_at, **stop)
    assert again.json()["duplicate"] is True
    quantity = signal["quantity"]
    assert _live_trades(runtime) == [
        ("BUY", quantity, Decimal(bought), "agent"),
        ("SELL", quantity, Decimal(sold_at), "agent"),
    ]
