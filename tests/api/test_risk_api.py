"""Risk rules over HTTP: CRUD with 422s naming the field, owner scoping, the kill switch on
the order route, risk events, and the state of a known paper book."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.db.models.trading import Trade
from tradertape.domain.money import paise
from tradertape.ports.clock import IST, Clock, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.risk.paper_book import PaperExposure
from tradertape.testkit import make_tick


def quote(runtime: Runtime, key: str, price: str, prev_close: str | None = None) -> None:
    tick = make_tick(key, price, ts=runtime.clock.now(), last_quantity=100_000)
    if prev_close is not None:
        tick = dataclasses.replace(tick, prev_close=Decimal(prev_close))
    runtime.quotes.update(tick)


def order(symbol: str, side: str, qty: int, price: str, **kw: object) -> dict[str, object]:
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": side,
        "quantity": qty,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": price,
        **kw,
    }


ORDER_CAP = {"type": "max_order_value", "threshold_amount": "50000"}


def test_rule_crud_and_full_replacement(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "r@x.in")
    created = client.post("/api/risk/rules", json=ORDER_CAP)
    assert created.status_code == 201
    rule = created.json()
    assert {k: v for k, v in rule.items() if k not in ("id", "created_at", "updated_at")} == {
        "type": "max_order_value",
        "action": "block",
        "enabled": True,
        "threshold_amount": "50000.00",
        "threshold_pct": None,
        "threshold_count": None,
        "scope": "all",
        "portfolio_id": None,
        "worker_run_id": None,
        "strategy_run_id": None,
        "target_amount": None,
        "trail_amount": None,
        "book": None,
        "paused": False,
        "tripped_at": None,
        "trip_reason": None,
    }
    exposure = client.post(
        "/api/risk/rules",
        json={"type": "max_exposure", "threshold_amount": 500000, "threshold_pct": "60.5"},
    ).json()
    assert (exposure["threshold_amount"], exposure["threshold_pct"]) == ("500000.00", "60.5")
    replaced = client.put(
        f"/api/risk/rules/{rule['id']}",
        json={
            "type": "max_open_positions",
            "action": "warn",
            "enabled": False,
            "threshold_amount": None,
            "threshold_pct": None,
            "threshold_count": 5,
            "portfolio_id": None,
            "worker_run_id": None,
        },
    )
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["type"], body["action"], body["enabled"], body["threshold_count"]) == (
        "max_open_positions",
        "warn",
        False,
        5,
    )
    assert (body["threshold_amount"], body["scope"], body["portfolio_id"]) == (None, "all", None)
    assert [r["id"] for r in client.get("/api/risk/rules").json()] == [exposure["id"]]
    everything = client.get("/api/risk/rules", params={"include_disabled": True}).json()
    assert [r["id"] for r in everything] == [rule["id"], exposure["id"]]
    page = client.get("/api/risk/rules", params={"include_disabled": True, "limit": 1, "offset": 1})
    assert [r["id"] for r in page.json()] == [exposure["id"]]
    assert client.get(f"/api/risk/rules/{rule['id']}").json()["threshold_count"] == 5
    assert client.delete(f"/api/risk/rules/{rule['id']}").status_code == 204
    assert client.get(f"/api/risk/rules/{rule['id']}").status_code == 404


def test_invalid_rules_are_422_naming_the_field(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "r@x.in")
    cases = [
        ({"type": "max_order_value"}, "threshold_amount"),
        ({**ORDER_CAP, "threshold_pct": 5}, "threshold_pct"),
        ({**ORDER_CAP, "threshold_amount": 0}, "threshold_amount"),
        ({**ORDER_CAP, "threshold_amount": "10.001"}, "threshold_amount"),
        ({"type": "max_sector_exposure_pct", "threshold_pct": 101}, "threshold_pct"),
        ({"type": "max_open_positions", "threshold_count": 0}, "threshold_count"),
        ({"type": "max_exposure"}, "threshold_amount"),
        ({"type": "kill_switch", "action": "warn"}, "action"),
        ({**ORDER_CAP, "portfolio_id": 1, "worker_run_id": 2}, "worker_run_id"),
        ({**ORDER_CAP, "action": "shout"}, "action"),
        ({"type": "max_drawdown"}, "type"),
        ({**ORDER_CAP, "limit": 5}, "limit"),
    ]
    for body, field in cases:
        response = client.post("/api/risk/rules", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["field"] == field, body
    rule_id = client.post("/api/risk/rules", json=ORDER_CAP).json()["id"]
    partial = client.put(f"/api/risk/rules/{rule_id}", json=ORDER_CAP)  # PUT needs every field
    assert partial.status_code == 422
    assert {e["field"] for e in partial.json()["detail"]} == {
        "action",
        "enabled",
        "threshold_pct",
        "threshold_count",
        "portfolio_id",
    }
    assert client.get("/api/risk/rules", params={"limit": 501}).json()["detail"][0]["field"] == (
        "limit"
    )


def test_another_users_rule_is_403_and_invisible(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    rule_id = client.post("/api/risk/rules", json=ORDER_CAP).json()["id"]
    other = TestClient(client.app)
    make_user(runtime, "b@x.in")
    other.post("/api/auth/password-login", json={"email": "b@x.in", "password": PASSWORD})
    full = {
        **ORDER_CAP,
        "action": "block",
        "enabled": True,
        "threshold_pct": None,
        "threshold_count": None,
        "portfolio_id": None,
        "worker_run_id": None,
    }
    assert other.get(f"/api/risk/rules/{rule_id}").status_code == 404
    assert other.put(f"/api/risk/rules/{rule_id}", json=full).status_code == 404
    assert other.delete(f"/api/risk/rules/{rule_id}").status_code == 404
    assert other.get("/api/risk/rules").json() == []
    assert other.get("/api/risk/state").json()["rules"] == []
    assert other.delete("/api/risk/rules/999").status_code == 404
    assert client.get(f"/api/risk/rules/{rule_id}").status_code == 200


def test_the_kill_switch_blocks_entries_on_the_order_route_and_exits_pass(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "k@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "NSE:INFY", "1400")
    bought = client.post("/api/orders", json=order("INFY", "BUY", 10, "1400")).json()
    assert bought["status"] == "COMPLETE"
    on = client.post("/api/risk/kill-switch", json={"on": True})
    assert on.status_code == 200
    assert on.json()["on"] is True
    assert client.get("/api/risk/state").json()["kill_switch"] is True

    refused = client.post("/api/orders", json=order("INFY", "BUY", 1, "1400"))
    exited = client.post("/api/orders", json=order("INFY", "SELL", 10, "1400", product="MIS"))

    assert refused.status_code == 201
    assert (refused.json()["status"], refused.json()["status_message"]) == (
        "REJECTED",
        "Order rejected by risk rule: kill switch is on: new entries are blocked",
    )
    assert exited.json()["status"] == "COMPLETE"
    events = client.get("/api/risk/events").json()
    assert [
        (e["rule_type"], e["action"], e["order_id"], e["symbol"], e["quantity"]) for e in events
    ] == [("kill_switch", "block", refused.json()["order_id"], "NSE:INFY", 1)]
    assert events[0]["at"] == "2026-11-20T04:30:00Z"
    assert events[0]["origin"] == "api"
    off = client.post("/api/risk/kill-switch", json={"on": False}).json()
    assert (off["on"], off["rule_ids"]) == (False, on.json()["rule_ids"])
    again = client.post("/api/orders", json=order("INFY", "BUY", 1, "1400")).json()
    assert again["status"] == "COMPLETE"
    assert client.get("/api/risk/state").json()["kill_switch"] is False


def test_a_rule_breach_on_the_order_route_is_logged_once_per_order(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "o@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    client.post("/api/risk/rules", json=ORDER_CAP)
    client.post(
        "/api/risk/rules",
        json={"type": "max_symbol_exposure", "threshold_amount": 30000, "action": "warn"},
    )
    quote(runtime, "NSE:INFY", "1400")
    big = order("INFY", "BUY", 40, "1400", idempotency_key="risk-order-01")
    first = client.post("/api/orders", json=big)
    replay = client.post("/api/orders", json=big)
    warned = client.post("/api/orders", json=order("INFY", "BUY", 30, "1400"))

    assert first.json()["status"] == "REJECTED"
    assert first.json()["status_message"] == (
        "Order rejected by risk rule: order value ₹56,000.00 is over the ₹50,000.00 limit"
    )
    assert (replay.status_code, replay.json()["order_id"]) == (200, first.json()["order_id"])
    assert warned.json()["status"] == "COMPLETE"
    events = client.get("/api/risk/events").json()
    assert [(e["rule_type"], e["action"], e["value"], e["threshold"]) for e in events] == [
        ("max_symbol_exposure", "warn", "42000.00", "30000.00"),
        ("max_symbol_exposure", "warn", "56000.00", "30000.00"),  # newest first
        ("max_order_value", "block", "56000.00", "50000.00"),
    ]
    assert client.get("/api/risk/events", params={"limit": 1}).json() == events[:1]


def test_an_order_with_rules_reads_its_risk_book_once(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    """The gate measures every rule of the account on one read of the book (issue 69),
    however many rules there are."""
    sign_in(client, runtime, "once@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    client.post("/api/risk/rules", json=ORDER_CAP)
    client.post("/api/risk/rules", json={"type": "daily_loss_limit", "threshold_amount": 5000})
    client.post(
        "/api/risk/rules",
        json={"type": "max_symbol_exposure", "threshold_amount": 900000, "action": "warn"},
    )
    quote(runtime, "NSE:INFY", "1400")
    reads: list[int] = []
    read = PaperExposure.book

    def counted(self: PaperExposure, *args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return read(self, *args, **kwargs)

    monkeypatch.setattr(PaperExposure, "book", counted)
    for n in range(3):
        placed = client.post("/api/orders", json=order("INFY", "BUY", 1, "1400"))
        assert placed.json()["status"] == "COMPLETE", placed.text
        assert len(reads) == n + 1


class _IstClock:
    """Market time as the demo's feed clock gives it: the same instant, written in IST."""

    def __init__(self, inner: Clock) -> None:
        self.inner = inner

    def now(self) -> datetime:
        return self.inner.now().astimezone(IST)


def test_state_is_stamped_in_utc_at_market_time(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runtime.risk, "clock", _IstClock(runtime.risk.clock))
    sign_in(client, runtime, "utc@x.in")
    as_of = client.get("/api/risk/state").json()["as_of"]
    assert as_of.endswith("Z"), as_of  # the IST clock's offset was written (+05:30)
    assert datetime.fromisoformat(as_of) == runtime.risk.clock.now()


def test_the_live_books_state_needs_live_trading_on_and_a_known_book_name(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "book@x.in")
    off = client.get("/api/risk/state", params={"book": "live"})
    assert (off.status_code, off.json()) == (
        409,
        {"detail": "book: live trading is off for your account (turn it on first)"},
    )
    wrong = client.get("/api/risk/state", params={"book": "margin"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "book", wrong.text
    paper = client.get("/api/risk/state", params={"book": "paper"}).json()
    assert (paper["book"], paper["capital"], paper["capital_unknown"]) == ("paper", "0.00", None)


def test_state_of_a_known_book(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "s@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    quote(runtime, "NSE:INFY", "1400")
    quote(runtime, "NSE:HDFCBANK", "1600")
    quote(runtime, "NSE:TCS", "3500")
    client.post("/api/orders", json=order("INFY", "BUY", 100, "1400", product="MIS"))
    client.post("/api/orders", json=order("HDFCBANK", "BUY", 50, "1600", product="MIS"))
    client.post("/api/orders", json=order("TCS", "BUY", 10, "3000"))  # rests: a working entry
    client.post("/api/orders", json=order("INFY", "SELL", 40, "1400", product="MIS"))
    quote(runtime, "NSE:INFY", "1380")
    quote(runtime, "NSE:HDFCBANK", "1620")
    rules = [
        {"type": "daily_loss_limit", "threshold_amount": 1000},
        {"type": "max_exposure", "threshold_amount": 200000},
        {"type": "max_sector_exposure_pct", "threshold_pct": 10},
        {"type": "max_open_positions", "threshold_count": 5},
        {"type": "max_symbol_exposure", "threshold_amount": 100000},
        {"type": "max_order_value", "threshold_amount": 100000},
    ]
    ids = [client.post("/api/risk/rules", json=r).json()["id"] for r in rules]

    state = client.get("/api/risk/state").json()

    with runtime.db.session() as db:
        paid = sum(db.scalars(select(Trade.charges)), Decimal(0))
    # cash (deposit − 140,000 − 80,000 + 56,000 − charges) plus the positions marked
    capital = Decimal(1_000_000) - Decimal("164000") - paid + Decimal("163800")
    assert paid > 0
    assert state["as_of"] == "2026-11-20T04:30:00Z"
    assert state["capital"] == str(paise(capital))
    # INFY: 60 left from 1,400, now 1,380; HDFCBANK: 50 from 1,600, now 1,620 (bought today).
    assert state["pnl_today"] == {
        "realised": "0.00",
        "unrealised": "-200.00",
        "total": "-200.00",
        "loss": "200.00",
    }
    assert state["unrealised_open"] == "-200.00"
    assert state["exposure"] == {
        "total": "193800.00",
        "positions": "163800.00",
        "working": "30000.00",
        "pct_of_capital": str(paise(Decimal(193800) / capital * 100)),
        "by_sector": {"Financial Services": "81000.00", "Information Technology": "112800.00"},
    }
    assert (state["open_positions"], state["working_entries"], state["kill_switch"]) == (
        2,
        1,
        False,
    )
    rows = {r["rule_id"]: r for r in state["rules"]}
    figures = [
        (
            rows[i]["value"],
            rows[i]["limit"],
            rows[i]["utilisation_pct"],
            rows[i]["near_limit"],
            rows[i]["breached"],
        )
        for i in ids
    ]
    sector_limit = paise(capital / 10)
    assert figures == [
        ("200.00", "1000.00", "20.00", False, False),
        ("193800.00", "200000.00", "96.90", True, False),
        (
            "112800.00",
            str(sector_limit),
            str(paise(Decimal(112800) / (capital / 10) * 100)),
            True,
            True,
        ),
        ("3", "5", "60.00", False, False),
        ("82800.00", "100000.00", "82.80", True, False),
        (None, "100000.00", None, False, False),
    ]
    # The distance to each limit, as the risk page shows it (negative once breached).
    assert [rows[i]["headroom"] for i in ids] == [
        "800.00",
        "6200.00",
        str(sector_limit - Decimal(112800)),
        "2",
        "17200.00",
        None,
    ]
    assert rows[ids[2]]["detail"]["sector"] == "Information Technology"
    assert rows[ids[4]]["detail"] == {"symbol": "NSE:INFY"}
    assert {r["measured_on"] for r in state["rules"]} == {"all"}


def test_todays_pnl_of_a_position_carried_from_an_earlier_day_is_one_figure_everywhere(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """A delivery position bought on Friday and partly sold on Monday: today's P&L is
    measured from Friday's close, and the risk desk (the top bar), the Funds page's M2M and
    the books all say the same (worked example below)."""
    sign_in(client, runtime, "carry@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    quote(runtime, "NSE:INFY", "1400")
    bought = client.post("/api/orders", json=order("INFY", "BUY", 100, "1400"))
    assert bought.status_code == 201, bought.text
    clock.advance(timedelta(days=3))  # Friday 10:00 IST to Monday 10:00 IST
    quote(runtime, "NSE:INFY", "1450", prev_close="1420")
    sold = client.post("/api/orders", json=order("INFY", "SELL", 30, "1450"))
    assert sold.status_code == 201, sold.text
    quote(runtime, "NSE:INFY", "1460", prev_close="1420")

    state = client.get("/api/risk/state").json()["pnl_today"]
    m2m = client.get("/api/portfolio/margins").json()["equity"]["utilised"]
    books = {b["book"]: b for b in client.get("/api/portfolio/books").json()}

    # 30 sold at 1,450 against Friday's close of 1,420: 900; 70 held, 1,420 to 1,460: 2,800
    assert state == {"realised": "900.00", "unrealised": "2800.00", "total": "3700.00",
                     "loss": "0.00"}  # fmt: skip
    # Kite's M2M counts a position still open as unrealised, all of it: the same total
    assert Decimal(str(m2m["m2m_realised"])) + Decimal(str(m2m["m2m_unrealised"])) == 3700
    assert Decimal(books["all"]["pnl_today"]) == 3700
