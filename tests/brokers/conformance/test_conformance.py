"""One conformance suite every broker adapter passes against its fake: login and session,
instruments by Kite keys, place, modify and cancel, order updates, positions, holdings and
margins, errors mapped into the port's, the rate limit respected, and the broker's row of
facts (`domain.brokers`) true of its adapter.

Parametrised over the registered brokers (`BROKERS`): a broker is added by registering it
(its row, its adapter, its fake and its harness, `harness.HARNESSES`), not by a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.brokers.conformance.harness import (
    HARNESSES,
    KEY,
    PRICE,
    START,
    Harness,
    Pace,
    served,
)
from tradertape.domain.brokers import (
    BROKER_NAMES,
    BROKERS,
    BrokerName,
    Slicing,
    access_token_expiry,
)
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.fakebrokers import FAKES
from tradertape_brokers import registry
from tradertape_brokers.pacing import Ceiling
from tradertape_brokers.port import (
    Broker,
    InsufficientFunds,
    SessionExpired,
    SlicesOrders,
    TransientBrokerError,
)


def buy(
    *, quantity: int = 5, price: Decimal | None = Decimal("1450"), order_type: str = "LIMIT"
) -> OrderSpec:
    """A delivery buy of `KEY` (the server's `OrderSpec` is an `OrderLike`)."""
    exchange, symbol = KEY.split(":", 1)
    return OrderSpec(
        exchange=Exchange(exchange),
        tradingsymbol=symbol,
        transaction_type=TransactionType.BUY,
        quantity=quantity,
        product=Product.CNC,
        order_type=OrderType(order_type),
        price=price,
    )


@dataclass
class AtFake:
    """One broker's fake, its harness, and its adapter logged in."""

    name: BrokerName
    harness: Harness
    broker: Broker
    pace: Pace


@pytest.fixture(params=list(BROKERS), ids=str)
def at(request: pytest.FixtureRequest) -> Iterator[AtFake]:
    name: BrokerName = request.param
    with served(name) as harness:
        pace = Pace()
        yield AtFake(name, harness, harness.adapter(harness.login(), pace), pace)


def _order(broker: Broker, order_id: str) -> dict[str, object]:
    return next(o for o in broker.orders() if o["order_id"] == order_id)


def test_every_registered_broker_has_an_adapter_a_fake_and_a_harness():
    assert set(registry.BROKERS) == set(BROKER_NAMES)
    assert set(FAKES) == set(BROKER_NAMES)
    assert set(HARNESSES) == set(BROKERS)


def test_login_yields_a_session_until_the_rows_daily_cut_off(at: AtFake):
    expires = at.broker.session_expires_at()

    assert expires == access_token_expiry(at.name, START)
    assert f"{expires:%H:%M} IST" == BROKERS[at.name].session_ends
    assert at.broker.name == at.name.value


def test_the_session_dies_at_the_cut_off_as_session_expired(at: AtFake):
    assert "equity" in at.broker.margins()
    expires = at.broker.session_expires_at()
    assert expires is not None

    at.harness.clock.set(expires)

    with pytest.raises(SessionExpired):
        at.broker.margins()


def test_the_registry_builds_the_adapter_from_the_session(at: AtFake):
    credentials, options = at.harness.credentials(at.harness.login())

    built = registry.build_broker(at.name.value, credentials, **options)

    assert built.name == at.name.value
    assert "equity" in built.margins()


def test_an_instrument_is_named_by_its_kite_key(at: AtFake):
    quotes = at.broker.quote([KEY])

    assert list(quotes) == [KEY]
    assert quotes[KEY]["last_price"] == PRICE


def test_place_modify_cancel(at: AtFake):
    order_id = at.broker.place_order(buy(), idempotency_key="conform-0001")

    assert at.broker.find_order("conform-0001") == order_id
    assert _order(at.broker, order_id)["status"] == "OPEN"
    at.broker.modify_order(order_id, {"price": Decimal("1455"), "quantity": 6})
    modified = _order(at.broker, order_id)
    assert (modified["status"], modified["price"], modified["quantity"]) == ("OPEN", 1455.0, 6)
    at.broker.cancel_order(order_id)
    assert _order(at.broker, order_id)["status"] == "CANCELLED"
    assert at.broker.order_history(order_id)[-1]["status"] == "CANCELLED"


def test_a_resting_order_is_updated_when_the_price_comes_to_it(at: AtFake):
    order_id = at.broker.place_order(buy(), idempotency_key="conform-0002")
    at.harness.price(KEY, 1449.5)

    done = _order(at.broker, order_id)

    assert (done["status"], done["filled_quantity"], done["average_price"]) == (
        "COMPLETE",
        5,
        1449.5,
    )
    assert [(t["order_id"], t["quantity"]) for t in at.broker.trades()] == [(order_id, 5)]


def test_a_fill_shows_in_positions_holdings_and_margins(at: AtFake):
    before = at.broker.margins()["equity"]["net"]
    at.broker.place_order(buy(order_type="MARKET", price=None), idempotency_key="conform-0003")

    [net] = [p for p in at.broker.positions()["net"] if p["tradingsymbol"] == "INFY"]
    assert (net["exchange"], net["quantity"], net["product"]) == ("NSE", 5, "CNC")
    assert "day" in at.broker.positions()
    assert all({"tradingsymbol", "quantity"} <= set(h) for h in at.broker.holdings())
    assert at.broker.margins()["equity"]["net"] == pytest.approx(before - 5 * PRICE)


def test_a_buy_beyond_the_cash_is_insufficient_funds(at: AtFake):
    with pytest.raises(InsufficientFunds):
        at.broker.place_order(buy(quantity=100_000), idempotency_key="conform-0004")


def test_a_refused_request_is_retried_after_a_back_off_and_placed_once(at: AtFake):
    at.harness.refuse_places(2)

    order_id = at.broker.place_order(buy(), idempotency_key="conform-0005")

    assert len(at.pace.waits) == 2  # one back-off a refusal
    assert all(wait > 0 for wait in at.pace.waits)
    assert [o["order_id"] for o in at.broker.orders()] == [order_id]


def test_a_refusal_on_every_try_is_transient_and_places_nothing(at: AtFake):
    at.harness.refuse_places(20)

    with pytest.raises(TransientBrokerError):
        at.broker.place_order(buy(), idempotency_key="conform-0006")
    assert at.broker.orders() == []


def test_the_order_rate_ceiling_is_the_rows_and_the_adapter_keeps_to_it(at: AtFake):
    per_second = BROKERS[at.name].orders_per_second
    assert at.harness.limits["orders"][0] == Ceiling(per_second, 1.0)

    for i in range(per_second):
        at.broker.place_order(buy(quantity=1), idempotency_key=f"conform-1{i:03d}")
    assert at.pace.waits == []  # a second's worth goes at once
    at.broker.place_order(buy(quantity=1), idempotency_key="conform-2000")

    assert sum(at.pace.waits) == pytest.approx(1.0)  # the next waits out the window
    assert len(at.broker.orders()) == per_second + 1


def test_the_adapter_slices_as_the_row_says(at: AtFake):
    row = BROKERS[at.name]

    if row.slicing is Slicing.BROKER:
        assert isinstance(at.broker, SlicesOrders)
        assert at.broker.slice_cap == row.slice_cap
    else:
        assert not isinstance(at.broker, SlicesOrders)
