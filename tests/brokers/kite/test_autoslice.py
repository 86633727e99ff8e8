"""Kite's ``autoslice`` through the real SDK against the fake Kite: an F&O order above
NSE's freeze quantity is refused whole, placed in slices with ``autoslice=true`` (at most
10, answered ``{order_id, children}``), and found again by its tag after a lost answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.brokers.kite.conftest import Fake, Sleeps
from tests.brokers.kite.test_adapter import Order
from tradertape_brokers.kite import KiteBroker, kite_tag
from tradertape_brokers.kite.adapter import sliced_answer
from tradertape_brokers.port import OrderRejected, Slice, SlicedOrder, SlicesOrders

SYMBOL = "NIFTY26DECFUT"
LOT, FREEZE = 65, 1800  # NIFTY's lot and its shipped freeze quantity
PER = (FREEZE // LOT) * LOT  # a slice: 27 lots, 1,755


def future(quantity: int) -> Order:
    return Order(
        tradingsymbol=SYMBOL,
        exchange="NFO",
        product="NRML",
        quantity=quantity,
        price=Decimal("25000"),
    )


@pytest.fixture
def listed(fake: Fake) -> None:
    row = {
        "exchange": "NFO",
        "tradingsymbol": SYMBOL,
        "price": 25100,
        "lot_size": LOT,
        "instrument_type": "FUT",
        "name": "NIFTY",
    }
    fake.control("instruments", {"instruments": [row]})
    fake.control("funds", {"cash": 10_000_000_000})  # ten slices of NIFTY at ₹25,000


def test_kite_is_an_adapter_that_slices_into_ten(broker: KiteBroker):
    assert isinstance(broker, SlicesOrders)
    assert broker.slice_cap == 10


@pytest.mark.usefixtures("listed")
def test_above_the_freeze_quantity_an_unsliced_order_is_refused_as_the_exchange_would(
    broker: KiteBroker, fake: Fake
):
    with pytest.raises(OrderRejected, match="higher than the maximum quantity of 1800"):
        broker.place_order(future(PER + LOT), idempotency_key="whole-1")
    assert fake.state()["orders"] == []


@pytest.mark.usefixtures("listed")
def test_autoslice_places_children_of_whole_lots_within_the_freeze(broker: KiteBroker, fake: Fake):
    placed = broker.place_sliced(future(2 * PER + 3 * LOT), idempotency_key="big-1")

    rows = fake.state()["orders"]
    assert [r["quantity"] for r in rows] == [PER, PER, 3 * LOT]
    assert [c.order_id for c in placed.children] == [r["order_id"] for r in rows]
    assert placed.order_id == rows[0]["order_id"]
    tag = kite_tag("big-1")
    assert {r["tag"] for r in rows} == {tag}  # found again by the one tag
    assert rows[0]["tags"] == [tag, "autoslice"]
    assert rows[1]["tags"] == [tag, "autoslice", f"autoslice:{placed.order_id}"]
    assert broker.place_sliced(future(2 * PER + 3 * LOT), idempotency_key="big-1") == placed
    # Found again by tag: the same children, each with its size as the book holds it.
    found = broker.find_sliced("big-1")
    assert found is not None
    assert found.order_id == placed.order_id
    assert [(c.order_id, c.quantity) for c in found.children] == [
        (r["order_id"], r["quantity"]) for r in rows
    ]
    assert len(fake.state()["orders"]) == 3


@pytest.mark.usefixtures("listed")
def test_autoslice_past_ten_slices_or_within_the_freeze_is_refused(broker: KiteBroker, fake: Fake):
    with pytest.raises(OrderRejected, match="at most 10"):
        broker.place_sliced(future(10 * PER + LOT), idempotency_key="huge-1")
    with pytest.raises(OrderRejected, match="greater than 1800 for order slicing"):
        broker.place_sliced(future(PER), idempotency_key="small-1")
    assert fake.state()["orders"] == []
    placed = broker.place_sliced(future(10 * PER), idempotency_key="ten-1")
    assert len(placed.children) == 10


@pytest.mark.usefixtures("listed")
def test_a_lost_answer_finds_the_children_by_tag_and_places_nothing_twice(
    broker: KiteBroker, fake: Fake, sleeps: Sleeps
):
    fake.fault("timeout", method="POST", path_prefix="/orders", delay_secs=1.5)

    placed = broker.place_sliced(future(3 * PER), idempotency_key="slow-1")

    rows = fake.state()["orders"]
    assert [c.order_id for c in placed.children] == [r["order_id"] for r in rows]
    assert len(rows) == 3
    assert sleeps.waits == [0.2]


def test_a_refused_child_is_answered_with_its_error():
    data = {
        "order_id": "1",
        "children": [
            {"order_id": "1"},
            {"error": {"code": 400, "error_type": "MarginException", "message": "No margin"}},
        ],
    }
    assert sliced_answer(data) == SlicedOrder("1", (Slice("1"), Slice(None, "No margin")))
    assert sliced_answer({"order_id": "7"}) == SlicedOrder("7", (Slice("7"),))


@pytest.mark.usefixtures("listed")
def test_an_armed_child_is_refused_alone_and_the_arming_lasts_one_order(
    broker: KiteBroker, fake: Fake
):
    fake.control("autoslice", {"refuse": [{"child": 2, "message": "RMS:Margin Exceeds"}]})

    placed = broker.place_sliced(future(2 * PER + LOT), idempotency_key="armed-1")
    again = broker.place_sliced(future(2 * PER + LOT), idempotency_key="armed-2")

    rows = fake.state()["orders"]
    first = [c.order_id for c in placed.children]
    assert first == [rows[0]["order_id"], None, rows[1]["order_id"]]
    assert placed.children[1].error == "RMS:Margin Exceeds"
    assert [c.error for c in again.children] == [None, None, None]
    assert len(rows) == 5
