"""A sliced live order whose answer is lost while Kite slices it otherwise than our figures
(issue 54): the recovery reads Kite's order book by the first child's tag and matches the
children exactly, as the send's own answer would have been: each of ours takes Kite's
child and its size, Kite's children beyond ours get rows whose fills are booked, ours
beyond Kite's are refused, and nothing is sent again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_autoslice import _buy, _call
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import booked, ours
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db
FREEZE = 1800  # NIFTY's shipped freeze quantity: ours slice 57 lots as 27, 27 and 3


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _lost(client: TestClient, runtime: Runtime, fake: Fake, slice_at_lots: int) -> int:
    """A 57-lot order Kite slices at `slice_at_lots` and places, every answer to it (and
    every lookup) lost: our three children stay unplaced. Returns the lot."""
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    fake.control("autoslice", {"slice_at": slice_at_lots * lot})
    fake.fault("timeout", method="POST", path_prefix="/orders", delay_secs=1.5)
    fake.fault("timeout", method="GET", path_prefix="/orders", delay_secs=1.5, count=4)

    placed = client.post("/api/orders", json=_buy(symbol, 57 * lot, autoslice=True))

    assert placed.status_code == 201, placed.text
    assert [r.broker_order_id for r in ours(runtime)] == [None] * 3
    assert fake.http.delete(f"{fake.url}/_fake/faults").status_code == 200
    return lot


def _recover(runtime: Runtime, clock: ManualClock) -> int:
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:
        return runtime.live.resolve_unsent(db)


def test_finer_slicing_found_after_a_lost_answer_gives_each_child_a_row(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    lot = _lost(client, runtime, fake, 15)  # Kite: 15, 15, 15 and 12 lots
    at_kite = fake.state()["orders"]
    assert len(at_kite) == 4

    assert _recover(runtime, clock) == 3  # our three rows; the fourth is Kite's

    rows = ours(runtime)
    assert [(r.broker_order_id, r.quantity, r.status) for r in rows] == [
        (o["order_id"], o["quantity"], "OPEN") for o in at_kite
    ]
    assert [r.quantity for r in rows] == [15 * lot, 15 * lot, 15 * lot, 12 * lot]
    assert {r.slice_parent for r in rows} == {rows[0].slice_parent}
    assert _recover(runtime, clock) == 0  # settled once
    assert len(fake.state()["orders"]) == 4  # nothing sent again

    fake.price(f"NFO:{rows[0].tradingsymbol}", 149)  # every child's limit is crossed
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 4
    trades, _ = booked(runtime)
    assert sum(t[3] for t in trades) == 57 * lot  # every child's fill booked, once


def test_coarser_slicing_found_after_a_lost_answer_refuses_the_unused_row(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    lot = _lost(client, runtime, fake, 30)  # Kite: 30 and 27 lots
    at_kite = fake.state()["orders"]
    assert len(at_kite) == 2

    assert _recover(runtime, clock) == 3

    rows = ours(runtime)
    assert [(r.broker_order_id, r.quantity, r.status) for r in rows[:2]] == [
        (at_kite[0]["order_id"], 30 * lot, "OPEN"),
        (at_kite[1]["order_id"], 27 * lot, "OPEN"),
    ]
    assert (rows[2].broker_order_id, rows[2].status) == (None, "REJECTED")
    assert rows[2].status_message == "The broker placed 2 slices; this one was not placed."
    assert len(fake.state()["orders"]) == 2  # nothing sent again

    fake.price(f"NFO:{rows[0].tradingsymbol}", 149)
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 2
    trades, _ = booked(runtime)
    assert sum(t[3] for t in trades) == 57 * lot  # the whole order, as Kite filled it
