"""SEBI's per-client order-rate ceiling: one sliding second per user across every path.

Ten orders in one second of the injected clock, whichever paths sent them (REST, a worker
intent, a GTT firing, a modify), fill the window; the eleventh is refused (a 429 with
Retry-After for REST, the worker contract's ``ORDER_RATE_LIMITED`` for a worker), stores
nothing and leaves a risk event; a second later it goes through. Another user is unaffected.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import START
from tests.helpers import make_user, sign_in
from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.db.engine import Database
from tradertape.db.models import AuthAttempt, Gtt, Order, Trade
from tradertape.db.rate_window import take_slot
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import OrderRateExceeded
from tradertape.oms.order_log import claim_taking, new_order
from tradertape.oms.order_rate import WINDOW, OrderRateCeiling, bucket
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape.testkit import make_tick

pytestmark = pytest.mark.db
LIMIT_BUY = OrderSpec(  # a resting buy: it stores an order and fills nothing
    exchange=Exchange.NSE,
    tradingsymbol="INFY",
    transaction_type=TransactionType.BUY,
    quantity=1,
    product=Product.CNC,
    order_type=OrderType.LIMIT,
    price=Decimal("1400"),
)


def buy(symbol: str = "INFY", **kw: Any) -> dict[str, Any]:
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": 1,
        "product": "CNC",
        "order_type": "MARKET",
        **kw,
    }


def orders_of(runtime: Runtime, user_id: int | None = None) -> int:
    query = select(func.count()).select_from(Order)
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    with runtime.db.session() as db:
        return int(db.scalar(query) or 0)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"order_rate_per_sec": 10})  # SEBI's, not the tests'


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    set_price(runtime, "NSE:SBIN", "800")
    worker = new_worker(client, runtime, "rate@x.in")  # signs the user in on `client` too
    worker.create_run("run_a")
    return worker


def test_the_eleventh_order_in_a_second_is_refused_whichever_path_sends_it(
    client: TestClient, runtime: Runtime, clock: ManualClock, worker: Worker
):
    for i in range(6):  # REST and worker orders interleaved, all in one instant
        assert client.post("/api/orders", json=buy()).status_code == 201
        if i < 4:
            placed = worker.place("run_a", f"intent-{i:04d}")
            assert placed.status_code == 200, placed.text
    assert orders_of(runtime) == 10
    clock.advance(timedelta(milliseconds=999))

    refused = client.post("/api/orders", json=buy("SBIN"))
    by_worker = worker.place("run_a", "intent-0010", order("SBIN"))

    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert "SEBI order-rate ceiling" in refused.json()["detail"]
    assert "10 orders per second" in refused.json()["detail"]
    assert by_worker.status_code == 429, by_worker.text
    assert by_worker.headers["Retry-After"] == "1"
    detail = by_worker.json()["detail"]
    assert (detail["rejection_reason"], detail["limit_per_sec"]) == ("ORDER_RATE_LIMITED", 10)
    assert orders_of(runtime) == 10  # nothing stored, so nothing could be sent
    events = client.get("/api/risk/events").json()
    assert [(e["rule_type"], e["action"], e["symbol"], e["order_id"]) for e in events] == [
        ("order_rate", "block", "NSE:SBIN", None)
    ] * 2
    assert {e["origin"] for e in events} == {"api", "worker"}

    clock.advance(timedelta(milliseconds=1))  # a second after the first ten
    again = worker.place("run_a", "intent-0010", order("SBIN"))  # the key was left free
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "accepted"
    assert client.post("/api/orders", json=buy("SBIN")).status_code == 201
    assert orders_of(runtime) == 12


def test_another_client_has_a_second_of_their_own(
    client: TestClient, runtime: Runtime, worker: Worker
):
    for _ in range(10):
        assert client.post("/api/orders", json=buy()).status_code == 201
    assert client.post("/api/orders", json=buy()).status_code == 429

    other = TestClient(client.app)
    other_id = sign_in(other, runtime, "other@x.in")
    placed = other.post("/api/orders", json=buy())

    assert placed.status_code == 201, placed.text
    assert orders_of(runtime, other_id) == 1
    assert other.get("/api/risk/events").json() == []


def test_a_gtt_that_fires_past_the_ceiling_is_placed_by_recovery_a_second_later(
    client: TestClient, runtime: Runtime, clock: ManualClock, worker: Worker
):
    body = {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "SBIN",
            "trigger_values": ["790"],
            "last_price": "800",
        },
        "orders": [
            {
                "transaction_type": "BUY",
                "quantity": 1,
                "order_type": "LIMIT",
                "product": "CNC",
                "price": "790",
            }
        ],
    }
    created = client.post("/api/gtt/triggers", json=body)
    assert created.status_code == 201, created.text  # creating a trigger is no order
    for _ in range(10):
        assert client.post("/api/orders", json=buy()).status_code == 201

    tick = make_tick("NSE:SBIN", "790", ts=clock.now())
    runtime.quotes.update(tick)
    with runtime.db.session() as db:
        runtime.gtts.on_tick(db, tick)
        runtime.gtts.recover(db)  # still the same second: still no room

    trigger_id = created.json()["trigger_id"]
    with runtime.db.session() as db:
        fired = db.get(Gtt, trigger_id)
        assert fired is not None
        assert (fired.status, fired.order_pk) == ("triggered", None)
    assert orders_of(runtime) == 10

    clock.advance(timedelta(seconds=1))
    with runtime.db.session() as db:
        assert runtime.gtts.recover(db) == 1
        fired = db.get(Gtt, trigger_id)
        assert fired is not None
        assert fired.order_pk is not None
    assert orders_of(runtime) == 11


def test_a_modify_counts_and_a_refused_one_keeps_the_order_as_it_was(
    client: TestClient, runtime: Runtime, clock: ManualClock, worker: Worker
):
    resting = client.post("/api/orders", json=buy(order_type="LIMIT", price="1400"))
    assert resting.status_code == 201, resting.text
    order_id = resting.json()["order_id"]
    for _ in range(8):
        assert client.post("/api/orders", json=buy()).status_code == 201
    assert client.put(f"/api/orders/{order_id}", json={"price": "1410"}).status_code == 200

    refused = client.put(f"/api/orders/{order_id}", json={"price": "1420"})

    assert refused.status_code == 429, refused.text
    book = client.get("/api/portfolio/orders").json()
    assert [o["price"] for o in book if o["order_id"] == order_id] == [1410]
    clock.advance(timedelta(seconds=1))
    assert client.put(f"/api/orders/{order_id}", json={"price": "1420"}).status_code == 200


def test_two_server_processes_on_one_database_admit_ten_between_them(
    settings: Settings, clock: ManualClock, database: Database, tmp_path: Path
):
    """Two runtimes (as two server processes would) on one database, 16 orders at once: the
    window lives in the database, so exactly ten get through whichever process took them."""
    runtimes = [
        Runtime.build(
            settings.model_copy(update={"data_dir": tmp_path / f"p{i}"}),
            clock=clock,
            db=database,
            transport=LogTransport(),
        )
        for i in range(2)
    ]
    user_id = make_user(runtimes[0], "race@x.in")
    with database.session() as db:
        runtimes[0].exchange.deposit(db, user_id=user_id, amount=Decimal(100_000), note="test")
    for runtime in runtimes:
        set_price(runtime, "NSE:INFY", "1500")
    outcomes: list[bool] = []
    guard, start = threading.Lock(), threading.Barrier(16)
    # The two runtimes share one pool of 10 connections, which waits 1 s for one: at most 8
    # sessions at once, so on a slow machine no placement gives up on the pool (all 16 are
    # still inside one second of the clock, which does not move).
    slots = threading.BoundedSemaphore(8)

    def place(runtime: Runtime) -> None:
        start.wait()
        with slots, runtime.db.session() as db:
            try:
                placed = runtime.exchange.place(db, user_id=user_id, spec=LIMIT_BUY, last=None)
                ok = placed.status == "OPEN"
            except OrderRateExceeded:
                ok = False
        with guard:
            outcomes.append(ok)

    threads = [threading.Thread(target=place, args=(runtimes[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False] * 6 + [True] * 10
    assert orders_of(runtimes[0], user_id) == 10


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=400), st.booleans()), min_size=1, max_size=40
    )
)
def test_no_second_ever_holds_more_than_the_ceiling_and_a_refusal_means_full(
    database: Database, steps: list[tuple[int, bool]]
):
    """Any timing, exits (forced) mixed in: a refusal only when ten are in the last second,
    exits never refused, and never more than ten admitted entries in any second."""
    clock = ManualClock(START)
    ceiling = OrderRateCeiling(clock=clock, per_sec=10)
    user_id = 1 + abs(hash(tuple(steps))) % 1_000_000  # a fresh bucket per example
    counted: list[tuple[Any, bool]] = []  # (when, forced)
    with database.session() as db:
        for gap_ms, exit_only in steps:
            clock.advance(timedelta(milliseconds=gap_ms))
            wait = take_slot(db, ceiling.ask(user_id, force=exit_only))
            db.commit()
            recent = [t for t, _ in counted if t > clock.now() - WINDOW]
            if wait is None:
                counted.append((clock.now(), exit_only))
            else:
                assert not exit_only
                assert len(recent) >= 10
                assert timedelta(0) < wait <= WINDOW
    for i, (t, forced) in enumerate(counted):  # an entry got in only while fewer than ten
        if not forced:  # were counted in the second before it (itself included: ten)
            assert sum(1 for u, _ in counted[: i + 1] if t - WINDOW < u) <= 10


def _unstored(runtime: Runtime, db: Any, user_id: int, key: str) -> Order:
    instrument = runtime.exchange.context.catalog(db).get("NSE:INFY")
    return new_order(
        user_id,
        LIMIT_BUY,
        instrument,
        client_key=key,
        source="api",
        attribution=None,
        now=runtime.clock.now(),
    )


def test_an_order_takes_its_slot_with_its_claim_and_a_lost_key_takes_none(
    runtime: Runtime, clock: ManualClock
):
    """The slot rides with the claim (one statement on PostgreSQL): the claiming order
    takes one; the order that finds its key taken takes none; a full window stores nothing
    of the slot and says so (the gate then rolls the order back)."""
    user_id = make_user(runtime, "claims@x.in")
    ceiling = OrderRateCeiling(clock=clock, per_sec=2)
    with runtime.db.session() as db:
        first = _unstored(runtime, db, user_id, "k-1")
        stored, taken = claim_taking(db, first, ceiling.ask(user_id))
        assert stored is first
        assert taken is not None
        racer = _unstored(runtime, db, user_id, "k-1")  # the same key, a moment later
        stored, lost = claim_taking(db, racer, ceiling.ask(user_id))
        assert stored is first
        assert lost is None
        second = _unstored(runtime, db, user_id, "k-2")
        assert claim_taking(db, second, ceiling.ask(user_id))[1] is not None
        third = _unstored(runtime, db, user_id, "k-3")
        stored, full = claim_taking(db, third, ceiling.ask(user_id))
        assert stored is third  # stored, but the window is full
        assert full is None
        forced = _unstored(runtime, db, user_id, "k-4")  # an exit is counted all the same
        assert claim_taking(db, forced, ceiling.ask(user_id, force=True))[1] is not None
        slots = db.scalar(
            select(func.count())
            .select_from(AuthAttempt)
            .where(AuthAttempt.bucket == bucket(user_id))
        )
        assert slots == 3


def test_a_trade_the_claim_stores_keeps_its_own_columns(runtime: Runtime, clock: ManualClock):
    """The claim binds a trade's who-where-what columns once, from its order: a trade whose
    columns differ is not stored by the claim (the ledger stores it as it is)."""
    user_id = make_user(runtime, "trade-claims@x.in")
    with runtime.db.session() as db:
        order = _unstored(runtime, db, user_id, "k-t")
        trade: dict[str, Any] = {
            "trade_id": "T-claim-1",
            "broker": order.broker,
            "exchange": order.exchange,
            "tradingsymbol": order.tradingsymbol,
            "instrument_token": order.instrument_token,
            "product": "MIS",  # not the order's CNC
            "transaction_type": order.transaction_type,
            "quantity": 1,
            "price": Decimal("1400"),
            "filled_at": clock.now(),
            "trade_date": clock.now().date().isoformat(),
            "charges": Decimal("0.05"),
            "charges_note": None,
            "broker_trade_id": None,
            "book": order.book,
            "user_id": user_id,
        }
        stored, _ = claim_taking(db, order, None, trade=trade)
        assert stored is order
        assert "id" not in trade  # left to the ledger
        assert db.scalar(select(func.count()).select_from(Trade)) == 0
        trade["product"] = order.product  # wholly its order's: stored with it
        again = _unstored(runtime, db, user_id, "k-t2")
        trade["user_id"] = again.user_id
        claim_taking(db, again, None, trade=trade)
        expected = 1 if db.get_bind().dialect.name == "postgresql" else 0
        assert db.scalar(select(func.count()).select_from(Trade)) == expected
        assert ("id" in trade) == bool(expected)
