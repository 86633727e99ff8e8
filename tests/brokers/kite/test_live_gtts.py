"""Live GTTs at the fake Kite through the server: both switches, the one gate, one trigger
at the broker whatever times out; a trigger Kite fires becomes one order of ours and its
fill one trade, however often the sweep runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_live_orders import server_live as server_live  # noqa: F401
from tests.brokers.kite.test_live_orders import settings as settings  # noqa: F401 - fixture
from tests.helpers import sign_in
from tests.live_kit import CHARGES, booked, ours
from tradertape.db.models.trading import Gtt
from tradertape.domain.charge_rates import Segment
from tradertape.domain.charges import Fill, Side, compute_charges
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db


def _leg(side: str, price: str) -> dict[str, Any]:
    return {
        "transaction_type": side,
        "quantity": 10,
        "order_type": "LIMIT",
        "product": "CNC",
        "price": price,
    }


# Buy 10 INFY once it rises to 1487 (it is at 1480), limit 1490.
SINGLE: dict[str, Any] = {
    "type": "single",
    "condition": {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "trigger_values": ["1487"],
        "last_price": "1480",
    },
    "orders": [_leg("BUY", "1490")],
    "mode": "live",
}
# Sell the 10 at a stop (1450, limit 1445) or a target (1550, limit 1545).
OCO: dict[str, Any] = {
    "type": "two-leg",
    "condition": {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "trigger_values": ["1450", "1550"],
        "last_price": "1488",
    },
    "orders": [_leg("SELL", "1445"), _leg("SELL", "1545")],
    "mode": "live",
}


def _gtts(runtime: Runtime) -> list[tuple[str, str | None, str, int | None]]:
    with runtime.db.session() as db:
        return [
            (g.broker, g.broker_trigger_id, g.status, g.triggered_leg)
            for g in db.scalars(select(Gtt).order_by(Gtt.id))
        ]


def _sweep(runtime: Runtime) -> None:
    assert trading_loop(runtime).run_jobs(force=True) is True


def test_a_single_and_an_oco_gtt_fire_at_kite_and_each_fill_is_booked_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1480)

    created = client.post("/api/gtt/triggers", json=SINGLE)

    assert created.status_code == 201, created.text
    [at_kite] = fake.state()["gtts"]
    assert (at_kite["status"], at_kite["condition"]["trigger_values"]) == ("active", [1487.0])
    assert _gtts(runtime) == [("kite", str(at_kite["id"]), "active", None)]
    fake.price("NSE:INFY", 1488)  # Kite fires it; its LIMIT 1490 buy fills at 1488
    assert fake.state()["gtts"][0]["status"] == "triggered"
    assert booked(runtime) == ([], [])

    _sweep(runtime)
    _sweep(runtime)  # a second sweep adopts and books nothing more

    [kite_order] = fake.state()["orders"]
    [order] = ours(runtime)
    assert (order.broker, order.broker_order_id, order.source, order.status) == (
        "kite",
        kite_order["order_id"],
        "gtt",
        "COMPLETE",
    )
    assert order.book == "live:kite"  # a live order is in its broker account's book
    trigger = client.get(f"/api/gtt/triggers/{created.json()['trigger_id']}").json()
    assert trigger["status"] == "triggered"
    assert trigger["meta"] == {"order_id": order.order_id}
    assert trigger["orders"][0]["result"]["order_result"]["order_id"] == order.order_id
    trades, cash = booked(runtime)
    assert trades == [("kite", "INFY", "BUY", 10, Decimal("1488.00"), CHARGES)]
    assert cash == [("buy", Decimal("-14880.00")), ("charges", -CHARGES)]

    oco = client.post("/api/gtt/triggers", json=OCO)
    assert oco.status_code == 201, oco.text
    fake.price("NSE:INFY", 1555)  # the target leg fires; its LIMIT 1545 sell fills at 1555
    _sweep(runtime)

    assert [g[2:] for g in _gtts(runtime)] == [("triggered", 0), ("triggered", 1)]
    assert [o["status"] for o in fake.state()["orders"]] == ["COMPLETE", "COMPLETE"]
    # Bought and sold the same day: an intraday round trip whatever the product (issue 50),
    # one note priced as intraday (STT on the sell only, no DP charge); the sale's charge is
    # what it changes of the day's note, the buy's delivery charges taken back.
    round_trip = [
        Fill("buy", Segment.EQUITY_INTRADAY, Side.BUY, 10, Decimal("1488.00")),
        Fill("sell", Segment.EQUITY_INTRADAY, Side.SELL, 10, Decimal("1555.00")),
    ]
    sell_charges = compute_charges(round_trip, runtime.clock.now().date()).total - CHARGES
    trades, cash = booked(runtime)
    assert trades[1:] == [("kite", "INFY", "SELL", 10, Decimal("1555.00"), sell_charges)]
    assert cash[2:] == [("sell", Decimal("15550.00")), ("charges", -sell_charges)]
    assert len(ours(runtime)) == 2


def test_a_deleted_live_gtt_is_deleted_at_kite(client: TestClient, runtime: Runtime, fake: Fake):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1480)
    trigger_id = client.post("/api/gtt/triggers", json=SINGLE).json()["trigger_id"]

    deleted = client.delete(f"/api/gtt/triggers/{trigger_id}")

    assert deleted.status_code == 200, deleted.text
    assert [g["status"] for g in fake.state()["gtts"]] == ["deleted"]
    assert [g[2] for g in _gtts(runtime)] == ["deleted"]
    fake.price("NSE:INFY", 1490)  # nothing fires any more
    _sweep(runtime)
    assert fake.state()["orders"] == []
    assert ours(runtime) == []


def test_a_live_gtt_change_goes_to_kite(client: TestClient, runtime: Runtime, fake: Fake):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1480)
    trigger_id = client.post("/api/gtt/triggers", json=SINGLE).json()["trigger_id"]
    changed = SINGLE | {"condition": SINGLE["condition"] | {"trigger_values": ["1495"]}}

    answer = client.put(f"/api/gtt/triggers/{trigger_id}", json=changed)

    assert answer.status_code == 200, answer.text
    [at_kite] = fake.state()["gtts"]
    assert at_kite["condition"]["trigger_values"] == [1495.0]


def test_a_live_gtt_with_a_switch_off_is_403_and_nothing_reaches_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake, switch=False)

    refused = client.post("/api/gtt/triggers", json=SINGLE)

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("live trading is off for your account")
    assert fake.state()["gtts"] == []
    assert _gtts(runtime) == []


def test_a_live_gtt_without_a_kite_session_is_409_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, fake: Fake
):
    sign_in(client, runtime, "nokite@x.in")
    client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})

    answer = client.post("/api/gtt/triggers", json=SINGLE)

    assert answer.status_code == 409
    assert answer.json()["detail"].startswith("no live Kite session")
    assert fake.state()["gtts"] == []
    assert _gtts(runtime) == []


def test_the_kill_switch_refuses_a_live_gtt_before_it_reaches_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    assert client.post("/api/risk/kill-switch", json={"on": True}).status_code == 200

    refused = client.post("/api/gtt/triggers", json=SINGLE)

    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "Order rejected by risk rule: kill switch is on: new entries are blocked"
    )
    assert fake.state()["gtts"] == []
    assert _gtts(runtime) == []


def test_a_timeout_after_kite_took_the_gtt_leaves_one_trigger_there(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1480)
    fake.fault("timeout", method="POST", path_prefix="/gtt", delay_secs=1.5)

    created = client.post("/api/gtt/triggers", json=SINGLE)

    assert created.status_code == 201, created.text
    [at_kite] = fake.state()["gtts"]
    assert _gtts(runtime) == [("kite", str(at_kite["id"]), "active", None)]
    _sweep(runtime)
    assert len(fake.state()["gtts"]) == 1


def test_a_gtt_placement_with_no_known_outcome_is_found_later_and_never_placed_again(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1480)
    # Kite takes the trigger but every answer (and every lookup) times out.
    fake.fault("timeout", method="POST", path_prefix="/gtt", delay_secs=1.5)
    fake.fault("timeout", method="GET", path_prefix="/gtt", delay_secs=1.5, count=4)

    created = client.post("/api/gtt/triggers", json=SINGLE)

    assert created.status_code == 201, created.text
    assert _gtts(runtime) == [("kite", None, "placing", None)]
    [at_kite] = fake.state()["gtts"]
    with runtime.db.session() as db:
        assert runtime.live_gtts.resolve_unplaced(db) == 0  # still within the send's grace
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        assert runtime.live_gtts.resolve_unplaced(db) == 1
    assert _gtts(runtime) == [("kite", str(at_kite["id"]), "active", None)]
    assert len(fake.state()["gtts"]) == 1


def test_a_gtt_kite_never_received_is_marked_rejected_and_not_placed_again(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    fake.fault("503", method="POST", path_prefix="/gtt", count=4)  # refused before any work

    created = client.post("/api/gtt/triggers", json=SINGLE)

    assert created.status_code == 201, created.text
    clock.advance(timedelta(seconds=31))
    _sweep(runtime)
    trigger = client.get(f"/api/gtt/triggers/{created.json()['trigger_id']}").json()
    assert trigger["status"] == "rejected"
    assert fake.state()["gtts"] == []


def test_a_trigger_deleted_at_kite_is_marked_deleted_here(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1480)
    trigger_id = client.post("/api/gtt/triggers", json=SINGLE).json()["trigger_id"]
    [at_kite] = fake.state()["gtts"]
    fake.kite.book.delete_gtt(int(at_kite["id"]))  # deleted in Kite's own app

    _sweep(runtime)

    assert client.get(f"/api/gtt/triggers/{trigger_id}").json()["status"] == "deleted"
    again = client.delete(f"/api/gtt/triggers/{trigger_id}")
    assert again.status_code == 400
    assert again.json()["detail"] == f"GTT {trigger_id} is deleted and cannot be deleted"
