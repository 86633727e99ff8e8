"""Upstox's `find_order` and `find_gtts` against the fake Upstox: our orders are found by
their tag, our GTTs (the request has no tag) by what they say."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.test_upstox_adapter import Order, Sleeps, _broker
from tests.integration.test_upstox_adapter import fake as fake  # noqa: F401 - fixture
from tests.integration.test_upstox_adapter import fake_clock as fake_clock  # noqa: F401
from tests.integration.test_upstox_adapter import keys as keys  # noqa: F401 - fixture
from tests.upstox_kit import INFY, RELIANCE
from tradertape_brokers.port import GttSpec


def single(trigger: int = 2450, quantity: int = 2) -> GttSpec:
    leg = {"transaction_type": "BUY", "quantity": quantity, "product": "CNC", "price": trigger}
    return GttSpec("NSE", "RELIANCE", [trigger], 2500, [leg | {"order_type": "LIMIT"}])


def oco(stop: int = 1400, target: int = 1600) -> GttSpec:
    legs = [
        {"transaction_type": "SELL", "quantity": 5, "product": "CNC", "order_type": "LIMIT"}
        | {"price": p}
        for p in (stop, target)
    ]
    return GttSpec("NSE", "INFY", [stop, target], 1500, legs)


def test_an_order_is_found_by_its_key_and_an_unsent_key_finds_nothing(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    fresh = _broker(fake, keys, fake_clock, Sleeps())  # remembers nothing, as after a restart
    buy = Order("RELIANCE", "BUY", 1, price=Decimal("2400"))
    placed = broker.place_order(buy, idempotency_key="find-1")
    other = broker.place_order(buy, idempotency_key="x" * 60)  # sent as a digest

    assert fresh.find_order("find-1") == placed
    assert fresh.find_order("x" * 60) == other
    assert fresh.find_order("never-sent") is None


def test_two_orders_under_one_tag_find_the_first(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    fresh = _broker(fake, keys, fake_clock, Sleeps())
    buy = Order("RELIANCE", "BUY", 1, price=Decimal("2400"))
    first = broker.place_order(buy, idempotency_key="twice")
    second = fresh.place_order(buy, idempotency_key="twice")  # it remembers nothing

    assert first != second
    assert fresh.find_order("twice") == broker.find_order("twice") == first


def test_a_gtt_is_found_by_what_it_says_and_nothing_else_matches(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    fake.control("holdings", [{"instrument_key": INFY, "quantity": 5, "average_price": 1400}])
    single_id = broker.place_gtt(single())
    oco_id = broker.place_gtt(oco())

    assert broker.find_gtts(single()) == [single_id]
    assert broker.find_gtts(oco()) == [oco_id]
    assert broker.find_gtts(single(trigger=2451)) == []
    assert broker.find_gtts(single(quantity=3)) == []
    assert broker.find_gtts(oco(stop=1600, target=1400)) == []  # stop and target swapped


def test_equal_gtts_are_listed_newest_first_and_ended_ones_not_at_all(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    older = broker.place_gtt(single())
    newer = broker.place_gtt(single())
    assert broker.find_gtts(single()) == [newer, older]

    broker.delete_gtt(newer)
    assert broker.find_gtts(single()) == [older]

    fake.control("prices", {RELIANCE: 2449})  # fires the older one
    assert broker.gtt(older)["status"] == "triggered"
    assert broker.find_gtts(single()) == []
