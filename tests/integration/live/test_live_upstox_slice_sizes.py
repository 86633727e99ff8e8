"""A live order Upstox slices otherwise than our figures (issue 54), its freeze quantity
not ours (the fake's ``/_control/slice``): answered with as many children as ours in other
sizes (20, 20, 17 lots against our 27, 27, 3), every row takes Upstox's size from its
order book (the answer names only ids), fills are booked once, and "Cancel all" cancels
what each child has; an answer lost altogether is found by the first child's tag and
matched the same way (sizes from the book, rows for Upstox's extra children), never
sent again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.live.conftest import upstox_venue
from tests.integration.live.test_live_orders_upstox_groww import connect
from tests.integration.live.test_live_upstox_slice import KEY, LOT, _buy, _listed, upstox
from tests.live_kit import booked, ours
from tests.upstox_kit import FakeUpstox
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db
__all__ = ["upstox"]  # the fake, a fixture shared with the plain slicing tests
QUANTITY = 57 * LOT  # ours: 27, 27 and 3 lots (NIFTY's shipped freeze quantity, 1,800)


def _at_upstox(upstox: FakeUpstox) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = upstox.state()["orders"]  # type: ignore[assignment]
    return rows


def _ready(client: TestClient, runtime: Runtime, upstox: FakeUpstox, lots: int) -> None:
    """Signed in and connected, the future listed, Upstox slicing the next order at `lots`."""
    connect(client, runtime, upstox_venue(upstox))
    _listed(runtime)
    upstox.control("slice", {"slice_at": lots * LOT})


def test_as_many_children_as_ours_in_other_sizes_take_upstoxs_sizes_and_fill_once(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    _ready(client, runtime, upstox, 20)

    placed = client.post("/api/orders", json=_buy(QUANTITY, autoslice=True))

    assert placed.status_code == 201, placed.text
    rows = ours(runtime)
    at_upstox = _at_upstox(upstox)
    assert [o["quantity"] for o in at_upstox] == [20 * LOT, 20 * LOT, 17 * LOT]
    assert [(r.broker_order_id, r.quantity, r.status) for r in rows] == [
        (o["order_id"], o["quantity"], "OPEN") for o in at_upstox
    ]
    assert sum(r.quantity for r in rows) == QUANTITY  # the order is its children's sum

    upstox.control("prices", {KEY: 24990})  # every child's limit is crossed
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 3
        assert runtime.live.poll(db) == 0  # nothing open any more
    rows = ours(runtime)
    assert [(r.status, r.filled_quantity) for r in rows] == [
        ("COMPLETE", 20 * LOT),
        ("COMPLETE", 20 * LOT),
        ("COMPLETE", 17 * LOT),
    ]
    trades, _ = booked(runtime, "upstox")
    assert sorted(t[3] for t in trades) == sorted([20 * LOT, 20 * LOT, 17 * LOT])
    assert len(_at_upstox(upstox)) == 3  # one request, never sent again


def test_cancel_all_cancels_each_of_upstoxs_children_at_its_own_size(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    _ready(client, runtime, upstox, 20)
    placed = client.post("/api/orders", json=_buy(QUANTITY, autoslice=True))
    assert placed.status_code == 201, placed.text

    answer = client.post(f"/api/orders/{ours(runtime)[1].order_id}/slices/cancel")

    assert answer.status_code == 200, answer.text
    children = answer.json()["children"]
    sizes = [20 * LOT, 20 * LOT, 17 * LOT]
    assert [(c["status"], c["quantity"], c["cancelled_quantity"]) for c in children] == [
        ("CANCELLED", n, n) for n in sizes
    ]
    assert [str(o["status"]).upper() for o in _at_upstox(upstox)] == ["CANCELLED"] * 3
    assert [(r.status, r.quantity) for r in ours(runtime)] == [("CANCELLED", n) for n in sizes]
    assert len(_at_upstox(upstox)) == 3  # nothing placed again


def _lost(client: TestClient, runtime: Runtime, upstox: FakeUpstox, lots: int) -> None:
    """57 lots Upstox slices at `lots` and places, its answer late and the adapter's
    look-up by tag refused: our three children stay unplaced."""
    _ready(client, runtime, upstox, lots)
    late = {"kind": "timeout", "delay_secs": 1.5, "path": "/v3/order/place"}
    upstox.control("faults", late)
    # The adapter's look-up tries the book three times (`attempts`): each a 503.
    upstox.control("faults", {"kind": "503", "path": "/v2/order/retrieve-all", "count": 3})

    placed = client.post("/api/orders", json=_buy(QUANTITY, autoslice=True))

    assert placed.status_code == 201, placed.text
    assert [r.broker_order_id for r in ours(runtime)] == [None] * 3


def _recover(runtime: Runtime, clock: ManualClock) -> int:
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        return runtime.live.resolve_unsent(db)


def test_finer_slicing_found_after_a_lost_answer_gives_each_child_a_row(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox, clock: ManualClock
):
    _lost(client, runtime, upstox, 15)  # Upstox: 15, 15, 15 and 12 lots
    at_upstox = _at_upstox(upstox)
    assert len(at_upstox) == 4

    assert _recover(runtime, clock) == 3  # our three rows; the fourth is Upstox's

    rows = ours(runtime)
    assert [(r.broker_order_id, r.quantity, r.status) for r in rows] == [
        (o["order_id"], o["quantity"], "OPEN") for o in at_upstox
    ]
    assert [r.quantity for r in rows] == [15 * LOT, 15 * LOT, 15 * LOT, 12 * LOT]
    assert {r.slice_parent for r in rows} == {rows[0].slice_parent}
    assert _recover(runtime, clock) == 0  # settled once
    assert len(_at_upstox(upstox)) == 4  # nothing sent again

    upstox.control("prices", {KEY: 24990})
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 4
    trades, _ = booked(runtime, "upstox")
    assert sum(t[3] for t in trades) == QUANTITY  # every child's fill booked, once


def test_as_many_children_found_after_a_lost_answer_take_upstoxs_sizes(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox, clock: ManualClock
):
    _lost(client, runtime, upstox, 20)  # Upstox: 20, 20 and 17 lots

    assert _recover(runtime, clock) == 3

    at_upstox = _at_upstox(upstox)
    assert [(r.broker_order_id, r.quantity, r.status) for r in ours(runtime)] == [
        (o["order_id"], o["quantity"], "OPEN") for o in at_upstox
    ]
    assert [o["quantity"] for o in at_upstox] == [20 * LOT, 20 * LOT, 17 * LOT]
    assert len(at_upstox) == 3  # nothing sent again
