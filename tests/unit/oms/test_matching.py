"""Paper-exchange matching: prices at or better than the order's terms, sizes capped by volume."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig, WorkingOrder, match
from tradertape.domain.orders import OrderType, TransactionType
from tradertape.testkit import make_tick

BUY, SELL = TransactionType.BUY, TransactionType.SELL
CFG = MatchConfig(participation=Decimal("0.5"), tick_size=Decimal("0.05"))


def tick(last: str, bid: str | None = None, ask: str | None = None) -> Tick:
    moment = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    return make_tick("NSE:INFY", last, ts=moment, volume=1000, last_quantity=10, bid=bid, ask=ask)


def order(side: TransactionType, kind: OrderType, qty: int = 100, **kw: object) -> WorkingOrder:
    return WorkingOrder(side=side, order_type=kind, pending_quantity=qty, **kw)  # type: ignore[arg-type]


def test_market_buy_pays_the_ask_plus_slippage_rounded_against_it():
    config = MatchConfig(slippage_bps=Decimal(10), participation=Decimal(1))
    result = match(
        order(BUY, OrderType.MARKET),
        tick("1500", "1499.95", "1500.05"),
        traded_volume=1000,
        config=config,
    )
    # 1500.05 + 10 bps = 1501.55005 → next tick up
    assert result.fill_price == Decimal("1501.60")
    assert result.fill_quantity == 100


def test_market_sell_takes_the_bid_minus_slippage():
    config = MatchConfig(slippage_bps=Decimal(10), participation=Decimal(1))
    result = match(
        order(SELL, OrderType.MARKET),
        tick("1500", "1499.95", "1500.05"),
        traded_volume=1000,
        config=config,
    )
    assert result.fill_price == Decimal("1498.45")


def test_market_protection_blocks_fills_beyond_it():
    wide = tick("100", "90", "110")  # the ask is 10 % away
    assert (
        match(
            order(BUY, OrderType.MARKET, market_protection=5), wide, traded_volume=1000, config=CFG
        ).fill_quantity
        == 0
    )
    assert match(
        order(BUY, OrderType.MARKET, market_protection=20), wide, traded_volume=1000, config=CFG
    ).fill_price == Decimal("110")


def test_limit_buy_gets_price_improvement_on_a_gap_down():
    result = match(
        order(BUY, OrderType.LIMIT, price=Decimal("1500")),
        tick("1450"),
        traded_volume=1000,
        config=CFG,
    )
    assert result.fill_price == Decimal("1450")


def test_limit_buy_not_marketable_waits():
    result = match(
        order(BUY, OrderType.LIMIT, price=Decimal("1400")),
        tick("1450"),
        traded_volume=1000,
        config=CFG,
    )
    assert result.fill_quantity == 0
    assert result.fill_price is None


def test_sell_stop_triggers_on_a_gap_through_and_fills_at_market():
    stop = order(SELL, OrderType.SL_M, trigger_price=Decimal("950"))
    assert match(stop, tick("960"), traded_volume=1000, config=CFG).triggered is False
    gapped = match(stop, tick("900"), traded_volume=1000, config=CFG)
    assert gapped.triggered is True
    assert gapped.fill_price == Decimal("900")


def test_sl_limit_triggers_then_rests_until_its_price():
    stop = order(BUY, OrderType.SL, trigger_price=Decimal("1010"), price=Decimal("1012"))
    jumped = match(stop, tick("1020"), traded_volume=1000, config=CFG)
    assert jumped.triggered is True
    assert jumped.fill_quantity == 0  # triggered, but 1020 is above the 1012 limit


def test_fill_size_follows_volume_lots_and_iceberg_legs():
    assert (
        match(
            order(BUY, OrderType.MARKET, qty=1000), tick("10"), traded_volume=300, config=CFG
        ).fill_quantity
        == 150
    )
    lots = order(BUY, OrderType.MARKET, qty=650, lot_size=65)
    assert match(lots, tick("10"), traded_volume=300, config=CFG).fill_quantity == 130
    assert match(lots, tick("10"), traded_volume=0, config=CFG).fill_quantity == 65
    leg = order(BUY, OrderType.MARKET, qty=1000, leg_quantity=100)
    assert match(leg, tick("10"), traded_volume=10_000, config=CFG).fill_quantity == 100


prices = st.integers(min_value=20, max_value=40_000).map(lambda n: Decimal(n) * Decimal("0.05"))


@given(
    limit=prices,
    last=prices,
    side=st.sampled_from([BUY, SELL]),
    pending=st.integers(1, 10_000),
    volume=st.integers(0, 100_000),
)
def test_limit_orders_never_fill_worse_than_their_limit(limit, last, side, pending, volume):
    result = match(
        order(side, OrderType.LIMIT, qty=pending, price=limit),
        tick(str(last)),
        traded_volume=volume,
        config=CFG,
    )
    assert 0 <= result.fill_quantity <= pending
    if result.fill_price is not None:
        if side is BUY:
            assert result.fill_price <= limit
        else:
            assert result.fill_price >= limit


@pytest.mark.parametrize("kind", [OrderType.MARKET, OrderType.LIMIT])
def test_nothing_pending_nothing_matches(kind: OrderType):
    done = order(BUY, kind, qty=0, price=Decimal(100))
    assert match(done, tick("90"), traded_volume=100, config=CFG).fill_quantity == 0
