"""A live order Kite slices into as many children as ours but of other sizes (issue 54):
its freeze quantity is not our figure, so 57 lots go as 20, 20 and 17 lots against our
27, 27 and 3. The answer names only ids, so the send reads Kite's book once and every
row takes its child's size: fills are booked once against the right rows, the order's
quantity is the children's sum, and "Cancel all" cancels what each child truly has
left; nothing is sent twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_autoslice import _buy, _call
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import booked, ours
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db
LOTS = (20, 20, 17)  # Kite's children, sliced at 20 lots; ours would be 27, 27 and 3


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _placed(client: TestClient, runtime: Runtime, fake: Fake) -> tuple[str, int]:
    """57 lots placed with autoslice, Kite slicing at 20 lots. Returns (symbol, lot)."""
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    fake.control("autoslice", {"slice_at": 20 * lot})
    placed = client.post("/api/orders", json=_buy(symbol, 57 * lot, autoslice=True))
    assert placed.status_code == 201, placed.text
    assert placed.json()["children"] == [r.order_id for r in ours(runtime)]
    return symbol, lot


def _parents(client: TestClient) -> dict[str, list[dict[str, Any]]]:
    """The broker's book (the orders page's live view), children by their parent key."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for order in client.get("/api/portfolio/orders").json():
        grouped.setdefault(order["meta"]["slice_parent"], []).append(order)
    return grouped


def test_as_many_children_as_ours_in_other_sizes_take_kites_sizes_and_fill_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    symbol, lot = _placed(client, runtime, fake)

    rows = ours(runtime)
    at_kite = fake.state()["orders"]
    assert [o["quantity"] for o in at_kite] == [n * lot for n in LOTS]
    assert [(r.broker_order_id, r.quantity, r.status) for r in rows] == [
        (o["order_id"], o["quantity"], "OPEN") for o in at_kite
    ]
    assert sum(r.quantity for r in rows) == 57 * lot  # the order is its children's sum
    assert len(fake.state()["orders"]) == 3  # one request, never sent again

    fake.price(f"NFO:{symbol}", 149)  # every child's limit is crossed
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 3
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 0  # booked once
    rows = ours(runtime)
    assert [(r.status, r.filled_quantity) for r in rows] == [("COMPLETE", n * lot) for n in LOTS]
    trades, _ = booked(runtime)
    assert sorted(t[3] for t in trades) == sorted(n * lot for n in LOTS)
    (children,) = _parents(client).values()
    assert sum(o["quantity"] for o in children) == 57 * lot
    assert sum(o["filled_quantity"] for o in children) == 57 * lot


def test_cancel_all_cancels_what_each_of_kites_children_has_left(
    client: TestClient, runtime: Runtime, fake: Fake
):
    _, lot = _placed(client, runtime, fake)
    at_kite = [o["order_id"] for o in fake.state()["orders"]]
    fake.control("fill", {"order_id": at_kite[2], "quantity": 5 * lot, "price": 150})
    with runtime.db.session() as db:
        runtime.live.poll(db)
    assert [r.filled_quantity for r in ours(runtime)] == [0, 0, 5 * lot]

    answer = client.post(f"/api/orders/{ours(runtime)[0].order_id}/slices/cancel")

    assert answer.status_code == 200, answer.text
    children = answer.json()["children"]
    assert [(c["status"], c["quantity"]) for c in children] == [
        ("CANCELLED", n * lot) for n in LOTS
    ]
    assert [c["filled_quantity"] for c in children] == [0, 0, 5 * lot]
    assert [c["cancelled_quantity"] for c in children] == [20 * lot, 20 * lot, 12 * lot]
    at_kite_now = fake.state()["orders"]
    assert [o["status"] for o in at_kite_now] == ["CANCELLED"] * 3
    assert [o["filled_quantity"] for o in at_kite_now] == [0, 0, 5 * lot]
    rows = ours(runtime)
    assert [(r.quantity, r.filled_quantity) for r in rows] == [
        (20 * lot, 0),
        (20 * lot, 0),
        (17 * lot, 5 * lot),
    ]
    trades, _ = booked(runtime)
    assert [t[3] for t in trades] == [5 * lot]  # the one fill, booked once
    assert len(at_kite_now) == 3  # nothing placed again
