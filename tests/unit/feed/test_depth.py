"""The simulated market's depth: five levels a side on the tick grid, a spread of a tick or
two, quantities in whole lots with no more orders than lots, the same book for a seed."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.market import OPEN, make_feed
from tradertape.bus import InProcessBus
from tradertape.domain.market import Tick
from tradertape.domain.ticks import is_on_tick
from tradertape.feed.codec import DEPTH_LEVELS
from tradertape.feed.simulated import depth_at
from tradertape.ports.clock import IST, ManualClock

TICKS = st.sampled_from([Decimal("0.01"), Decimal("0.05"), Decimal("0.10"), Decimal("1")])


@given(
    price=st.integers(min_value=DEPTH_LEVELS + 2, max_value=10_000_000),
    tick=TICKS,
    contract=st.sampled_from([1, 15, 25, 30, 65, 75, 750, 1800]),
    lots=st.integers(min_value=1, max_value=500),
    salt=st.integers(min_value=0, max_value=2**63 - 1),
    step=st.integers(min_value=0, max_value=22_500),
)
def test_a_book_is_five_levels_a_side_around_the_last_price(
    price: int, tick: Decimal, contract: int, lots: int, salt: int, step: int
):
    lot = lots * contract
    bids, asks = depth_at(price=price, tick=tick, lot=lot, contract=contract, salt=salt, step=step)

    assert len(bids) == len(asks) == DEPTH_LEVELS
    last = price * tick
    spread = asks[0].price - bids[0].price
    assert bids[0].price <= last <= asks[0].price
    assert spread in (tick, 2 * tick)  # at least a tick: a crossed or locked book never prints
    assert last in (bids[0].price, asks[0].price)  # the last trade hit the bid or took the offer
    for side, outwards in ((bids, -tick), (asks, tick)):
        prices = [level.price for level in side]
        assert [b - a for a, b in zip(prices, prices[1:], strict=False)] == [outwards] * 4
        for level in side:
            assert is_on_tick(level.price, tick)
            assert level.quantity % lot == 0
            assert 1 <= level.orders <= level.quantity // contract
    again = depth_at(price=price, tick=tick, lot=lot, contract=contract, salt=salt, step=step)
    assert again == (bids, asks)


def test_a_book_near_the_floor_keeps_only_positive_prices():
    bids, asks = depth_at(price=2, tick=Decimal("0.05"), lot=1, contract=1, salt=7, step=0)
    assert all(level.price > 0 for level in (*bids, *asks))
    assert len(asks) == DEPTH_LEVELS
    assert len(bids) <= 2


async def _ticks_of_a_morning(seed: int) -> list[Tick]:
    bus = InProcessBus(queue_size=10_000)
    clock = ManualClock(OPEN)
    feed = make_feed(bus, clock, seed=seed, keys=("NSE:RELIANCE", "NSE:INFY"))
    printed: list[Tick] = []
    for _ in range(30):
        await feed.advance_to(clock.now())
        printed.extend(t for k in feed.keys if (t := feed.last(k)) is not None)
        clock.advance(timedelta(minutes=1))
    return printed


@pytest.mark.anyio
async def test_the_feed_prints_the_same_books_for_a_seed_and_other_books_for_another():
    first = await _ticks_of_a_morning(2026)
    again = await _ticks_of_a_morning(2026)
    other = await _ticks_of_a_morning(7)

    books = [(t.ts, t.key, t.bids, t.asks) for t in first]
    assert books == [(t.ts, t.key, t.bids, t.asks) for t in again]
    assert books != [(t.ts, t.key, t.bids, t.asks) for t in other]
    for tick in first:
        assert (tick.bid, tick.ask) == (tick.bids[0].price, tick.asks[0].price)
        assert (tick.bid_quantity, tick.ask_quantity) == (
            tick.bids[0].quantity,
            tick.asks[0].quantity,
        )


@pytest.mark.anyio
async def test_a_demo_replay_at_night_prints_its_book_too():
    clock = ManualClock(datetime(2026, 11, 20, 22, 0, tzinfo=IST))  # the session played again
    feed = make_feed(InProcessBus(), clock, demo=True, keys=("NSE:INFY",))
    await feed.advance_to(clock.now())
    tick = feed.last("NSE:INFY")
    assert tick is not None
    assert tick.ts < datetime(2026, 11, 20, 15, 31, tzinfo=IST)  # a replayed instant
    assert (len(tick.bids), len(tick.asks)) == (DEPTH_LEVELS, DEPTH_LEVELS)
    assert tick.bids[0].price < tick.asks[0].price
