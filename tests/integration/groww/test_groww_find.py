"""Groww's `find_order` and `find_gtts` against the fake Groww: our orders are found by
their ``order_reference_id``, our smart orders (sent with a random reference) by what they
say."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.groww.conftest import FakeServer
from tests.integration.groww.test_groww_adapter import Order, connect, oco, single_gtt


def test_an_order_is_found_by_its_key_and_an_unsent_key_finds_nothing(groww: FakeServer):
    broker = connect(groww)
    fresh = connect(groww)  # remembers nothing, as after a restart
    placed = broker.place_order(Order(), idempotency_key="find-0001")
    other = broker.place_order(Order(), idempotency_key="9f1c2e4a-6b7d-4e8f-a0b1-c2d3e4f5a6b7")

    assert fresh.find_order("find-0001") == placed
    assert fresh.find_order("9f1c2e4a-6b7d-4e8f-a0b1-c2d3e4f5a6b7") == other  # a hashed one
    assert fresh.find_order("never-sent") is None


def test_an_fno_order_is_found_in_its_segment(groww: FakeServer):
    broker = connect(groww)
    groww.control("prices", {"NFO:NIFTY26NOV24000CE": 120})
    future = Order(exchange="NFO", tradingsymbol="NIFTY26NOV24000CE", product="NRML")
    placed = broker.place_order(future, idempotency_key="fno-00001")

    assert groww.fake.book.orders[placed]["segment"] == "FNO"
    assert connect(groww).find_order("fno-00001") == placed


def test_one_key_sent_twice_is_one_order_and_found_as_such(groww: FakeServer):
    first = connect(groww).place_order(Order(), idempotency_key="twice-001")
    again = connect(groww).place_order(Order(), idempotency_key="twice-001")  # GA007

    assert first == again
    assert len(groww.fake.book.orders) == 1
    assert connect(groww).find_order("twice-001") == first


def test_a_gtt_is_found_by_what_it_says_and_nothing_else_matches(groww: FakeServer):
    groww.control("holdings", {"symbol": "INFY", "quantity": 10, "average_price": 1400})
    broker = connect(groww)
    single_id = broker.place_gtt(single_gtt("1450", "1452"))
    oco_id = broker.place_gtt(oco("1470", "1560"))

    assert broker.find_gtts(single_gtt("1450", "1452")) == [single_id]
    assert broker.find_gtts(oco("1470", "1560")) == [oco_id]
    assert broker.find_gtts(single_gtt("1450", "1453")) == []
    assert broker.find_gtts(single_gtt("1450", "1452", side="SELL")) == []
    assert broker.find_gtts(oco("1470", "1561")) == []


def test_equal_gtts_are_listed_newest_first_and_ended_ones_not_at_all(groww: FakeServer):
    broker = connect(groww)
    older = broker.place_gtt(single_gtt("1450", "1452"))
    groww.clock.advance(timedelta(seconds=1))
    newer = broker.place_gtt(single_gtt("1450", "1452"))
    assert broker.find_gtts(single_gtt("1450", "1452")) == [newer, older]

    broker.delete_gtt(newer)
    assert broker.find_gtts(single_gtt("1450", "1452")) == [older]

    groww.control("prices", {"INFY": 1449})  # fires the older one
    assert broker.gtt(older)["status"] == "triggered"
    assert broker.find_gtts(single_gtt("1450", "1452")) == []
