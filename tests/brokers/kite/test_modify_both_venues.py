"""One modify sequence for paper and live (issue 68): the same change of a working order is
judged alike whichever venue holds it. A reduction only lowers risk and passes the kill
switch; an enlargement or a price change passes the gate as a new order would, and the kill
switch refuses it (400, the order keeps its terms, at the broker too, and the refusal is a
risk event). An accepted change is recorded the same: the new terms and one ``modified``
event listing them. The live account trades at the fake Kite through the server."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import BUY
from tests.workers_kit import set_price
from tradertape.db.models.trading import Order
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db

KILLED = "Order rejected by risk rule: kill switch is on: new entries are blocked"
# A buy of 10 INFY at ₹1,490 rests below the last price (₹1,500) at either venue.
CHANGES: dict[str, dict[str, Any]] = {
    "reduce": {"quantity": 4},
    "enlarge": {"quantity": 12},
    "price": {"price": "1480"},  # further from the market, yet a new price: gated
}
AFTER = {  # (quantity, price) once the change is taken
    "reduce": (4, Decimal("1490")),
    "enlarge": (12, Decimal("1490")),
    "price": (10, Decimal("1480")),
}
LISTED = {  # what the ``modified`` event lists, old and new
    "reduce": [{"field": "quantity", "old": 10, "new": 4}],
    "enlarge": [{"field": "quantity", "old": 10, "new": 12}],
    "price": [{"field": "price", "old": 1490.0, "new": 1480.0}],
}


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _resting(client: TestClient, runtime: Runtime, fake: Fake, venue: str) -> str:
    """A working buy of 10 INFY at ₹1,490 at `venue`: its order id."""
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    set_price(runtime, "NSE:INFY", "1500")
    assert client.post("/api/portfolio/funds", json={"amount": 1_000_000}).status_code == 201
    body = BUY if venue == "live" else {k: v for k, v in BUY.items() if k != "mode"}
    placed = client.post("/api/orders", json=body)
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "OPEN"
    return str(placed.json()["order_id"])


def _terms(runtime: Runtime, order_id: str) -> tuple[str, int, Decimal | None]:
    with runtime.db.session() as db:
        order = db.scalars(select(Order).where(Order.order_id == order_id)).one()
        return order.broker, order.quantity, order.price


def _modified(client: TestClient, order_id: str) -> list[Any]:
    history = client.get(f"/api/orders/{order_id}/history").json()
    return [e["changes"] for e in history if e["event"] == "modified"]


@pytest.mark.parametrize("venue", ["paper", "live"])
@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("kill_switch", [False, True], ids=["switch_off", "switch_on"])
def test_a_change_is_judged_and_recorded_alike_at_both_venues(
    client: TestClient,
    runtime: Runtime,
    fake: Fake,
    venue: str,
    change: str,
    kill_switch: bool,
):
    order_id = _resting(client, runtime, fake, venue)
    broker = "kite" if venue == "live" else "paper"
    if kill_switch:
        assert client.post("/api/risk/kill-switch", json={"on": True}).json()["on"] is True

    answer = client.put(f"/api/orders/{order_id}", json=CHANGES[change])

    refused = kill_switch and change != "reduce"  # only a reduction passes the switch
    events = client.get("/api/risk/events").json()
    [at_kite] = fake.state()["orders"] or [None]
    if refused:
        assert answer.status_code == 400, answer.text
        assert answer.json()["detail"] == KILLED
        assert _terms(runtime, order_id) == (broker, 10, Decimal("1490"))
        assert _modified(client, order_id) == []
        assert [(e["rule_type"], e["action"], e["order_id"]) for e in events] == [
            ("kill_switch", "block", order_id)
        ]
    else:
        assert answer.status_code == 200, answer.text
        assert (answer.json()["quantity"], answer.json()["status"]) == (AFTER[change][0], "OPEN")
        assert _terms(runtime, order_id) == (broker, *AFTER[change])
        assert _modified(client, order_id) == [LISTED[change]]
        assert events == []
    if venue == "live":  # the broker holds what we hold
        quantity, price = AFTER[change] if not refused else (10, Decimal("1490"))
        assert at_kite is not None
        assert (at_kite["quantity"], Decimal(str(at_kite["price"]))) == (quantity, price)
    else:
        assert at_kite is None  # a paper order never reaches the broker
