"""The Groww adapter through the real growwapi SDK against the fake Groww on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.integration.groww.conftest import API_KEY, API_SECRET, START, TOTP, FakeServer
from tradertape.ports.clock import IST
from tradertape_brokers.groww import (
    GROWW_LIMITS,
    GrowwBroker,
    RateLimiter,
    access_token_from_secret,
    access_token_from_totp,
)
from tradertape_brokers.port import (
    BrokerError,
    GttSpec,
    InsufficientFunds,
    SessionExpired,
    TransientBrokerError,
)


@dataclass(frozen=True)
class Order:
    """An `OrderLike` with Kite's names."""

    tradingsymbol: str = "INFY"
    transaction_type: str = "BUY"
    quantity: int = 10
    order_type: str = "LIMIT"
    price: Decimal | None = Decimal("1490")
    trigger_price: Decimal | None = None
    exchange: str = "NSE"
    product: str = "CNC"
    variety: str = "regular"
    validity: str = "DAY"
    disclosed_quantity: int | None = None
    validity_ttl: int | None = None
    market_protection: int | None = None
    iceberg_legs: int | None = None
    iceberg_quantity: int | None = None
    auction_number: str | None = None


class Sleeps:
    """Records the adapter's waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, secs: float) -> None:
        self.calls.append(secs)


def connect(groww: FakeServer, sleeps: Sleeps | None = None, timeout: float = 5.0) -> GrowwBroker:
    session = access_token_from_totp(API_KEY, TOTP, groww.root, now=groww.clock.now)
    return GrowwBroker(
        access_token=session.access_token,
        root=groww.root,
        expires_at=session.expires_at,
        timeout_secs=timeout,
        sleep=sleeps or Sleeps(),
        limiter=RateLimiter(GROWW_LIMITS, sleep=Sleeps()),
    )


def test_totp_flow_mints_a_token_that_dies_at_six_ist(groww: FakeServer):
    session = access_token_from_totp(API_KEY, TOTP, groww.root, now=groww.clock.now)

    assert session.access_token.startswith("gw_")
    assert session.expires_at == datetime(2026, 11, 21, 6, 0, tzinfo=IST)
    assert groww.fake.tokens[session.access_token] == session.expires_at


def test_secret_flow_signs_the_timestamp_with_the_secret(groww: FakeServer):
    session = access_token_from_secret(API_KEY, API_SECRET, groww.root, now=groww.clock.now)

    assert session.access_token in groww.fake.tokens
    with pytest.raises(SessionExpired):
        access_token_from_secret(API_KEY, "not-the-secret", groww.root, now=groww.clock.now)


def test_a_wrong_totp_is_refused(groww: FakeServer):
    with pytest.raises(BrokerError) as refused:
        access_token_from_totp(API_KEY, "654321", groww.root, now=groww.clock.now)
    assert "invalid TOTP" in str(refused.value)


def test_place_modify_cancel_in_kite_shapes(groww: FakeServer):
    broker = connect(groww)

    order_id = broker.place_order(Order(), idempotency_key="order-0001")
    broker.modify_order(order_id, {"price": Decimal("1495.5"), "quantity": 12})
    modified = broker.order_history(order_id)[-1]
    broker.cancel_order(order_id)
    final = {o["order_id"]: o for o in broker.orders()}[order_id]

    assert modified["status"] == "OPEN"
    assert (modified["price"], modified["quantity"], modified["pending_quantity"]) == (
        1495.5,
        12,
        12,
    )
    assert modified["tag"] == "order-0001"
    assert modified["order_timestamp"] == "2026-11-20 10:00:00"
    assert (final["status"], final["cancelled_quantity"], final["exchange"]) == (
        "CANCELLED",
        12,
        "NSE",
    )


def test_a_fill_shows_in_trades_positions_holdings_and_margins(groww: FakeServer):
    broker = connect(groww)

    order_id = broker.place_order(
        Order(order_type="MARKET", price=None), idempotency_key="buy-infy-1"
    )
    groww.control("prices", {"INFY": 1510})

    [trade] = broker.trades()
    [net] = broker.positions()["net"]
    [holding] = broker.holdings()
    margins = broker.margins()
    assert (trade["order_id"], trade["quantity"], trade["average_price"]) == (order_id, 10, 1500.0)
    assert (net["quantity"], net["average_price"], net["last_price"], net["pnl"]) == (
        10,
        1500.0,
        1510.0,
        100.0,
    )
    assert (holding["tradingsymbol"], holding["t1_quantity"], holding["quantity"]) == (
        "INFY",
        10,
        0,
    )
    assert margins["equity"]["available"]["cash"] == 985000.0


def test_holdings_settle_the_next_day(groww: FakeServer):
    broker = connect(groww)
    broker.place_order(Order(order_type="MARKET", price=None), idempotency_key="buy-infy-2")

    groww.clock.advance(timedelta(days=3))  # Monday; the token died at 06:00 Saturday
    fresh = connect(groww)

    [holding] = fresh.holdings()
    assert (holding["quantity"], holding["t1_quantity"], holding["average_price"]) == (
        10,
        0,
        1500.0,
    )


def test_a_limit_order_fills_when_the_price_comes_to_it(groww: FakeServer):
    broker = connect(groww)
    order_id = broker.place_order(Order(price=Decimal("1480")), idempotency_key="dip-buy-01")

    groww.control("prices", {"INFY": 1479.5})

    [order] = broker.order_history(order_id)
    assert (order["status"], order["filled_quantity"], order["average_price"]) == (
        "COMPLETE",
        10,
        1479.5,
    )


def test_daily_history_and_quotes(groww: FakeServer):
    broker = connect(groww)

    bars = broker.historical_daily("NSE:INFY", START.date() - timedelta(days=6), START.date())
    quote = broker.quote(["NSE:INFY"])["NSE:INFY"]

    assert [b.day.isoformat() for b in bars] == [
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]
    assert bars[-1].close == 1500.0
    assert (quote["last_price"], quote["depth"]["buy"][0]["price"]) == (1500.0, 1499.95)
    assert broker.ltp(["NSE:INFY", "NSE:TCS"]) == {"NSE:INFY": 1500.0, "NSE:TCS": 3500.0}


def test_a_buy_beyond_the_cash_is_insufficient_funds(groww: FakeServer):
    broker = connect(groww)

    with pytest.raises(InsufficientFunds):
        broker.place_order(Order(quantity=1000), idempotency_key="too-big-001")
    assert groww.fake.book.orders == {}


def single_gtt(trigger: str, price: str, side: str = "BUY") -> GttSpec:
    leg = {"transaction_type": side, "quantity": 5, "price": price, "order_type": "LIMIT"}
    return GttSpec("NSE", "INFY", [trigger], "1500", [{**leg, "product": "CNC"}])


def test_single_gtt_created_triggered_and_another_deleted(groww: FakeServer):
    broker = connect(groww)
    fired_id = broker.place_gtt(single_gtt("1450", "1452"))
    kept_id = broker.place_gtt(single_gtt("1400", "1401"))
    broker.modify_gtt(kept_id, single_gtt("1390", "1391"))
    created = broker.gtt(kept_id)

    groww.control("prices", {"INFY": 1449})
    broker.delete_gtt(kept_id)

    fired = broker.gtt(fired_id)
    statuses = {g["id"]: g["status"] for g in broker.gtts()}
    [order] = broker.orders()
    assert (created["type"], created["condition"]["trigger_values"]) == ("single", [1390.0])
    assert created["orders"][0]["price"] == 1391.0
    assert fired["status"] == "triggered"
    assert statuses == {fired_id: "triggered", kept_id: "deleted"}
    assert (order["transaction_type"], order["quantity"], order["status"]) == ("BUY", 5, "COMPLETE")
    assert order["average_price"] == 1449.0


def oco(stop: str, target: str) -> GttSpec:
    # the stop sells up to ₹5 below its trigger, so a gap through it still fills
    limits = (Decimal(stop) - 5, Decimal(target))
    legs = [
        {"transaction_type": "SELL", "quantity": 5, "price": p, "order_type": "LIMIT"}
        for p in limits
    ]
    return GttSpec("NSE", "INFY", [stop, target], "1500", legs)


def test_oco_created_then_its_stop_triggers_and_another_is_cancelled(groww: FakeServer):
    groww.control("holdings", {"symbol": "INFY", "quantity": 10, "average_price": 1400})
    broker = connect(groww)
    hit_id = broker.place_gtt(oco("1470", "1560"))
    other_id = broker.place_gtt(oco("1420", "1600"))

    created = broker.gtt(hit_id)
    groww.control("prices", {"INFY": 1469})
    broker.delete_gtt(other_id)

    raw = groww.fake.book.smart
    [order] = broker.orders()
    assert created["type"] == "two-leg"
    assert created["condition"]["trigger_values"] == [1470.0, 1560.0]
    assert [o["transaction_type"] for o in created["orders"]] == ["SELL", "SELL"]
    assert broker.gtt(hit_id)["status"] == "triggered"
    assert broker.gtt(other_id)["status"] == "deleted"
    assert sorted(r["status"] for r in raw.values()) == ["CANCELLED", "TRIGGERED"]
    assert (order["transaction_type"], order["status"], order["average_price"]) == (
        "SELL",
        "COMPLETE",
        1469.0,
    )
    assert broker.holdings()[0]["quantity"] == 5


def test_a_timeout_after_the_broker_accepted_places_exactly_one_order(groww: FakeServer):
    sleeps = Sleeps()
    broker = connect(groww, sleeps, timeout=0.3)
    groww.control(
        "faults",
        {"kind": "timeout_after_accept", "path": "/v1/order/create", "delay_secs": 1.0},
    )

    order_id = broker.place_order(Order(), idempotency_key="once-only-01")

    orders = list(groww.fake.book.orders.values())
    assert [o["groww_order_id"] for o in orders] == [order_id]
    assert orders[0]["order_reference_id"] == "once-only-01"
    assert sleeps.calls == []  # found by its reference: nothing was sent again


def test_a_long_idempotency_key_becomes_a_stable_reference(groww: FakeServer):
    broker = connect(groww)
    key = "9f1c2e4a-6b7d-4e8f-a0b1-c2d3e4f5a6b7"

    first = broker.place_order(Order(), idempotency_key=key)
    again = broker.place_order(Order(), idempotency_key=key)  # GA007: the same order

    [row] = groww.fake.book.orders.values()
    assert first == again == row["groww_order_id"]
    assert len(row["order_reference_id"]) == 20
    assert row["order_reference_id"].isalnum()


def test_429_backs_off_then_succeeds(groww: FakeServer):
    sleeps = Sleeps()
    broker = connect(groww, sleeps)
    groww.control("faults", {"kind": "429", "path": "/v1/order/create", "times": 2})
    groww.control("faults", {"kind": "503", "path": "/v1/holdings/user"})

    order_id = broker.place_order(Order(), idempotency_key="after-429-1")
    holdings = broker.holdings()

    assert list(groww.fake.book.orders) == [order_id]
    assert holdings == []
    assert sleeps.calls == [0.5, 1.0, 0.5]


def test_429_on_every_try_is_transient_and_nothing_was_placed(groww: FakeServer):
    broker = connect(groww)
    groww.control("faults", {"kind": "429", "path": "/v1/order/create", "times": 10})

    with pytest.raises(TransientBrokerError):
        broker.place_order(Order(), idempotency_key="never-in-01")
    assert groww.fake.book.orders == {}


def test_an_expired_session_is_session_expired(groww: FakeServer):
    broker = connect(groww)
    groww.control("expire", {})

    with pytest.raises(SessionExpired):
        broker.margins()
    with pytest.raises(SessionExpired):
        broker.place_order(Order(), idempotency_key="expired-01")


def test_the_token_dies_at_six_ist_on_the_fakes_clock(groww: FakeServer):
    broker = connect(groww)
    groww.clock.set(datetime(2026, 11, 21, 5, 59, 59, tzinfo=IST))
    assert broker.margins()["equity"]["enabled"] is True

    groww.clock.advance(timedelta(seconds=1))

    with pytest.raises(SessionExpired):
        broker.margins()


def test_a_timeout_before_the_broker_accepted_sends_the_order_once_more(groww: FakeServer):
    sleeps = Sleeps()
    broker = connect(groww, sleeps, timeout=0.3)
    groww.control("faults", {"kind": "timeout", "path": "/v1/order/create", "delay_secs": 1.0})

    order_id = broker.place_order(Order(), idempotency_key="lost-then-01")

    assert list(groww.fake.book.orders) == [order_id]
    assert sleeps.calls == [0.5]  # looked up (not there), waited, sent again


def test_positions_split_net_and_day_in_kite_shape(groww: FakeServer):
    broker = connect(groww)
    buy = Order(order_type="MARKET", price=None, product="MIS", quantity=4)
    broker.place_order(buy, idempotency_key="intraday-b1")
    groww.control("prices", {"INFY": 1520})
    broker.place_order(
        Order(order_type="MARKET", price=None, product="MIS", quantity=1, transaction_type="SELL"),
        idempotency_key="intraday-s1",
    )

    positions = broker.positions()

    [net], [day] = positions["net"], positions["day"]
    assert (net["quantity"], net["product"], net["last_price"]) == (3, "MIS", 1520.0)
    assert (net["buy_quantity"], net["buy_value"], net["sell_quantity"], net["sell_value"]) == (
        4,
        6000.0,
        1,
        1520.0,
    )
    assert net["pnl"] == 80.0  # 1520 - 6000 + 3 × 1520
    assert (day["quantity"], day["buy_price"], day["sell_price"]) == (3, 1500.0, 1520.0)


def test_an_fno_order_is_modified_and_cancelled_in_the_fno_segment(groww: FakeServer):
    # A fresh adapter (another process, or after a restart) has not seen the order placed:
    # it must look for it in F&O, where Groww keeps it, not in the cash segment.
    option = Order(
        tradingsymbol="NIFTY26D2325000CE",
        exchange="NFO",
        product="NRML",
        quantity=65,
        price=Decimal("95"),
    )
    order_id = connect(groww).place_order(option, idempotency_key="fno-0001")
    assert groww.fake.book.orders[order_id]["segment"] == "FNO"
    broker = connect(groww)

    broker.modify_order(order_id, {"price": Decimal("90")})
    assert groww.fake.book.orders[order_id]["price"] == 90.0
    connect(groww).cancel_order(order_id)

    row = groww.fake.book.orders[order_id]
    assert (row["order_status"], row["segment"]) == ("CANCELLED", "FNO")
