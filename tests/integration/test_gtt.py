"""GTT triggers: Kite's payload rules, direction from the LTP at creation, OCO, and
firing exactly once — across repeated ticks, racing threads and a crash before placement."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.integration.conftest import PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.errors import BadRequest, InvalidField
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=IST)


def leg(side: str, qty: int, price: str) -> dict[str, object]:
    return {
        "transaction_type": side,
        "quantity": qty,
        "order_type": "LIMIT",
        "product": "CNC",
        "price": price,
    }


def buy_gtt(trigger: str = "1450", last: float = 1400.0) -> GttSpec:
    return GttSpec(
        exchange="NSE",
        tradingsymbol="INFY",
        trigger_values=[trigger],
        last_price=last,
        orders=[leg("BUY", 10, "1455")],
    )


def tick(clock: ManualClock, price: str) -> Tick:
    return make_tick("NSE:INFY", price, ts=clock.now())


@pytest.fixture
def book(paper: PaperDesk) -> tuple[GttBook, ManualClock, int]:
    gtts = GttBook(clock=paper.clock, calendar=nse_calendar(), exchange=paper.exchange)
    return gtts, paper.clock, paper.user_id


def orders_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Order)) or 0


def test_single_buy_fires_once_when_price_rises_to_the_trigger(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        gtt = gtts.create(db, user_id=user_id, spec=buy_gtt())
        assert gtt.expires_at == gtt.created_at + timedelta(days=365)
        assert gtts.on_tick(db, tick(clock, "1449.90")) == []
        fired = gtts.on_tick(db, tick(clock, "1450"))
        again = gtts.on_tick(db, tick(clock, "1460"))
        order = gtts.orders_of(db, fired)[gtt.id]
        db.refresh(gtt)
    assert [g.id for g in fired] == [gtt.id]
    assert again == []
    assert gtt.status == "triggered"
    assert (order.order_type, order.price, order.status) == ("LIMIT", Decimal("1455"), "COMPLETE")
    assert order.source == "gtt"
    assert gtt.result is not None
    assert gtt.result["order_result"]["order_id"] == order.order_id


def test_two_leg_oco_fires_one_leg_only(book, database: Database):
    gtts, clock, user_id = book
    spec = GttSpec(
        exchange="NSE",
        tradingsymbol="INFY",
        trigger_values=["1300", "1500"],
        last_price=1400,
        orders=[leg("SELL", 5, "1295"), leg("SELL", 5, "1495")],
    )
    with database.session() as db:
        gtt = gtts.create(db, user_id=user_id, spec=spec)
        gtts.on_tick(db, tick(clock, "1510"))  # target leg
        gtts.on_tick(db, tick(clock, "1290"))  # the stop leg must not fire any more
        db.refresh(gtt)
        assert orders_count(db) == 1
    assert gtt.type == "two-leg"
    assert gtt.triggered_leg == 1


def test_gap_through_the_trigger_fires(book, database: Database):
    gtts, clock, user_id = book
    sell = GttSpec(
        exchange="NSE",
        tradingsymbol="INFY",
        trigger_values=["1350"],
        last_price=1400,
        orders=[leg("SELL", 1, "1345")],
    )
    with database.session() as db:
        gtts.create(db, user_id=user_id, spec=sell)
        assert len(gtts.on_tick(db, tick(clock, "1300"))) == 1


def test_not_evaluated_outside_market_hours(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        gtts.create(db, user_id=user_id, spec=buy_gtt())
        clock.set(datetime(2026, 11, 20, 18, 0, tzinfo=IST))
        assert gtts.on_tick(db, tick(clock, "1500")) == []


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param(buy_gtt(trigger="abc"), "condition.trigger_values[0]", id="nan-trigger"),
        pytest.param(
            GttSpec("NSE", "NOPE", ["1"], 1, [leg("BUY", 1, "1")]),
            "condition.tradingsymbol",
            id="unknown",
        ),
        pytest.param(
            GttSpec(
                "NSE", "INFY", ["1500", "1300"], 1400, [leg("SELL", 1, "1"), leg("SELL", 1, "1")]
            ),
            "condition.trigger_values",
            id="oco-order",
        ),
        pytest.param(GttSpec("NSE", "INFY", ["1450"], 1400, []), "orders", id="no-order"),
        pytest.param(
            GttSpec("NSE", "NIFTY 50", ["25000"], 24900, [leg("BUY", 65, "25001")]),
            "condition.tradingsymbol",
            id="index",
        ),
        pytest.param(
            GttSpec("NSE", "INFY", ["1450"], 1400, [{**leg("BUY", 1, "1455"), "product": "MIS"}]),
            "orders[0].product",
            id="mis",
        ),
        pytest.param(
            GttSpec(
                "NSE", "INFY", ["1450"], 1400, [{**leg("BUY", 1, "1455"), "order_type": "MARKET"}]
            ),
            "orders[0].order_type",
            id="market-leg",
        ),
        pytest.param(
            GttSpec("NSE", "INFY", ["1450"], 1400, [leg("BUY", 0, "1455")]),
            "orders[0].quantity",
            id="zero-qty",
        ),
    ],
)
def test_invalid_gtts_name_the_field_and_store_nothing(book, database, spec, field):
    gtts, _, user_id = book
    with database.session() as db:
        with pytest.raises(InvalidField) as info:
            gtts.create(db, user_id=user_id, spec=spec)
        assert db.scalar(select(func.count()).select_from(Gtt)) == 0
    assert info.value.field == field


def test_delete_and_expiry(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        first = gtts.create(db, user_id=user_id, spec=buy_gtt())
        second = gtts.create(db, user_id=user_id, spec=buy_gtt())
        assert gtts.delete(db, user_id=user_id, trigger_id=first.id).status == "deleted"
        with pytest.raises(BadRequest):
            gtts.delete(db, user_id=user_id, trigger_id=first.id)
        clock.advance(timedelta(days=365))
        assert gtts.expire_due(db) == 1
        db.refresh(second)
        assert second.status == "expired"
        assert gtts.on_tick(db, tick(clock, "1500")) == []


def test_modify_moves_an_active_trigger_in_place_and_never_a_fired_one(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        gtt = gtts.create(db, user_id=user_id, spec=buy_gtt())
        moved = gtts.modify(
            db, user_id=user_id, trigger_id=gtt.id, spec=buy_gtt(trigger="1470", last=1420.0)
        )
        db.commit()
        assert (moved.id, moved.trigger_values, moved.last_price) == (gtt.id, ["1470"], 1420)
        assert gtts.on_tick(db, tick(clock, "1460")) == []  # the old trigger is gone
        assert [g.id for g in gtts.on_tick(db, tick(clock, "1470"))] == [gtt.id]
        with pytest.raises(BadRequest, match="triggered"):
            gtts.modify(db, user_id=user_id, trigger_id=gtt.id, spec=buy_gtt(trigger="1480"))
        other = GttSpec("NSE", "TCS", ["3000"], 2900, [leg("BUY", 1, "3001")])
        with pytest.raises(InvalidField):
            gtts.modify(db, user_id=user_id, trigger_id=gtt.id, spec=other)


def test_cancel_retires_only_an_active_trigger_in_the_callers_transaction(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        first = gtts.create(db, user_id=user_id, spec=buy_gtt())
        second = gtts.create(db, user_id=user_id, spec=buy_gtt(trigger="1460"))
        assert gtts.cancel(db, trigger_id=first.id)
        db.rollback()  # the caller's transaction failed: the trigger stands
        db.refresh(first)
        assert first.status == "active"
        assert gtts.cancel(db, trigger_id=first.id)
        db.commit()
        assert not gtts.cancel(db, trigger_id=first.id)
        gtts.on_tick(db, tick(clock, "1460"))
        assert not gtts.cancel(db, trigger_id=second.id)  # it fired
        db.refresh(first)
        db.refresh(second)
    assert (first.status, second.status) == ("cancelled", "triggered")


def test_create_without_commit_is_undone_with_the_callers_transaction(book, database: Database):
    gtts, _, user_id = book
    with database.session() as db:
        gtt = gtts.create(db, user_id=user_id, spec=buy_gtt(), commit=False)
        assert gtt.id is not None
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Gtt)) == 0


def test_racing_ticks_fire_a_trigger_once(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        gtts.create(db, user_id=user_id, spec=buy_gtt())
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def evaluate() -> None:
        start.wait()
        try:
            with database.session() as db:
                gtts.on_tick(db, tick(clock, "1451"))
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=evaluate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as db:
        assert orders_count(db) == 1
    assert errors == []


def test_crash_between_claim_and_placement_is_recovered_once(book, database: Database):
    gtts, clock, user_id = book
    with database.session() as db:
        gtt = gtts.create(db, user_id=user_id, spec=buy_gtt())
        # what a crash leaves behind: the trigger claimed, no order placed
        gtt.status, gtt.triggered_leg, gtt.triggered_at = "triggered", 0, clock.now()
        db.commit()
        assert gtts.recover(db) == 1
        assert gtts.recover(db) == 0
        assert orders_count(db) == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.lists(st.integers(min_value=12_000, max_value=16_000), min_size=1, max_size=30))
def test_a_gtt_fires_at_most_once_and_only_after_its_trigger(database: Database, path: list[int]):
    clock = ManualClock(MORNING)
    exchange = PaperExchange(clock=clock, calendar=nse_calendar(), catalog=reference_catalog())
    gtts = GttBook(clock=clock, calendar=nse_calendar(), exchange=exchange)
    with database.session() as db:
        user_id = create_user(db, clock=clock, email=f"{uuid.uuid4().hex[:12]}@x.in").id
        gtt = gtts.create(db, user_id=user_id, spec=buy_gtt())
        fired_at = []
        for i, paise in enumerate(path):
            price = Decimal(paise) / 10
            if gtts.on_tick(db, tick(clock, str(price))):
                fired_at.append(i)
        crossed = [i for i, p in enumerate(path) if Decimal(p) / 10 >= Decimal(1450)]
        assert fired_at == crossed[:1]
        db.refresh(gtt)
        assert (gtt.status == "triggered") == bool(crossed)
