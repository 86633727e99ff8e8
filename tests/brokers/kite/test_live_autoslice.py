"""A live order above the freeze quantity at the fake Kite (issue 54): one request with
``autoslice=true``, Kite's children recorded as our children (one ``slice_parent``), each
filled and booked on its own; refused with a 422 naming ``quantity`` without autoslice or
past Kite's 10 slices, before anything is sent. A child Kite refuses is stored refused with
its message while the others stand, and children Kite slices beyond ours (its freeze
quantity smaller than ours) become rows of ours whose fills are booked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import booked, ours
from tradertape.db.models.trading import Order
from tradertape.oms.order_log import UNPLACED
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape.testkit import make_tick
from tradertape_brokers.kite import kite_tag

pytestmark = pytest.mark.db
FREEZE = 1800  # NIFTY's shipped freeze quantity


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _call(runtime: Runtime, fake: Fake) -> tuple[str, int]:
    """NIFTY's 25000 call, priced here and listed at the fake (lot, name) at ₹163.20."""
    runtime.quotes.update(make_tick("NSE:NIFTY 50", "25010", ts=runtime.clock.now()))
    with runtime.db.session() as db:
        call = next(
            i
            for i in runtime.exchange.catalog(db)
            if i.name == "NIFTY" and i.option_type is not None and i.strike == 25000
        )
    runtime.quotes.update(make_tick(call.key, "163.20", ts=runtime.clock.now()))
    row = {
        "exchange": "NFO",
        "tradingsymbol": call.tradingsymbol,
        "price": 163.20,
        "lot_size": call.lot_size,
        "instrument_type": "CE",
        "name": "NIFTY",
    }
    fake.control("instruments", {"instruments": [row]})
    fake.control("funds", {"cash": 100_000_000})
    return call.tradingsymbol, call.lot_size


def _buy(symbol: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "exchange": "NFO",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": quantity,
        "product": "NRML",
        "order_type": "LIMIT",
        "price": "150",
        "mode": "live",
        **extra,
    }


def test_kite_slices_a_live_order_and_its_children_are_ours(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    per = (FREEZE // lot) * lot
    quantity = 2 * per + 3 * lot

    placed = client.post(
        "/api/orders",
        json=_buy(symbol, quantity, autoslice=True) | {"idempotency_key": "sliced-big-1"},
    )

    assert placed.status_code == 201, placed.text
    children = placed.json()["children"]
    rows = ours(runtime)
    assert [r.order_id for r in rows] == children
    assert placed.json()["order_id"] == children[0]
    assert [r.quantity for r in rows] == [per, per, 3 * lot]
    assert len({r.slice_parent for r in rows}) == 1
    assert rows[0].slice_parent is not None
    at_kite = fake.state()["orders"]
    assert [r.broker_order_id for r in rows] == [o["order_id"] for o in at_kite]
    # One request, sliced by Kite: every child carries the first child's tag and Kite's
    # autoslice tags naming the parent.
    assert {o["tag"] for o in at_kite} == {kite_tag(rows[0].order_id)}
    assert at_kite[2]["tags"][-1] == f"autoslice:{at_kite[0]['order_id']}"
    assert all(r.status == "OPEN" for r in rows)

    replay = client.post(
        "/api/orders",
        json=_buy(symbol, quantity, autoslice=True) | {"idempotency_key": "sliced-big-1"},
    )
    assert (replay.status_code, replay.json()["children"]) == (200, children)
    assert len(fake.state()["orders"]) == 3

    fake.price(f"NFO:{symbol}", 149)  # every child's limit is crossed
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 3
    # The broker's book (the default view) names each child's parent, as the paper book
    # does: the orders page shows them as one order.
    book = {o["order_id"]: o for o in client.get("/api/portfolio/orders").json()}
    ids = [r.broker_order_id for r in rows]
    assert [book[i]["filled_quantity"] for i in ids] == [per, per, 3 * lot]
    assert {book[i]["meta"]["slice_parent"] for i in ids} == {rows[0].slice_parent}


def test_above_the_freeze_without_autoslice_or_past_ten_slices_is_a_422_sending_nothing(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    per = (FREEZE // lot) * lot

    whole = client.post("/api/orders", json=_buy(symbol, per + lot))
    past = client.post("/api/orders", json=_buy(symbol, 10 * per + lot, autoslice=True))

    for refused in (whole, past):
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["field"] == "quantity", refused.text
    assert "at most 10" in past.text
    assert fake.state()["orders"] == []
    assert ours(runtime) == []


def test_children_whose_answer_was_lost_are_found_by_the_first_childs_tag_never_resent(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    per = (FREEZE // lot) * lot
    client.post("/api/orders", json=_buy(symbol, 2 * per + lot, autoslice=True))
    at_kite = [o["order_id"] for o in fake.state()["orders"]]
    with runtime.db.session() as db:
        # A crash after Kite sliced and accepted, before its answer was stored.
        for row in db.scalars(select(Order)):
            row.status, row.broker_order_id = UNPLACED, None
        db.commit()
    clock.advance(timedelta(seconds=31))

    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 3

    rows = ours(runtime)
    assert [(r.status, r.broker_order_id) for r in rows] == [("OPEN", i) for i in at_kite]
    assert len(fake.state()["orders"]) == 3  # nothing sent again


def test_a_child_kite_refuses_is_stored_refused_and_the_others_stand_never_resent(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    per = (FREEZE // lot) * lot
    quantity = 2 * per + 3 * lot
    refusal = "RMS:Margin Exceeds, Required:1,20,000, Available:80,000"
    fake.control("autoslice", {"refuse": [{"child": 2, "message": refusal}]})
    order = _buy(symbol, quantity, autoslice=True) | {"idempotency_key": "sliced-refused-1"}

    placed = client.post("/api/orders", json=order)

    assert placed.status_code == 201, placed.text
    rows = ours(runtime)
    assert placed.json()["children"] == [r.order_id for r in rows]
    assert [r.status for r in rows] == ["OPEN", "REJECTED", "OPEN"]
    assert rows[1].broker_order_id is None
    assert rows[1].status_message == refusal
    at_kite = [o["order_id"] for o in fake.state()["orders"]]
    assert [rows[0].broker_order_id, rows[2].broker_order_id] == at_kite
    detail = client.get(f"/api/orders/{rows[1].order_id}").json()
    assert (detail["status"], detail["status_message"]) == ("REJECTED", refusal)

    # A retry of the key answers the same children; a restart's sweep finds nothing
    # unacknowledged: the refused child is never sent again.
    replay = client.post("/api/orders", json=order)
    assert (replay.status_code, replay.json()["children"]) == (200, placed.json()["children"])
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        assert runtime.live.resolve_unsent(db) == 0
    assert len(fake.state()["orders"]) == 2

    fake.price(f"NFO:{symbol}", 149)  # both placed children's limits are crossed
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 2
    rows = ours(runtime)
    assert [(r.status, r.filled_quantity) for r in rows] == [
        ("COMPLETE", per),
        ("REJECTED", 0),
        ("COMPLETE", 3 * lot),
    ]
    # The broker's book shows the placed children as one order (one parent key) holding
    # what was filled; the refused child never reached it.
    book = {o["order_id"]: o for o in client.get("/api/portfolio/orders").json()}
    assert set(book) == set(at_kite)
    assert {o["meta"]["slice_parent"] for o in book.values()} == {rows[0].slice_parent}
    assert sum(o["filled_quantity"] for o in book.values()) == per + 3 * lot


def test_children_kite_slices_beyond_ours_are_recorded_and_their_fills_booked(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    per = (FREEZE // lot) * lot
    quantity = 2 * per + 3 * lot  # ours: 27, 27 and 3 lots
    # Kite's freeze quantity is smaller than ours: 15, 15, 15 and 12 lots.
    fake.control("autoslice", {"slice_at": 15 * lot})
    order = _buy(symbol, quantity, autoslice=True) | {"idempotency_key": "sliced-finer-1"}

    placed = client.post("/api/orders", json=order)

    assert placed.status_code == 201, placed.text
    rows = ours(runtime)
    at_kite = fake.state()["orders"]
    assert [r.broker_order_id for r in rows] == [o["order_id"] for o in at_kite]
    assert [r.quantity for r in rows] == [o["quantity"] for o in at_kite]
    assert [r.quantity for r in rows] == [15 * lot, 15 * lot, 15 * lot, 12 * lot]
    assert {r.slice_parent for r in rows} == {rows[0].slice_parent}
    assert all(r.status == "OPEN" for r in rows)
    replay = client.post("/api/orders", json=order)
    assert replay.json()["children"] == [r.order_id for r in rows]
    assert len(fake.state()["orders"]) == 4  # nothing sent again

    fake.price(f"NFO:{symbol}", 149)
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 4
    rows = ours(runtime)
    assert [r.status for r in rows] == ["COMPLETE"] * 4
    assert sum(r.filled_quantity for r in rows) == quantity
    trades, _ = booked(runtime)
    assert sum(t[3] for t in trades) == quantity  # every child's fill booked, once


def test_an_extra_child_kite_refuses_leaves_the_next_extra_its_own_id(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    quantity = 2 * (FREEZE // lot) * lot + 3 * lot  # 57 lots: three children of ours
    # Kite slices at 12 lots (12, 12, 12, 12, 9) and refuses the fourth, beyond ours.
    refuse = [{"child": 4, "message": "RMS:Margin Exceeds"}]
    fake.control("autoslice", {"slice_at": 12 * lot, "refuse": refuse})

    placed = client.post("/api/orders", json=_buy(symbol, quantity, autoslice=True))

    assert placed.status_code == 201, placed.text
    rows = ours(runtime)
    at_kite = fake.state()["orders"]
    assert [(r.broker_order_id, r.quantity) for r in rows] == [
        (o["order_id"], o["quantity"]) for o in at_kite
    ]
    assert [r.quantity for r in rows] == [12 * lot, 12 * lot, 12 * lot, 9 * lot]
    assert all(r.status == "OPEN" for r in rows)


def test_fewer_children_than_ours_take_kites_sizes_and_the_rest_is_refused(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    quantity = 2 * (FREEZE // lot) * lot + 3 * lot  # 57 lots: ours 27, 27 and 3
    fake.control("autoslice", {"slice_at": 30 * lot})  # Kite's freeze is larger: 30 and 27

    placed = client.post("/api/orders", json=_buy(symbol, quantity, autoslice=True))

    assert placed.status_code == 201, placed.text
    rows = ours(runtime)
    at_kite = [o["order_id"] for o in fake.state()["orders"]]
    assert [(r.broker_order_id, r.quantity, r.status) for r in rows[:2]] == [
        (at_kite[0], 30 * lot, "OPEN"),
        (at_kite[1], 27 * lot, "OPEN"),
    ]
    assert (rows[2].broker_order_id, rows[2].status) == (None, "REJECTED")
    fake.price(f"NFO:{symbol}", 149)
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 2
    trades, _ = booked(runtime)
    assert sum(t[3] for t in trades) == quantity  # the whole order, as Kite filled it
