"""Upstox's v3 ``slice`` through the real SDK against the fake Upstox: an F&O order above
NSE's freeze quantity is refused whole, placed in slices with ``slice`` (at most 25, every
child's id in ``order_ids``), and found again by its tag after a lost answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tests.fno import NIFTY_FUT
from tests.integration.test_upstox_adapter import START, Order, Sleeps, _broker
from tests.upstox_kit import FakeUpstox, running_fake
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.instruments_data import reference_catalog
from tradertape.ports.clock import ManualClock
from tradertape_brokers.port import OrderRejected, SlicesOrders
from tradertape_brokers.upstox import InstrumentKeys
from tradertape_brokers.upstox.adapter import order_tag

FUT = replace(NIFTY_FUT, exchange_token=52168)
KEY = "NSE_FO|52168"
LOT, FREEZE = 65, 1800  # NIFTY's lot and its shipped freeze quantity
PER = (FREEZE // LOT) * LOT  # a slice: 27 lots, 1,755


def future(quantity: int) -> Order:
    return Order(
        tradingsymbol=FUT.tradingsymbol,
        transaction_type="BUY",
        quantity=quantity,
        price=Decimal("25000"),
        exchange="NFO",
        product="NRML",
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeUpstox]:
    catalog = InstrumentCatalog([*reference_catalog(), FUT], {})
    with running_fake(clock.now, catalog) as running:
        running.control("prices", {KEY: 25100})
        running.control("funds", {"cash": "100000000000"})
        yield running


@pytest.fixture
def broker(fake: FakeUpstox, clock: ManualClock):
    return _broker(fake, InstrumentKeys({FUT.key: KEY}), clock, Sleeps(), timeout=0.5)


def _rows(fake: FakeUpstox) -> list[dict[str, Any]]:
    return fake.state()["orders"]  # type: ignore[return-value]


def test_upstox_slices_into_twenty_five(broker):
    assert isinstance(broker, SlicesOrders)
    assert broker.slice_cap == 25


def test_above_the_freeze_quantity_an_unsliced_order_is_refused(broker, fake):
    with pytest.raises(OrderRejected, match="freeze quantity 1800"):
        broker.place_order(future(PER + LOT), idempotency_key="whole-1")
    assert _rows(fake) == []


def test_slice_places_children_each_within_the_freeze_answering_every_id(broker, fake):
    placed = broker.place_sliced(future(2 * PER + 3 * LOT), idempotency_key="big-1")

    rows = _rows(fake)
    assert [r["quantity"] for r in rows] == [PER, PER, 3 * LOT]
    assert [c.order_id for c in placed.children] == [r["order_id"] for r in rows]
    assert placed.order_id == rows[0]["order_id"]
    assert {r["tag"] for r in rows} == {order_tag("big-1")}
    assert broker.place_sliced(future(2 * PER + 3 * LOT), idempotency_key="big-1") == placed
    # Found again by tag: the same children, each with its size as the book holds it.
    found = broker.find_sliced("big-1")
    assert found is not None
    assert found.order_id == placed.order_id
    assert [(c.order_id, c.quantity) for c in found.children] == [
        (r["order_id"], r["quantity"]) for r in rows
    ]
    assert len(_rows(fake)) == 3


def test_past_twenty_five_slices_is_refused_and_nothing_placed(broker, fake):
    with pytest.raises(OrderRejected, match="at most 25"):
        broker.place_sliced(future(25 * PER + LOT), idempotency_key="huge-1")
    assert _rows(fake) == []
    assert len(broker.place_sliced(future(25 * PER), idempotency_key="max-1").children) == 25


def test_a_lost_answer_finds_every_child_by_tag(broker, fake):
    fake.control("faults", {"kind": "timeout", "path": "/v3/order/place", "delay_secs": 1.5})

    placed = broker.place_sliced(future(3 * PER), idempotency_key="slow-1")

    rows = _rows(fake)
    assert len(rows) == 3
    assert [c.order_id for c in placed.children] == [r["order_id"] for r in rows]
