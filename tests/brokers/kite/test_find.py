"""Kite's `find_order` and `find_gtts` against the fake Kite: our orders are found by the
tag their key became, our GTTs (which carry no tag) by what they say."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.brokers.kite.conftest import Fake, Sleeps
from tests.brokers.kite.test_adapter import Order
from tradertape.fakebrokers.kite import DEFAULT_API_KEY
from tradertape_brokers.kite import KITE_LIMITS, Backoff, KiteBroker, RateLimiter
from tradertape_brokers.port import GttSpec


@pytest.fixture
def fresh(fake: Fake, sleeps: Sleeps) -> KiteBroker:
    """A second adapter on its own session: it remembers nothing the first one placed, as
    after a restart."""
    return KiteBroker(
        api_key=DEFAULT_API_KEY,
        access_token=fake.login().access_token,
        root=fake.url,
        timeout_secs=0.5,
        limiter=RateLimiter(KITE_LIMITS, monotonic=sleeps.monotonic, sleep=sleeps.sleep),
        backoff=Backoff(sleep=sleeps.sleep),
    )


def single(price: str = "1556", quantity: int = 3) -> GttSpec:
    leg = {"transaction_type": "BUY", "quantity": quantity, "order_type": "LIMIT", "product": "CNC"}
    return GttSpec("NSE", "INFY", [Decimal("1550")], Decimal("1500"), [leg | {"price": price}])


def oco() -> GttSpec:
    legs = [
        {"transaction_type": "SELL", "quantity": 10, "order_type": "LIMIT", "product": "CNC"}
        | {"price": Decimal(p)}
        for p in ("1395", "1598")
    ]
    return GttSpec("NSE", "INFY", [Decimal(1400), Decimal(1600)], 1500, legs)


def test_an_order_is_found_by_its_key_and_an_unsent_key_finds_nothing(
    broker: KiteBroker, fresh: KiteBroker
):
    placed = broker.place_order(Order(), idempotency_key="find-1")
    other = broker.place_order(Order(), idempotency_key="find-2")

    assert fresh.find_order("find-1") == placed
    assert fresh.find_order("find-2") == other
    assert fresh.find_order("never-sent") is None


def test_two_orders_under_one_tag_find_the_first(broker: KiteBroker, fresh: KiteBroker, fake: Fake):
    first = broker.place_order(Order(), idempotency_key="twice")
    second = fresh.place_order(Order(), idempotency_key="twice")  # it remembers nothing

    assert first != second
    assert len(fake.kite.book.orders) == 2
    assert fresh.find_order("twice") == broker.find_order("twice") == first


def test_a_gtt_is_found_by_what_it_says_and_nothing_else_matches(broker: KiteBroker):
    single_id = broker.place_gtt(single())
    oco_id = broker.place_gtt(oco())

    assert broker.find_gtts(single()) == [single_id]
    assert broker.find_gtts(oco()) == [oco_id]
    assert broker.find_gtts(single(price="1557")) == []
    assert broker.find_gtts(single(quantity=4)) == []


def test_equal_gtts_are_listed_newest_first_and_ended_ones_not_at_all(
    broker: KiteBroker, fake: Fake
):
    older = broker.place_gtt(single())
    newer = broker.place_gtt(single())
    assert broker.find_gtts(single()) == [newer, older]

    broker.delete_gtt(newer)
    assert broker.find_gtts(single()) == [older]

    fake.price("NSE:INFY", 1551)  # fires the older one
    assert broker.gtt(older)["status"] == "triggered"
    assert broker.find_gtts(single()) == []
