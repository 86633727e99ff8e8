"""The Kite adapter through the real kiteconnect SDK against the fake Kite on loopback."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.brokers.kite.conftest import Fake, Sleeps
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, FakeKite
from tradertape.ports.clock import IST, ManualClock
from tradertape_brokers.kite import KiteBroker, LoginFailed, checksum, kite_tag
from tradertape_brokers.kite import exchange_request_token as exchange
from tradertape_brokers.port import (
    GttSpec,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)


@dataclass(frozen=True)
class Order:
    """An `OrderLike` for the tests."""

    tradingsymbol: str = "INFY"
    transaction_type: str = "BUY"
    quantity: int = 5
    order_type: str = "LIMIT"
    price: Decimal | None = Decimal("1450")
    exchange: str = "NSE"
    product: str = "CNC"
    variety: str = "regular"
    validity: str = "DAY"
    trigger_price: Decimal | None = None
    disclosed_quantity: int | None = None
    validity_ttl: int | None = None
    market_protection: int | None = None
    iceberg_legs: int | None = None
    iceberg_quantity: int | None = None
    auction_number: str | None = None


def test_login_with_a_checksum_yields_a_token_until_0600_ist(fake: Fake):
    token = fake.request_token()
    digest = checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET)

    session = exchange(DEFAULT_API_KEY, token, digest, fake.url)

    assert session.expires_at == datetime(2026, 11, 21, 6, 0, tzinfo=IST)
    assert session.broker_user_id == "FK1234"
    assert len(session.access_token) == 32
    with pytest.raises(LoginFailed, match="invalid or has expired"):  # single use
        exchange(DEFAULT_API_KEY, token, digest, fake.url)


def test_a_wrong_checksum_is_refused_and_the_token_survives(fake: Fake):
    token = fake.request_token()
    with pytest.raises(LoginFailed, match="checksum"):
        exchange(DEFAULT_API_KEY, token, checksum(DEFAULT_API_KEY, token, "wrong"), fake.url)
    right = checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET)
    assert exchange(DEFAULT_API_KEY, token, right, fake.url).access_token


def test_place_modify_cancel(broker: KiteBroker, fake: Fake):
    order_id = broker.place_order(Order(), idempotency_key="order-1")

    [order] = broker.orders()
    assert order["order_id"] == order_id
    assert order["status"] == "OPEN"
    assert order["tag"] == kite_tag("order-1")
    assert order["order_timestamp"] == "2026-11-20 10:00:00"

    assert broker.modify_order(order_id, {"price": Decimal("1460"), "quantity": 6}) == order_id
    assert broker.cancel_order(order_id) == order_id

    history = broker.order_history(order_id)
    assert [h["status"] for h in history] == [
        "PUT ORDER REQ RECEIVED",
        "VALIDATION PENDING",
        "OPEN PENDING",
        "OPEN",
        "MODIFY VALIDATION PENDING",
        "MODIFY PENDING",
        "MODIFIED",
        "OPEN",
        "CANCEL PENDING",
        "CANCELLED",
    ]
    last = history[-1]
    assert (last["status"], last["price"], last["quantity"]) == ("CANCELLED", 1460.0, 6)
    assert last["cancelled_quantity"] == 6
    with pytest.raises(OrderRejected, match="cancelled"):  # the OMS reads the status then
        broker.cancel_order(order_id)
    filled = broker.place_order(Order(order_type="MARKET", price=None), idempotency_key="o-2")
    with pytest.raises(OrderRejected, match="complete"):
        broker.cancel_order(filled)


def test_market_order_fills_and_lands_in_positions_and_t1_holdings(broker: KiteBroker, fake: Fake):
    order = Order(order_type="MARKET", price=None, quantity=4)
    order_id = broker.place_order(order, idempotency_key="m-1")

    [trade] = broker.trades()
    assert (trade["order_id"], trade["quantity"], trade["average_price"]) == (order_id, 4, 1500.0)
    [net] = broker.positions()["net"]
    assert (net["quantity"], net["buy_value"], net["last_price"]) == (4, 6000.0, 1500.0)
    infy = next(h for h in broker.holdings() if h["tradingsymbol"] == "INFY")
    assert (infy["quantity"], infy["t1_quantity"]) == (10, 4)
    assert broker.margins()["equity"]["net"] == 1_000_000 - 6000
    sent = fake.kite.book.orders[order_id]
    assert sent["market_protection"] == -1  # Kite refuses market orders without it


def test_market_protection_zero_is_never_sent_to_kite(broker: KiteBroker, fake: Fake):
    # Kite refuses a MARKET or SL-M order with market protection 0: the adapter sends its
    # automatic protection (-1) instead, so the order is placed, not rejected.
    order = Order(order_type="MARKET", price=None, quantity=2, market_protection=0)
    order_id = broker.place_order(order, idempotency_key="mp0")
    assert fake.kite.book.orders[order_id]["market_protection"] == -1
    assert [t["order_id"] for t in broker.trades()] == [order_id]


def test_a_limit_order_fills_when_the_price_crosses(broker: KiteBroker, fake: Fake):
    order_id = broker.place_order(Order(price=Decimal("1450")), idempotency_key="l-1")
    fake.price("NSE:INFY", 1455)
    assert broker.order_history(order_id)[-1]["status"] == "OPEN"

    fake.price("NSE:INFY", 1449.5)

    last = broker.order_history(order_id)[-1]
    assert (last["status"], last["average_price"], last["filled_quantity"]) == (
        "COMPLETE",
        1449.5,
        5,
    )


def test_single_gtt_triggers_its_limit_order_then_is_deleted(broker: KiteBroker, fake: Fake):
    spec = GttSpec(
        exchange="NSE",
        tradingsymbol="INFY",
        trigger_values=[Decimal("1550")],
        last_price=Decimal("1500"),
        orders=[
            {
                "transaction_type": "BUY",
                "quantity": 3,
                "order_type": "LIMIT",
                "product": "CNC",
                "price": Decimal("1556"),
            }
        ],
    )
    trigger_id = broker.place_gtt(spec)
    assert broker.gtt(trigger_id)["status"] == "active"
    fake.price("NSE:INFY", 1549)
    assert broker.gtt(trigger_id)["status"] == "active"

    fake.price("NSE:INFY", 1551)

    fired = broker.gtt(trigger_id)
    assert fired["status"] == "triggered"
    result = fired["orders"][0]["result"]["order_result"]
    assert result["status"] == "success"
    [order] = broker.orders()
    assert order["order_id"] == result["order_id"]
    assert (order["status"], order["order_type"], order["average_price"]) == (
        "COMPLETE",
        "LIMIT",
        1551.0,
    )
    assert broker.delete_gtt(trigger_id) == trigger_id
    assert [g["status"] for g in broker.gtts()] == ["deleted"]


def test_oco_gtt_fires_one_leg_only(broker: KiteBroker, fake: Fake):
    def sell(price: str) -> dict[str, object]:
        return {
            "transaction_type": "SELL",
            "quantity": 10,
            "order_type": "LIMIT",
            "product": "CNC",
            "price": Decimal(price),
        }

    spec = GttSpec(
        "NSE", "INFY", [Decimal(1400), Decimal(1600)], 1500, [sell("1395"), sell("1598")]
    )
    trigger_id = broker.place_gtt(spec)
    assert broker.gtt(trigger_id)["type"] == "two-leg"

    fake.price("NSE:INFY", 1601)
    fake.price("NSE:INFY", 1390)  # the stop-loss side no longer matters

    fired = broker.gtt(trigger_id)
    assert fired["status"] == "triggered"
    assert fired["orders"][0]["result"] is None
    [order] = broker.orders()
    assert (order["transaction_type"], order["price"], order["status"]) == (
        "SELL",
        1598.0,
        "COMPLETE",
    )
    assert order["average_price"] == 1601.0


def test_a_timeout_after_the_fake_accepted_leaves_exactly_one_order(
    broker: KiteBroker, fake: Fake, sleeps: Sleeps
):
    fake.fault("timeout", method="POST", path_prefix="/orders", delay_secs=1.5)

    order_id = broker.place_order(Order(), idempotency_key="slow-1")

    assert [o["order_id"] for o in fake.state()["orders"]] == [order_id]
    assert broker.place_order(Order(), idempotency_key="slow-1") == order_id  # a replay
    assert len(fake.kite.book.orders) == 1
    assert sleeps.waits == [0.2]  # one backoff before looking the order up by its tag


def test_429_backs_off_then_succeeds(broker: KiteBroker, fake: Fake, sleeps: Sleeps):
    fake.fault("429", count=2, method="POST", path_prefix="/orders")

    order_id = broker.place_order(Order(), idempotency_key="busy-1")

    assert sleeps.waits == [0.2, 0.4]
    assert list(fake.kite.book.orders) == [order_id]


def test_server_errors_on_reads_are_retried_and_give_up_in_the_end(
    broker: KiteBroker, fake: Fake, sleeps: Sleeps
):
    fake.fault("503", count=1, path_prefix="/portfolio/holdings")
    assert [h["tradingsymbol"] for h in broker.holdings()] == ["INFY", "SBIN"]
    assert sleeps.waits == [0.2]

    fake.fault("502", count=4, path_prefix="/portfolio/holdings")
    with pytest.raises(TransientBrokerError, match="502"):
        broker.holdings()


def test_an_expired_session_is_session_expired(broker: KiteBroker, fake: Fake):
    fake.fault("session_expired", path_prefix="/portfolio")
    with pytest.raises(SessionExpired):
        broker.positions()
    with pytest.raises(SessionExpired):
        broker.orders()


def test_the_session_dies_at_0600_ist(broker: KiteBroker, fake: Fake):
    assert broker.session_expires_at() == datetime(2026, 11, 21, 6, 0, tzinfo=IST)
    fake.control("clock", {"now": "2026-11-21T05:59:59+05:30"})
    assert broker.margins()["equity"]["enabled"] is True
    fake.control("clock", {"advance_secs": 1})
    with pytest.raises(SessionExpired):
        broker.margins()


def test_insufficient_funds_and_bad_orders_are_rejections(broker: KiteBroker, fake: Fake):
    with pytest.raises(InsufficientFunds, match="Insufficient funds"):
        broker.place_order(Order(quantity=1000), idempotency_key="big")
    with pytest.raises(OrderRejected, match="tradingsymbol|instrument"):
        broker.place_order(Order(tradingsymbol="NOPE"), idempotency_key="bad")
    with pytest.raises(OrderRejected, match="Insufficient holdings: 10 to sell, 11 asked"):
        broker.place_order(Order(transaction_type="SELL", quantity=11), idempotency_key="short")
    rejected = [(o["status"], o["tag"]) for o in broker.orders()]
    assert rejected == [("REJECTED", kite_tag("big")), ("REJECTED", kite_tag("short"))]


def test_quotes_and_daily_history(broker: KiteBroker, fake: Fake):
    fake.price("NSE:SBIN", 812.35)
    quote = broker.quote(["NSE:SBIN", "NSE:INFY"])
    assert quote["NSE:SBIN"]["last_price"] == 812.35
    assert quote["NSE:SBIN"]["ohlc"]["high"] == 812.35
    assert quote["NSE:INFY"]["instrument_token"] == 408065

    bars = broker.historical_daily("NSE:INFY", date(2026, 11, 16), date(2026, 11, 20))

    assert [b.day.isoformat() for b in bars] == [
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
    again = broker.historical_daily("NSE:INFY", bars[0].day, bars[-1].day)
    assert again == bars  # the fake's history is stable


def test_tags_are_short_and_stable():
    tag = kite_tag("a-very-long-client-order-id-0123456789-abcdef")
    assert len(tag) == 20
    assert tag.isalnum()
    assert tag == kite_tag("a-very-long-client-order-id-0123456789-abcdef")
    assert tag != kite_tag("another")


def test_a_cnc_buy_settles_into_holdings_the_next_day(broker: KiteBroker, fake: Fake):
    broker.place_order(Order(order_type="MARKET", price=None, quantity=2), idempotency_key="t1")
    fake.control("clock", {"now": "2026-11-23T10:00:00+05:30"})  # Monday, a new session
    session = fake.login()
    monday = KiteBroker(api_key=DEFAULT_API_KEY, access_token=session.access_token, root=fake.url)

    infy = next(h for h in monday.holdings() if h["tradingsymbol"] == "INFY")

    assert (infy["quantity"], infy["t1_quantity"]) == (12, 0)
    assert infy["average_price"] == round((1400 * 10 + 1500 * 2) / 12, 2)
    assert monday.orders() == []
    assert monday.positions() == {"net": [], "day": []}


def test_a_seeded_walk_moves_prices_repeatably_and_orders_react(
    broker: KiteBroker, fake: Fake, clock: ManualClock
):
    order_id = broker.place_order(
        Order(order_type="SL-M", price=None, trigger_price=Decimal("1501")), idempotency_key="w"
    )
    assert broker.order_history(order_id)[-1]["status"] == "TRIGGER PENDING"

    moved = fake.control("walk", {"steps": 5, "seed": 3, "bps": 50})["prices"]

    assert set(moved) == {i.key for i in fake.kite.instruments}
    # INFY went 1497, 1498.50, 1500, 1501.50 (the stop triggers, a market fill), 1496.85
    assert moved["NSE:INFY"] == 1496.85
    last = broker.order_history(order_id)[-1]
    assert (last["status"], last["average_price"]) == ("COMPLETE", 1501.5)
    again = FakeKite(clock=clock.now)
    rng = random.Random(3)
    for _ in range(5):
        replay = again.book.walk(rng, bps=50)
    assert {k: float(v) for k, v in replay.items()} == moved


def test_margin_and_charges_calculators_take_json_arrays(broker: KiteBroker, fake: Fake):
    kite = broker._kite  # the SDK itself: the port has no calculators
    buy = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "variety": "regular",
        "product": "CNC",
        "order_type": "LIMIT",
        "quantity": 10,
        "price": 1500,
    }
    [margin] = kite.order_margins([buy])
    assert (margin["total"], margin["charges"]["transaction_tax_type"]) == (15000.0, "stt")
    assert margin["charges"]["stamp_duty"] == 2.25  # 0.015 % of a ₹15,000 delivery buy
    basket = kite.basket_order_margins([buy, buy], mode="compact")
    assert basket["initial"]["total"] == 30000.0
    [note] = kite.get_virtual_contract_note([dict(buy, order_id="1", average_price=1500)])
    assert note["charges"]["total"] == margin["charges"]["total"]
    assert note["charges"]["brokerage"] == 0.0  # Zerodha: delivery is free of brokerage
