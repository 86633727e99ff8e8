"""Orders above the freeze quantity (issue 54): sliced by Kite's rule on paper through
the one pipeline, refused without ``autoslice`` or past the cap; the risk gate judges the
parent once, SEBI's ceiling counts every child."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.fno import NIFTY_FUT, fno_catalog
from tests.integration.conftest import PAPER_DEPOSIT, PAPER_START
from tests.integration.test_paper_margins import Quotes
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import InvalidField, OrderRateExceeded
from tradertape.oms import SubmitOrder
from tradertape.oms.order_rate import OrderRateCeiling
from tradertape.oms.orders import OrderPipeline
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.slicing import KITE_SLICE_CAP, UPSTOX_SLICE_CAP, slices
from tradertape.ports.clock import ManualClock
from tradertape.services.accounts.users import create_user

FREEZE = 1800  # NIFTY's shipped freeze quantity
LOT = NIFTY_FUT.lot_size  # 65: a slice is 27 lots, 1,755
PER = (FREEZE // LOT) * LOT


@given(
    lots=st.integers(min_value=1, max_value=2000),
    lot=st.integers(min_value=1, max_value=1000),
    freeze_lots=st.integers(min_value=1, max_value=60),
    extra=st.integers(min_value=0, max_value=999),
    cap=st.sampled_from([KITE_SLICE_CAP, UPSTOX_SLICE_CAP]),
)
def test_children_sum_to_the_parent_each_within_the_freeze_in_lots(
    lots: int, lot: int, freeze_lots: int, extra: int, cap: int
) -> None:
    quantity, freeze = lots * lot, freeze_lots * lot + extra % lot
    if quantity > cap * freeze_lots * lot:
        with pytest.raises(InvalidField) as refused:
            slices(quantity, freeze, lot, cap=cap)
        assert refused.value.field == "quantity"
        return
    children = slices(quantity, freeze, lot, cap=cap)
    assert sum(children) == quantity
    assert all(0 < child <= freeze and child % lot == 0 for child in children)
    assert len(children) <= cap


class Desk:
    def __init__(self, database: Database) -> None:
        self.clock = ManualClock(PAPER_START)
        self.quotes = Quotes(self.clock)
        self.exchange = PaperExchange(
            clock=self.clock, calendar=nse_calendar(), catalog=fno_catalog(), quotes=self.quotes
        )
        gtts = GttBook(clock=self.clock, calendar=nse_calendar(), exchange=self.exchange)
        self.pipeline = OrderPipeline(exchange=self.exchange, gtts=gtts, quotes=self.quotes)
        with database.session() as db:
            self.user_id = create_user(db, clock=self.clock, email="slices@x.in").id
            self.exchange.deposit(db, user_id=self.user_id, amount=PAPER_DEPOSIT * 100)

    def spec(self, quantity: int, *, autoslice: bool) -> OrderSpec:
        return OrderSpec(
            exchange=NIFTY_FUT.exchange,
            tradingsymbol=NIFTY_FUT.tradingsymbol,
            transaction_type=TransactionType.BUY,
            quantity=quantity,
            product=Product.NRML,
            order_type=OrderType.LIMIT,
            price=Decimal("26000"),
            autoslice=autoslice,
        )


@pytest.fixture
def desk(database: Database) -> Desk:
    return Desk(database)


def test_above_the_freeze_without_autoslice_is_refused_naming_quantity(database, desk):
    with database.session() as db:
        with pytest.raises(InvalidField) as refused:
            desk.pipeline.submit(
                db,
                SubmitOrder(
                    user_id=desk.user_id, spec=desk.spec(PER + LOT, autoslice=False), last=None
                ),
            )
        assert refused.value.field == "quantity"
        assert "freeze quantity 1800" in refused.value.message
        assert "autoslice" in refused.value.message
        assert db.scalars(select(Order)).all() == []


def test_autoslice_places_linked_children_and_a_retry_finds_them(database, desk):
    quantity = 2 * PER + 3 * LOT
    with database.session() as db:
        placed = desk.pipeline.submit(
            db,
            SubmitOrder(
                user_id=desk.user_id,
                spec=desk.spec(quantity, autoslice=True),
                last=None,
                client_key="slice-key-1",
            ),
        )
        assert placed.children is not None
        assert [c.quantity for c in placed.children] == [PER, PER, 3 * LOT]
        assert {c.slice_parent for c in placed.children} == {placed.order.slice_parent}
        assert placed.order.slice_parent is not None
        assert all(c.status == "OPEN" for c in placed.children)
        again = desk.pipeline.submit(
            db,
            SubmitOrder(
                user_id=desk.user_id,
                spec=desk.spec(quantity, autoslice=True),
                last=None,
                client_key="slice-key-1",
            ),
        )
        assert again.replayed
        assert again.children is not None
        assert [c.order_id for c in again.children] == [c.order_id for c in placed.children]
        assert len(db.scalars(select(Order)).all()) == 3


def test_past_ten_slices_is_refused(database, desk):
    with database.session() as db:
        with pytest.raises(InvalidField) as refused:
            desk.pipeline.submit(
                db,
                SubmitOrder(
                    user_id=desk.user_id,
                    spec=desk.spec(KITE_SLICE_CAP * PER + LOT, autoslice=True),
                    last=None,
                ),
            )
        assert refused.value.field == "quantity"
        assert db.scalars(select(Order)).all() == []
        placed = desk.pipeline.submit(
            db,
            SubmitOrder(
                user_id=desk.user_id,
                spec=desk.spec(KITE_SLICE_CAP * PER, autoslice=True),
                last=None,
            ),
        )
        assert placed.children is not None
        assert len(placed.children) == KITE_SLICE_CAP


def test_every_child_takes_a_slot_under_the_rate_ceiling(database, desk):
    desk.exchange.context.gate.limit_rate(
        OrderRateCeiling(clock=desk.clock, per_sec=2), on_refusal=None
    )
    with database.session() as db:
        with pytest.raises(OrderRateExceeded):
            desk.pipeline.submit(
                db,
                SubmitOrder(
                    user_id=desk.user_id, spec=desk.spec(3 * PER, autoslice=True), last=None
                ),
            )
        assert db.scalars(select(Order)).all() == []  # paper: all children or none
        placed = desk.pipeline.submit(
            db,
            SubmitOrder(user_id=desk.user_id, spec=desk.spec(2 * PER, autoslice=True), last=None),
        )
        assert placed.children is not None
        assert len(placed.children) == 2


def test_the_gate_judges_the_parent_once(database, desk):
    seen: list[int] = []

    def check(db, order, instrument, last):
        seen.append(order.quantity)
        return None

    desk.exchange.register_pre_trade(check)
    with database.session() as db:
        placed = desk.pipeline.submit(
            db,
            SubmitOrder(user_id=desk.user_id, spec=desk.spec(3 * PER, autoslice=True), last=None),
        )
    assert placed.children is not None
    assert len(placed.children) == 3
    assert seen == [3 * PER]  # once, at the parent's quantity


def test_cash_orders_are_never_sliced(database, desk):
    with database.session() as db:
        spec = OrderSpec(
            exchange=NIFTY_FUT.exchange.NSE,
            tradingsymbol="INFY",
            transaction_type=TransactionType.BUY,
            quantity=100_000,
            product=Product.CNC,
            order_type=OrderType.LIMIT,
            price=Decimal("1"),
        )
        placed = desk.pipeline.submit(db, SubmitOrder(user_id=desk.user_id, spec=spec, last=None))
    assert placed.children is None


def test_an_exit_is_sliced_without_autoslice_and_past_the_cap(database, desk):
    with database.session() as db:
        placed = desk.pipeline.submit(
            db,
            SubmitOrder(
                user_id=desk.user_id,
                spec=desk.spec(12 * PER, autoslice=False),
                last=None,
                exit_only=True,
            ),
        )
    assert placed.children is not None
    assert [c.quantity for c in placed.children] == [PER] * 12
