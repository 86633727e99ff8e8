"""Reconciliation of live trading against the fake Kite, through the real kiteconnect SDK:
orders placed in Kite's own app are adopted once and their fills booked once; our orders
Kite lost are marked and never sent again; positions and holdings drift is reported with
exact quantities; the trading loop reconciles at start-up and then only in market hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite import test_live_orders as live
from tests.brokers.kite.conftest import Fake
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_server_login import kite_login
from tests.helpers import sign_in
from tests.live_kit import BUY, CHARGES, booked, ours
from tradertape.db.models import Notification
from tradertape.jobs.trading import trading_loop
from tradertape.oms.live.reconcile import ADOPTED_NOTE, ENDED_NOTE, MISSING_NOTE
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.reconcile import ReconcileJobs
from tradertape_brokers.kite import KiteBroker

pytestmark = pytest.mark.db

settings = live.settings  # the fake Kite's app, the server's live switch (parametrizable)
server_live = live.server_live

URL = "/api/brokers/kite/reconciliation"
OUTSIDE_BUY = {  # as typed into Kite's own app: no tag of ours
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 10,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": 1490,
}
SBIN_BEFORE = {  # the fake's account holds 25 SBIN from before TraderTape
    "kind": "held_outside",
    "key": "SBIN",
    "ours": 0,
    "broker": 25,
    "note": "SBIN: 25 held at the broker, 0 booked by TraderTape; the rest was held before "
    "TraderTape or bought outside it (not an error)",
}


def _held(symbol: str, ours_: int, broker: int) -> dict[str, Any]:
    return {
        "kind": "held_outside",
        "key": symbol,
        "ours": ours_,
        "broker": broker,
        "note": f"{symbol}: {broker} held at the broker, {ours_} booked by TraderTape; the rest "
        "was held before TraderTape or bought outside it (not an error)",
    }


def _counts(**changed: int) -> dict[str, int]:
    zero = dict.fromkeys(
        (
            "broker_orders",
            "our_orders",
            "adopted",
            "corrected",
            "missing",
            "broker_trades",
            "our_trades",
            "broker_positions",
            "broker_gtts",
        ),
        0,
    )
    return zero | {"broker_holdings": 2} | changed


def _notices(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.db.session() as db:
        rows = db.scalars(select(Notification).order_by(Notification.id))
        return [(n.kind, n.text) for n in rows]


def _history(client: TestClient, order_id: str) -> list[tuple[str, str, str | None]]:
    rows = client.get(f"/api/orders/{order_id}/history").json()
    return [(h["event"], h["status"], h["status_message"]) for h in rows]


def test_holdings_from_before_tradertape_are_reported_as_such_not_as_drift(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    assert client.get(URL).status_code == 404
    assert client.get(URL).json() == {"detail": "no reconciliation of kite yet"}

    ran = client.post(URL)

    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert (body["broker"], body["drift"], body["counts"]) == ("kite", False, _counts())
    assert body["items"] == [_held("INFY", 0, 10), SBIN_BEFORE]
    assert client.get(URL).json() == body
    assert _notices(runtime) == []  # information only: nothing to tell
    assert ours(runtime) == []


def test_an_order_placed_in_kites_own_app_is_adopted_once_and_its_fill_booked_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1488)
    outside = fake.control("orders", OUTSIDE_BUY)["order_id"]  # fills at once, at 1488

    first = client.post(URL).json()
    second = client.post(URL).json()

    [order] = ours(runtime)
    assert (order.broker, order.broker_order_id, order.source, order.attribution) == (
        "kite",
        outside,
        "external",
        {"mode": "live", "adopted": True},
    )
    assert (order.status, order.filled_quantity, order.average_price) == (
        "COMPLETE",
        10,
        Decimal("1488"),
    )
    trades, cash = booked(runtime)
    assert trades == [("kite", "INFY", "BUY", 10, Decimal("1488"), CHARGES)]
    assert cash == [("buy", Decimal("-14880")), ("charges", -CHARGES)]
    assert _history(client, order.order_id) == [
        ("accepted", "OPEN", ADOPTED_NOTE),
        ("filled", "COMPLETE", None),
    ]
    adopted = {
        "kind": "order_adopted",
        "key": outside,
        "ours": None,
        "broker": 10,
        "note": f"broker order {outside} (BUY 10 NSE:INFY CNC) was placed outside TraderTape: "
        f"adopted as order {order.order_id}",
    }
    held = [_held("INFY", 10, 20), SBIN_BEFORE]  # 10 before us, 10 bought today (T1)
    today = {"broker_orders": 1, "our_orders": 1, "broker_trades": 1, "our_trades": 1}
    assert first["counts"] == _counts(**today, adopted=1, broker_positions=1)
    assert first["items"] == [adopted, *held]
    assert first["drift"] is False
    assert second["counts"] == _counts(**today, broker_positions=1)
    assert second["items"] == held
    [notice] = _notices(runtime)  # the adoption is told once
    assert notice == ("drift", f"🔀 Kite reconciliation: 1 finding(s)\n{adopted['note']}")


def test_an_open_order_kite_lost_is_marked_missing_and_never_sent_again(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY).json()["order_id"]
    [at_kite] = fake.state()["orders"]
    assert fake.control("forget", {"order_id": at_kite["order_id"]}) == {"forgotten": True}

    within_grace = client.post(URL).json()  # a send just made is never called missing
    assert within_grace["items"] == [_held("INFY", 0, 10), SBIN_BEFORE]
    clock.advance(timedelta(seconds=31))
    first = client.post(URL).json()
    again = client.post(URL).json()
    assert trading_loop(runtime).run_jobs(force=True) is True  # polling asks, sends nothing

    missing = {
        "kind": "order_missing",
        "key": order_id,
        "ours": 10,
        "broker": None,
        "note": f"our order {order_id} (broker order {at_kite['order_id']}, BUY 10 NSE:INFY) "
        "is not in the broker's order book; not sent again",
    }
    assert first["drift"] is True
    assert first["counts"] == _counts(our_orders=1, missing=1)
    assert first["items"] == [missing, _held("INFY", 0, 10), SBIN_BEFORE]
    assert again["items"] == first["items"]
    assert fake.state()["orders"] == []  # nothing re-sent, however often it ran
    [order] = ours(runtime)
    assert (order.status, order.status_message) == ("OPEN", MISSING_NOTE)
    assert _history(client, order_id) == [
        ("accepted", "OPEN", None),
        ("missing", "OPEN", MISSING_NOTE),  # marked once
    ]
    [notice] = _notices(runtime)  # the same drift is not told again
    assert notice == ("drift", f"🔀 Kite reconciliation: 1 finding(s)\n{missing['note']}")

    clock.advance(timedelta(days=1))  # Kite lists only today's orders: a day order has ended
    assert kite_login(client, fake)["login"] == ["ok"]  # yesterday's session expired
    next_day = client.post(URL).json()

    [order] = ours(runtime)
    assert (order.status, order.status_message) == ("CANCELLED", ENDED_NOTE)
    assert _history(client, order_id)[-1] == ("expired", "CANCELLED", ENDED_NOTE)
    assert [i["kind"] for i in next_day["items"]] == [
        "order_missing",
        "held_outside",
        "held_outside",
    ]
    settled = client.post(URL).json()  # the order is closed now: nothing is missing
    assert (settled["drift"], settled["counts"]["missing"]) == (False, 0)
    assert _notices(runtime)[1:] == [("drift", "🔀 Kite: drift resolved")]
    assert fake.state()["orders"] == []


def test_a_fill_we_never_heard_of_shows_as_trade_and_position_drift(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    order_id = client.post("/api/orders", json=BUY | {"product": "MIS"}).json()["order_id"]
    fake.price("NSE:INFY", 1488)  # fills at Kite; no postback, socket or poll tells us
    [at_kite] = fake.state()["orders"]
    fake.control("forget", {"order_id": at_kite["order_id"]})  # and Kite loses the order
    clock.advance(timedelta(seconds=31))

    body = client.post(URL).json()

    kite_id = at_kite["order_id"]
    assert body["drift"] is True
    assert body["counts"] == _counts(our_orders=1, missing=1, broker_trades=1, broker_positions=1)
    assert [(i["kind"], i["key"], i["ours"], i["broker"]) for i in body["items"]] == [
        ("order_missing", order_id, 10, None),
        ("trades", kite_id, 0, 10),
        ("position", "NSE:INFY:MIS", 0, 10),
        ("held_outside", "INFY", 0, 10),
        ("held_outside", "SBIN", 0, 25),
    ]
    assert body["items"][2]["note"] == "NSE:INFY:MIS: net 0 in TraderTape, 10 at the broker"
    assert booked(runtime) == ([], [])  # reported, never booked from a bare number


@pytest.mark.parametrize("server_live", [False])
def test_running_a_reconciliation_needs_both_live_switches(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    refused = client.post(URL)

    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "live trading is disabled on this server (TRADERTAPE_LIVE_TRADING_ENABLED)"
    }
    assert client.get(URL).status_code == 404


def test_running_a_reconciliation_without_a_session_is_409(
    client: TestClient, runtime: Runtime, fake: Fake
):
    sign_in(client, runtime, "nokite@x.in")
    client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})

    answer = client.post(URL)

    assert answer.status_code == 409
    assert answer.json()["detail"].startswith("no live Kite session")
    assert client.get(URL).status_code == 404


def test_running_a_reconciliation_of_a_broker_without_a_live_session_is_409(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    other = client.post("/api/brokers/upstox/reconciliation")

    assert (other.status_code, other.json()) == (
        409,
        {
            "detail": 'no live Upstox session for "broker": "upstox": log in to Upstox first '
            "(Settings → Brokers)"
        },
    )
    unknown = client.post("/api/brokers/nobroker/reconciliation")
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "broker"


def test_another_users_report_is_not_yours(client: TestClient, runtime: Runtime, fake: Fake):
    connect(client, runtime, fake)
    assert client.post(URL).status_code == 200

    sign_in(client, runtime, "other@x.in")

    assert client.get(URL).status_code == 404


def test_the_trading_loop_reconciles_at_start_up_then_every_few_minutes_in_market_hours(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=IST)
    jobs_clock = ManualClock(saturday)
    jobs = ReconcileJobs(
        db=runtime.db.jobs,
        reconciliation=runtime.reconciliation,
        calendar=runtime.exchange.calendar,
        clock=jobs_clock,
        every=timedelta(minutes=runtime.settings.reconcile_every_mins),
    )

    assert jobs.run_due() is True  # start-up: whatever the hour
    assert client.get(URL).status_code == 200
    fake.price("NSE:INFY", 1488)
    fake.control("orders", OUTSIDE_BUY)
    jobs_clock.advance(timedelta(minutes=10))
    assert jobs.run_due() is False  # Saturday: the market is shut
    assert ours(runtime) == []
    jobs_clock.set(datetime(2026, 11, 23, 9, 20, tzinfo=IST))  # Monday, in session
    assert jobs.run_due() is True
    assert [o.source for o in ours(runtime)] == ["external"]
    jobs_clock.advance(timedelta(minutes=4))
    assert jobs.run_due() is False  # not yet five minutes
    jobs_clock.advance(timedelta(minutes=1))
    assert jobs.run_due() is True
    jobs_clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=IST))  # after the close
    assert jobs.run_due() is False


def test_the_servers_trading_loop_runs_the_reconciliation_on_its_timer(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    assert trading_loop(runtime).run_jobs(force=True) is True

    assert client.get(URL).json()["items"] == [_held("INFY", 0, 10), SBIN_BEFORE]


def test_a_gtt_set_in_kites_app_is_reported_and_the_order_it_fires_adopted(
    client: TestClient, runtime: Runtime, fake: Fake, broker: KiteBroker
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    leg = {"transaction_type": "BUY", "quantity": 3, "order_type": "LIMIT", "product": "CNC"}
    spec = GttSpec("NSE", "INFY", [Decimal(1550)], Decimal(1500), [leg | {"price": 1556}])
    trigger_id = broker.place_gtt(spec)  # through the SDK, as Kite's own app would

    before = client.post(URL).json()
    fake.price("NSE:INFY", 1552)  # fires: Kite places its LIMIT order, which fills at 1552
    fired = client.post(URL).json()

    assert before["counts"]["broker_gtts"] == 1
    assert before["items"][-1] == {
        "kind": "gtt_external",
        "key": str(trigger_id),
        "ours": None,
        "broker": 1,
        "note": f"trigger {trigger_id} on NSE:INFY was set outside TraderTape",
    }
    assert before["drift"] is False
    assert fired["counts"]["broker_gtts"] == 0  # triggered: no longer active
    assert [(i["kind"], i["broker"]) for i in fired["items"]][:1] == [("order_adopted", 3)]
    [order] = ours(runtime)
    assert (order.source, order.status, order.filled_quantity) == ("external", "COMPLETE", 3)
    trades, _cash = booked(runtime)
    assert trades[0][:5] == ("kite", "INFY", "BUY", 3, Decimal("1552"))


def test_a_broker_that_does_not_answer_is_skipped_and_tried_next_time(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.fault("503", method="GET", path_prefix="/orders", count=4)  # every retry refused

    with runtime.db.session() as db:
        assert runtime.reconciliation.run_all(db) == 0
    assert client.get(URL).status_code == 404
    with runtime.db.session() as db:
        assert runtime.reconciliation.run_all(db) == 1
    assert client.get(URL).status_code == 200
