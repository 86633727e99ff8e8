"""The Upstox adapter through the real ``upstox-python-sdk`` against the fake on loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import upstox_client

from tests.upstox_kit import INFY, RELIANCE, FakeUpstox, kite_to_upstox, running_fake
from tradertape.ports.clock import IST, ManualClock
from tradertape_brokers.pacing import Ceiling
from tradertape_brokers.port import (
    BrokerError,
    GttSpec,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)
from tradertape_brokers.upstox import InstrumentKeys, RateLimiter, UpstoxBroker, exchange_code

START = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
REDIRECT = "http://127.0.0.1:1/api/brokers/upstox/callback"


@dataclass(frozen=True)
class Order:
    """An `OrderLike` with Kite's field names."""

    tradingsymbol: str
    transaction_type: str
    quantity: int
    order_type: str = "LIMIT"
    price: Decimal | None = None
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


@pytest.fixture(scope="module")
def keys() -> InstrumentKeys:
    return InstrumentKeys(kite_to_upstox())


@pytest.fixture
def fake_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def fake(fake_clock: ManualClock) -> Iterator[FakeUpstox]:
    with running_fake(fake_clock.now) as running:
        running.control("prices", {RELIANCE: 2500, INFY: 1500})
        yield running


class Sleeps:
    """Records the adapter's waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, secs: float) -> None:
        self.waits.append(secs)


def _broker(
    fake: FakeUpstox, keys: InstrumentKeys, clock: ManualClock, sleeps: Sleeps, timeout: float = 5.0
) -> UpstoxBroker:
    session = exchange_code(
        "key", "secret", fake.code("key", REDIRECT), REDIRECT, fake.root, now=clock.now
    )
    return UpstoxBroker(
        access_token=session.access_token,
        keys=keys,
        root=fake.root,
        expires_at=session.expires_at,
        timeout_secs=timeout,
        sleep=sleeps,
    )


def test_login_yields_a_session_dying_at_0330_ist(fake, fake_clock):
    code = fake.code("key", REDIRECT)
    session = exchange_code("key", "secret", code, REDIRECT, fake.root, now=fake_clock.now)
    assert session.expires_at == datetime(2026, 11, 21, 3, 30, tzinfo=IST)
    assert session.broker_user_id == "FAKE01"
    with pytest.raises(BrokerError, match="UDAPI100057") as reused:  # the code is single-use
        exchange_code("key", "secret", code, REDIRECT, fake.root, now=fake_clock.now)
    assert type(reused.value) is BrokerError


def test_place_modify_cancel_and_fill(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    resting = broker.place_order(
        Order("RELIANCE", "BUY", 10, price=Decimal("2400")), idempotency_key="k-1"
    )
    broker.modify_order(resting, {"price": Decimal("2450.5"), "quantity": 12})
    [row] = [o for o in broker.orders() if o["order_id"] == resting]
    assert (row["status"], row["price"], row["quantity"], row["tag"]) == ("OPEN", 2450.5, 12, "k-1")
    assert (row["exchange"], row["tradingsymbol"], row["product"]) == ("NSE", "RELIANCE", "CNC")
    broker.cancel_order(resting)
    history = broker.order_history(resting)
    assert [h["status"] for h in history] == ["OPEN", "OPEN", "CANCELLED"]

    filled = broker.place_order(
        Order("INFY", "BUY", 4, price=Decimal("1490")), idempotency_key="k-2"
    )
    fake.control("prices", {INFY: 1488})  # the price moves through the limit
    [trade] = broker.trades()
    assert (trade["order_id"], trade["quantity"], trade["average_price"]) == (filled, 4, 1488.0)
    net = broker.positions()["net"]
    assert [(p["tradingsymbol"], p["quantity"], p["buy_price"]) for p in net] == [
        ("INFY", 4, 1488.0)
    ]
    assert broker.positions()["day"][0]["day_buy_quantity"] == 4
    equity = broker.margins()["equity"]
    assert (equity["net"], equity["utilised"]["debits"]) == (1_000_000 - 5952.0, 5952.0)


def test_refusals_map_to_port_errors(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    with pytest.raises(InsufficientFunds):
        broker.place_order(
            Order("RELIANCE", "BUY", 1000, price=Decimal("2500")), idempotency_key="big"
        )
    with pytest.raises(OrderRejected, match="price"):
        broker.place_order(Order("RELIANCE", "BUY", 1), idempotency_key="noprice")
    with pytest.raises(OrderRejected, match="no Upstox instrument key"):
        broker.place_order(Order("NOSUCH", "BUY", 1, price=Decimal(1)), idempotency_key="x")


def test_timeout_after_accepting_yields_exactly_one_order(fake, keys, fake_clock):
    sleeps = Sleeps()
    broker = _broker(fake, keys, fake_clock, sleeps, timeout=0.5)
    fake.control("faults", {"kind": "timeout", "path": "/v3/order/place", "delay_secs": 1.5})
    order_id = broker.place_order(
        Order("RELIANCE", "BUY", 1, price=Decimal("2400")), idempotency_key="once"
    )
    orders = fake.state()["orders"]
    assert [(o["order_id"], o["tag"]) for o in orders] == [(order_id, "once")]
    assert sleeps.waits == []  # found by its tag at once: nothing to wait for


def test_rate_limited_place_backs_off_then_succeeds(fake, keys, fake_clock):
    sleeps = Sleeps()
    broker = _broker(fake, keys, fake_clock, sleeps)
    fake.control("faults", {"kind": "429", "count": 2, "path": "/v3/order/place"})
    order_id = broker.place_order(
        Order("RELIANCE", "BUY", 1, price=Decimal("2400")), idempotency_key="rl"
    )
    assert sleeps.waits == [0.5, 1.0]
    assert [o["order_id"] for o in fake.state()["orders"]] == [order_id]


def test_server_errors_on_reads_retry_and_give_up(fake, keys, fake_clock):
    sleeps = Sleeps()
    broker = _broker(fake, keys, fake_clock, sleeps)
    fake.control("faults", {"kind": "503", "count": 1, "path": "/v2/portfolio"})
    assert broker.holdings() == []
    fake.control("faults", {"kind": "500", "count": 3, "path": "/v2/portfolio"})
    with pytest.raises(TransientBrokerError, match="500"):
        broker.holdings()
    assert sleeps.waits == [0.5, 0.5, 1.0]


def test_session_expiry_is_session_expired(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    fake.control("expire-sessions")
    with pytest.raises(SessionExpired, match="UDAPI100050"):
        broker.orders()


def test_token_dies_at_0330_ist(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    assert broker.holdings() == []
    fake_clock.set(datetime(2026, 11, 21, 3, 30, tzinfo=IST))
    with pytest.raises(SessionExpired):
        broker.holdings()


def test_single_gtt_created_triggered_and_listed(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    spec = GttSpec(
        "NSE",
        "RELIANCE",
        [2450],
        2500,
        [
            {
                "transaction_type": "BUY",
                "quantity": 2,
                "product": "CNC",
                "order_type": "LIMIT",
                "price": 2450,
            }
        ],
    )
    trigger_id = broker.place_gtt(spec)
    gtt = broker.gtt(trigger_id)
    assert (gtt["type"], gtt["status"], gtt["condition"]["trigger_values"]) == (
        "single",
        "active",
        [2450.0],
    )
    assert gtt["meta"]["rules"][0]["trigger_type"] == "BELOW"
    fake.control("prices", {RELIANCE: 2449})
    gtt = broker.gtt(trigger_id)
    assert gtt["status"] == "triggered"
    order_id = gtt["orders"][0]["result"]["order_result"]["order_id"]
    [order] = [o for o in broker.orders() if o["order_id"] == order_id]
    assert (order["order_type"], order["status"], order["quantity"]) == ("LIMIT", "COMPLETE", 2)


def test_oco_gtt_fires_one_leg_and_deletes(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    fake.control("holdings", [{"instrument_key": INFY, "quantity": 5, "average_price": 1400}])
    legs = [
        {
            "transaction_type": "SELL",
            "quantity": 5,
            "product": "CNC",
            "order_type": "LIMIT",
            "price": p,
        }
        for p in (1400, 1600)
    ]
    oco = broker.place_gtt(GttSpec("NSE", "INFY", [1400, 1600], 1500, legs))
    assert broker.gtt(oco)["type"] == "two-leg"
    assert broker.gtt(oco)["condition"]["trigger_values"] == [1400.0, 1600.0]
    fake.control("prices", {INFY: 1601})  # the target fires; the stop-loss is cancelled
    rules = {r["strategy"]: r["status"] for r in broker.gtt(oco)["meta"]["rules"]}
    assert rules == {"STOPLOSS": "CANCELLED", "TARGET": "TRIGGERED"}
    sells = [o for o in broker.orders() if o["transaction_type"] == "SELL"]
    assert [(o["quantity"], o["average_price"]) for o in sells] == [(5, 1601.0)]

    other = broker.place_gtt(GttSpec("NSE", "INFY", [1300, 1700], 1601, legs))
    assert broker.delete_gtt(other) == other
    assert broker.gtt(other)["status"] == "cancelled"
    assert {g["id"] for g in broker.gtts()} == {oco, other}


def test_quotes_and_daily_history(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    quotes = broker.quote(["NSE:RELIANCE", "NSE:INFY"])
    assert {k: q["last_price"] for k, q in quotes.items()} == {
        "NSE:RELIANCE": 2500.0,
        "NSE:INFY": 1500.0,
    }
    bars = broker.historical_daily("NSE:RELIANCE", date(2026, 11, 16), date(2026, 11, 20))
    assert [b.day for b in bars] == [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]
    assert bars[-1].close == 2500.0


def test_rate_limiter_waits_out_each_window():
    now = [0.0]
    waits: list[float] = []

    def sleep(secs: float) -> None:
        waits.append(secs)
        now[0] += secs

    limiter = RateLimiter(
        {"standard": (Ceiling(2, 1.0), Ceiling(3, 60.0))}, monotonic=lambda: now[0], sleep=sleep
    )
    for _ in range(4):
        limiter.acquire("standard")
    assert waits == [1.0, 59.0]


def test_the_adapter_imports_without_the_server():
    code = (
        "import sys, tradertape_brokers.upstox\n"
        "bad = [m for m in ('tradertape', 'fastapi', 'sqlalchemy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_a_refused_place_is_sent_again_once_the_book_shows_no_such_tag(fake, keys, fake_clock):
    sleeps = Sleeps()
    broker = _broker(fake, keys, fake_clock, sleeps)
    fake.control("faults", {"kind": "500", "path": "/v3/order/place"})
    long_key = "portfolio-7:entry:" + "x" * 40  # longer than a tag: sent as a digest
    order_id = broker.place_order(
        Order("RELIANCE", "BUY", 1, price=Decimal("2400")), idempotency_key=long_key
    )
    orders = fake.state()["orders"]
    assert [o["order_id"] for o in orders] == [order_id]
    assert len(orders[0]["tag"]) == 40
    assert sleeps.waits == [0.5]  # looked twice (the book may lag), then placed again
    replay = broker.place_order(  # a replay of the key returns the same order
        Order("RELIANCE", "BUY", 1, price=Decimal("2400")), idempotency_key=long_key
    )
    assert replay == order_id
    assert len(fake.state()["orders"]) == 1


def test_daily_history_is_fetched_a_decade_at_a_time(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    bars = broker.historical_daily("NSE:INFY", date(2004, 1, 1), date(2026, 11, 20))
    days = [b.day for b in bars]
    assert days == sorted(set(days))
    assert (days[0], days[-1]) == (date(2004, 1, 1), date(2026, 11, 20))
    assert all(d.weekday() < 5 for d in days)


def test_a_retry_after_giving_up_looks_for_the_order_first(fake, keys, fake_clock):
    sleeps = Sleeps()
    broker = _broker(fake, keys, fake_clock, sleeps, timeout=0.5)
    # Accepted but never answered, and the book unreadable until the adapter gives up.
    fake.control("faults", {"kind": "timeout", "path": "/v3/order/place", "delay_secs": 1.5})
    fake.control("faults", {"kind": "503", "count": 3, "path": "/v2/order/retrieve-all"})
    spec = Order("RELIANCE", "BUY", 1, price=Decimal("2400"))
    with pytest.raises(TransientBrokerError):
        broker.place_order(spec, idempotency_key="later")
    order_id = broker.place_order(spec, idempotency_key="later")  # the OMS retries
    assert [(o["order_id"], o["tag"]) for o in fake.state()["orders"]] == [(order_id, "later")]


def test_delivery_buys_settle_into_holdings_and_prices_walk(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    broker.place_order(Order("INFY", "BUY", 6, order_type="MARKET"), idempotency_key="deliver")
    assert broker.holdings() == []
    fake.control("settle")
    [held] = broker.holdings()
    assert (held["tradingsymbol"], held["quantity"], held["average_price"]) == ("INFY", 6, 1500.0)
    assert broker.positions() == {"net": [], "day": []}
    walked = fake.control("step?steps=3").json()
    assert walked[INFY] != 1500.0
    assert broker.quote(["NSE:INFY"])["NSE:INFY"]["last_price"] == walked[INFY]


def test_the_control_clock_pins_the_fake_past_the_0330_cutoff(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    fake.control("clock", {"now": "2026-11-21T03:30:00+05:30"})
    with pytest.raises(SessionExpired):
        broker.margins()
    fake.control("clock", {"now": None})  # back to the injected clock
    assert broker.margins()["equity"]["net"] == 1_000_000.0


def test_a_gtt_is_modified_and_unknown_routes_answer_in_the_envelope(fake, keys, fake_clock):
    broker = _broker(fake, keys, fake_clock, Sleeps())
    leg = {"transaction_type": "BUY", "quantity": 1, "product": "CNC", "price": 2300}
    trigger_id = broker.place_gtt(GttSpec("NSE", "RELIANCE", [2300], 2500, [leg]))
    moved = GttSpec("NSE", "RELIANCE", [2600], 2500, [{**leg, "quantity": 3}])
    assert broker.modify_gtt(trigger_id, moved) == trigger_id
    gtt = broker.gtt(trigger_id)
    assert gtt["condition"]["trigger_values"] == [2600.0]
    assert (gtt["orders"][0]["quantity"], gtt["meta"]["rules"][0]["trigger_type"]) == (3, "ABOVE")
    missing = httpx.get(f"{fake.root}/v2/nothing-here", headers={"Authorization": "Bearer x"})
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["errorCode"] == "UDAPI100050"
    unknown = httpx.get(f"{fake.root}/_control/nothing-here")
    assert (unknown.status_code, unknown.json()["status"]) == (404, "error")


def test_a_bracket_gtt_enters_then_exits_on_one_leg(fake, keys, fake_clock):
    """ENTRY + TARGET + STOPLOSS placed with the SDK itself (the adapter sends no brackets)."""
    broker = _broker(fake, keys, fake_clock, Sleeps())
    rules = [
        upstox_client.GttRule(strategy="ENTRY", trigger_type="BELOW", trigger_price=2450),
        upstox_client.GttRule(strategy="TARGET", trigger_type="IMMEDIATE", trigger_price=2600),
        upstox_client.GttRule(strategy="STOPLOSS", trigger_type="IMMEDIATE", trigger_price=2400),
    ]
    body = upstox_client.GttPlaceOrderRequest(
        type="MULTIPLE",
        quantity=2,
        product="D",
        rules=rules,
        instrument_token=RELIANCE,
        transaction_type="BUY",
    )
    gtt_id = broker._orders_v3.place_gtt_order(body).data.gtt_order_ids[0]
    fake.control("prices", {RELIANCE: 2440})  # entry: buy
    fake.control("prices", {RELIANCE: 2390})  # stop-loss: sell
    [row] = broker._orders_v3.get_gtt_order_details(gtt_order_id=gtt_id).data
    assert [(r.strategy, r.status, r.transaction_type) for r in row.rules] == [
        ("ENTRY", "TRIGGERED", "BUY"),
        ("TARGET", "CANCELLED", "SELL"),
        ("STOPLOSS", "TRIGGERED", "SELL"),
    ]
    fills = [(t["transaction_type"], t["average_price"]) for t in broker.trades()]
    assert fills == [("BUY", 2440.0), ("SELL", 2390.0)]
    assert broker.positions()["net"][0]["quantity"] == 0
