"""Live fills booked per broker trade (Kite's tradebook) at each trade's price and exchange
time, once, whichever reporter brings them; and the cumulative-difference fallback when the
tradebook cannot be read, which a later per-trade pass never books twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_live_orders import server_live as server_live  # noqa: F401
from tests.brokers.kite.test_live_orders import settings as settings  # noqa: F401 - fixture
from tests.conftest import START
from tests.live_kit import BUY, ours
from tradertape.db.models.trading import CashEntry, Trade
from tradertape.fakebrokers.kite import DEFAULT_API_SECRET
from tradertape.ports.broker import TransientBrokerError
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.live_trading import apply_order_update, kite_postback_checksum
from tradertape_brokers.kite import KiteBroker

pytestmark = pytest.mark.db

# Our schedule's charges, delivery buys of INFY on NSE, each trade the difference it makes to
# the day's contract note:
# - 4 @ ₹1,489.50 = ₹5,958.00: STT 0.1% = 5.958 → ₹6 (the note's STT is whole rupees), NSE
#   transaction 0.1769526, IPFT 0.005958, SEBI 0.005958, stamp 0.8937, GST 18% of
#   (0.1769526 + 0.005958 + 0.005958) = 0.0339963: ₹7.1166 → ₹7.12.
# - then 6 @ ₹1,488.75 = ₹8,932.50: the day's ₹14,890.50 has STT 14.8905 → ₹15, transaction
#   0.4422479, IPFT 0.0148905, SEBI 0.0148905, stamp 2.233575, GST 0.0849652: ₹17.79;
#   this trade's share 17.79 − 7.12 = ₹10.67.
FIRST_CHARGES, SECOND_CHARGES = Decimal("7.12"), Decimal("10.67")
FIRST_AT = START + timedelta(seconds=5)  # 10:00:05 IST
SECOND_AT = START + timedelta(seconds=80)  # 10:01:20 IST


def rows(runtime: Runtime) -> list[tuple[Any, ...]]:
    with runtime.db.session() as db:
        return [
            (t.quantity, t.price, t.charges, t.broker_trade_id, t.filled_at, t.trade_date)
            for t in db.scalars(select(Trade).order_by(Trade.id))
        ]


def cash(runtime: Runtime) -> list[tuple[str, Decimal]]:
    with runtime.db.session() as db:
        entries = db.scalars(
            select(CashEntry).where(CashEntry.broker == "kite").order_by(CashEntry.id)
        )
        return [(c.kind, c.amount) for c in entries]


def kite_trades(fake: Fake) -> list[dict[str, Any]]:
    return list(fake.state()["trades"])


def fill(fake: Fake, clock: ManualClock, at: datetime, quantity: int, price: str) -> Any:
    """The exchange matches `quantity` of our one order at `price`, at `at`."""
    clock.advance(at - clock.now())
    [order] = fake.state()["orders"]
    body = {"order_id": order["order_id"], "quantity": quantity, "price": price}
    return fake.control("fill", body)["order"]


def postback(client: TestClient, order: dict[str, Any]) -> Any:
    stamp = str(order["order_timestamp"])
    checksum = kite_postback_checksum(order["order_id"], stamp, DEFAULT_API_SECRET)
    body = order | {"checksum": checksum, "user_id": "FK1234"}
    answer = client.post("/api/brokers/kite/postback", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def socket(runtime: Runtime, user_id: int, order: dict[str, Any]) -> bool:
    with runtime.db.session() as db:
        update = {"broker": "kite", "user_id": user_id, "data": order}
        return apply_order_update(runtime.live, db, update)


def poll(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        return runtime.live.poll(db)


@dataclass
class Tradebook:
    """Counts the adapter's tradebook reads (each a GET /trades at Kite); while `down`,
    each read fails as Kite's would after its retries (without their real waits)."""

    calls: int = 0
    down: bool = False


@pytest.fixture
def tradebook(monkeypatch: pytest.MonkeyPatch) -> Tradebook:
    book = Tradebook()
    real = KiteBroker.trades

    def read(self: KiteBroker) -> list[dict[str, Any]]:
        book.calls += 1
        if book.down:
            raise TransientBrokerError("Kite answered 503 to GET /trades")
        return real(self)

    monkeypatch.setattr(KiteBroker, "trades", read)
    return book


def test_two_trades_at_two_prices_are_two_rows_at_their_prices_and_exchange_times_once(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock, tradebook: Tradebook
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    assert client.post("/api/orders", json=BUY).status_code == 201

    part = fill(fake, clock, FIRST_AT, 4, "1489.50")
    assert (part["status"], part["filled_quantity"], part["average_price"]) == ("OPEN", 4, 1489.5)
    clock.advance(timedelta(seconds=2))  # the reports reach us a little later
    assert postback(client, part)["known"] is True
    assert socket(runtime, user_id, part) is True  # the socket's copy: nothing new
    assert poll(runtime) == 1  # still open: asked, nothing new
    assert tradebook.calls == 1  # only the report that showed more read the tradebook

    done = fill(fake, clock, SECOND_AT, 6, "1488.75")
    # Kite's average of 4 @ 1489.50 and 6 @ 1488.75: 14,890.50 / 10 = 1489.05.
    assert (done["status"], done["filled_quantity"], done["average_price"]) == (
        "COMPLETE",
        10,
        1489.05,
    )
    clock.advance(timedelta(seconds=2))
    assert socket(runtime, user_id, done) is True
    assert postback(client, done)["known"] is True
    assert poll(runtime) == 0  # nothing open any more

    first, second = kite_trades(fake)
    assert rows(runtime) == [
        (4, Decimal("1489.5"), FIRST_CHARGES, first["trade_id"], FIRST_AT, "2026-11-20"),
        (6, Decimal("1488.75"), SECOND_CHARGES, second["trade_id"], SECOND_AT, "2026-11-20"),
    ]
    assert (first["exchange_timestamp"], second["exchange_timestamp"]) == (
        "2026-11-20 10:00:05",
        "2026-11-20 10:01:20",
    )
    assert cash(runtime) == [
        ("buy", Decimal("-5958.00")),
        ("charges", -FIRST_CHARGES),
        ("buy", Decimal("-8932.50")),
        ("charges", -SECOND_CHARGES),
    ]
    assert tradebook.calls == 2
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity, order.average_price) == (
        "COMPLETE",
        10,
        Decimal("1489.05"),
    )
    history = client.get(f"/api/orders/{order.order_id}/history").json()
    assert [h["status"] for h in history] == ["OPEN", "OPEN", "COMPLETE"]


def test_one_poll_sweep_reads_the_tradebook_once_for_all_the_orders_that_grew(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock, tradebook: Tradebook
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    for _ in range(2):
        assert client.post("/api/orders", json=BUY).status_code == 201
    clock.advance(FIRST_AT - clock.now())
    for order in fake.state()["orders"]:
        body = {"order_id": order["order_id"], "quantity": 4, "price": "1489.50"}
        fake.control("fill", body)

    assert poll(runtime) == 2

    assert tradebook.calls == 1
    ids = [t["trade_id"] for t in kite_trades(fake)]
    booked = rows(runtime)
    assert [(r[0], r[1], r[3], r[4]) for r in booked] == [
        (4, Decimal("1489.5"), ids[0], FIRST_AT),
        (4, Decimal("1489.5"), ids[1], FIRST_AT),
    ]
    # The second order's 4 are another ₹5,958.00 on the same day's note: STT 11.916 → ₹12 and
    # twice the other parts (2 × 1.116565): ₹14.2331 → ₹14.23 in all, so its share is ₹7.11.
    assert [r[2] for r in booked] == [FIRST_CHARGES, Decimal("7.11")]


def test_a_failed_tradebook_books_the_difference_and_the_later_pass_only_whats_beyond_it(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock, tradebook: Tradebook
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    part = fill(fake, clock, FIRST_AT, 4, "1489.50")
    clock.advance(timedelta(seconds=2))
    tradebook.down = True

    assert socket(runtime, user_id, part) is True

    fallback_at = START + timedelta(seconds=7)  # our clock's, the exchange's is unknown
    assert rows(runtime) == [(4, Decimal("1489.5"), FIRST_CHARGES, None, fallback_at, "2026-11-20")]
    fill(fake, clock, SECOND_AT, 6, "1488.75")
    tradebook.down = False

    assert poll(runtime) == 1
    assert poll(runtime) == 0

    first, second = kite_trades(fake)
    # The fallback row stands for Kite's earliest trade (4 @ 1489.50); only the next is booked.
    assert rows(runtime) == [
        (4, Decimal("1489.5"), FIRST_CHARGES, None, fallback_at, "2026-11-20"),
        (6, Decimal("1488.75"), SECOND_CHARGES, second["trade_id"], SECOND_AT, "2026-11-20"),
    ]
    assert first["quantity"] == 4
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity, order.filled_value) == (
        "COMPLETE",
        10,
        Decimal("14890.50"),
    )
    assert sum(amount for kind, amount in cash(runtime)) == -(
        Decimal("14890.50") + FIRST_CHARGES + SECOND_CHARGES
    )


def test_a_fill_booked_whole_by_the_difference_is_never_booked_again_by_trade(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock, tradebook: Tradebook
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    fill(fake, clock, FIRST_AT, 4, "1489.50")
    done = fill(fake, clock, SECOND_AT, 6, "1488.75")
    tradebook.down = True

    assert postback(client, done)["known"] is True
    tradebook.down = False
    assert socket(runtime, user_id, done) is True
    assert postback(client, done)["known"] is True

    # One row at Kite's average, 10 @ 1489.05 = ₹14,890.50, the day's whole note: ₹17.79.
    assert rows(runtime) == [
        (10, Decimal("1489.05"), Decimal("17.79"), None, SECOND_AT, "2026-11-20")
    ]
    [order] = ours(runtime)
    assert (order.filled_quantity, order.filled_value) == (10, Decimal("14890.50"))


def test_the_fakes_fill_control_refuses_bad_figures_naming_them(fake: Fake):
    fake.price("NSE:INFY", 1500)
    form: dict[str, Any] = {"exchange": "NSE", "tradingsymbol": "INFY", "quantity": 10}
    form |= {"transaction_type": "BUY", "product": "CNC", "order_type": "LIMIT", "price": 1490}
    order_id = fake.control("orders", form)["order_id"]
    url = f"{fake.url}/_fake/fill"

    for body, detail in (
        ({"quantity": "x", "price": 1489}, "Invalid `quantity`."),
        ({"quantity": 11, "price": 1489}, "Invalid `quantity`."),
        ({"quantity": 4, "price": "abc"}, "Invalid `price`."),
        ({"quantity": 4, "price": 0}, "Invalid `price`."),
    ):
        answer = fake.http.post(url, json={"order_id": order_id} | body)
        assert (answer.status_code, answer.json()) == (400, {"detail": detail})
    done = fake.control("fill", {"order_id": order_id, "quantity": 10, "price": "1489.25"})
    assert (done["order"]["status"], done["order"]["average_price"]) == ("COMPLETE", 1489.25)
    again = fake.http.post(url, json={"order_id": order_id, "quantity": 1, "price": 1489})
    assert again.status_code == 400
    assert again.json()["detail"] == "Order cannot be filled as it is complete."
