"""GET /api/market/quote: the market watch's depth, five bids and five offers, in Kite's
quote shape, from the same last tick that orders fill at."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.feed.simulated import depth_at
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


@pytest.fixture
def signed_in(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "a@x.in")
    return client


def test_requires_sign_in(client: TestClient):
    assert client.get("/api/market/quote", params={"i": "NSE:INFY"}).status_code == 401


def test_a_quote_carries_five_levels_of_depth_as_the_feed_printed_them(
    signed_in: TestClient, runtime: Runtime, clock: ManualClock
):
    bids, asks = depth_at(price=30_000, tick=Decimal("0.05"), lot=40, contract=1, salt=11, step=42)
    tick = replace(
        make_tick("NSE:INFY", "1500.00", ts=clock.now(), volume=812_345, last_quantity=7),
        prev_close=Decimal("1480.00"),
        high=Decimal("1504.10"),
        low=Decimal("1491.35"),
        open=Decimal("1495.00"),
        bid=bids[0].price,
        ask=asks[0].price,
        bid_quantity=bids[0].quantity,
        ask_quantity=asks[0].quantity,
        bids=bids,
        asks=asks,
    )
    runtime.quotes.update(tick)

    response = signed_in.get(
        "/api/market/quote", params=[("i", "NSE:INFY"), ("i", "infy"), ("i", "NSE:NOPE")]
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body["quotes"]) == ["NSE:INFY"]  # once, by its key
    assert body["missing"] == ["NSE:NOPE"]
    quote = body["quotes"]["NSE:INFY"]
    assert quote["last_price"] == 1500.0
    assert quote["ohlc"] == {"open": 1495.0, "high": 1504.1, "low": 1491.35, "close": 1480.0}
    assert (quote["volume"], quote["last_quantity"]) == (812_345, 7)
    assert quote["net_change"] == 20.0
    assert quote["change"] == pytest.approx(1.3514, abs=1e-4)
    assert quote["timestamp"].endswith("+05:30")
    assert quote["depth"]["buy"] == [
        {"price": float(lv.price), "quantity": lv.quantity, "orders": lv.orders} for lv in bids
    ]
    assert quote["depth"]["sell"] == [
        {"price": float(lv.price), "quantity": lv.quantity, "orders": lv.orders} for lv in asks
    ]
    assert [lv["price"] for lv in quote["depth"]["buy"]] == sorted(
        (lv["price"] for lv in quote["depth"]["buy"]), reverse=True
    )
    assert quote["buy_quantity"] == sum(lv.quantity for lv in bids)
    assert quote["sell_quantity"] == sum(lv.quantity for lv in asks)


def test_a_tick_without_a_book_shows_its_best_prices_and_zero_levels(
    signed_in: TestClient, runtime: Runtime, clock: ManualClock
):
    runtime.quotes.update(make_tick("NSE:TCS", "3200", ts=clock.now(), bid="3199.95"))

    depth = signed_in.get("/api/market/quote", params={"i": "NSE:TCS"}).json()["quotes"]["NSE:TCS"][
        "depth"
    ]

    assert depth["buy"][0]["price"] == 3199.95
    assert depth["buy"][1:] == [{"price": 0.0, "quantity": 0, "orders": 0}] * 4
    assert len(depth["sell"]) == 5


def test_no_tick_yet_is_missing_and_too_many_instruments_a_422(
    signed_in: TestClient,
):
    answer = signed_in.get("/api/market/quote", params={"i": "NSE:SBIN"}).json()
    assert answer == {"quotes": {}, "missing": ["NSE:SBIN"]}
    many = signed_in.get("/api/market/quote", params=[("i", f"S{n}") for n in range(51)])
    assert many.status_code == 422
    assert many.json()["detail"][0]["field"] == "i"
    assert signed_in.get("/api/market/quote").status_code == 422
