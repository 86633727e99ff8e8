"""The funds check on the database: F&O margins by the table (docs/margins.md), positions
that keep their margin after the fill, exits that are never refused, marks that move
what is free. Figures to the rupee, with the account's own charges where fills cost some.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fno import (
    ABB_FUT,
    AMBER_FUT,
    NIFTY_CE,
    NIFTY_CE_FAR,
    NIFTY_FUT,
    RELIANCE_FUT,
    fno_catalog,
)
from tests.integration.conftest import PAPER_DEPOSIT, PAPER_START
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Instrument
from tradertape.domain.margins import Margin, MarginRates
from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import BadRequest
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.ports.clock import ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

BUY, SELL = TransactionType.BUY, TransactionType.SELL
NIFTY_INDEX = "NSE:NIFTY 50"


class Quotes:
    """The feed's last ticks, set by hand."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.prices: dict[str, Decimal] = {}

    def set(self, key: str, price: str) -> Tick:
        self.prices[key] = Decimal(price)
        tick = self(key)
        assert tick is not None
        return tick

    def __call__(self, key: str) -> Tick | None:
        price = self.prices.get(key)
        return None if price is None else make_tick(key, price, ts=self.clock.now())


@dataclass(frozen=True)
class Desk:
    """A paper exchange listing F&O contracts, with one user holding ₹10 lakh."""

    clock: ManualClock
    quotes: Quotes
    exchange: PaperExchange
    user_id: int

    def place(
        self,
        db: Session,
        instrument: Instrument,
        side: TransactionType,
        quantity: int,
        price: str | None = None,
        **kw: Any,
    ) -> Order:
        spec = OrderSpec(
            exchange=instrument.exchange,
            tradingsymbol=instrument.tradingsymbol,
            transaction_type=side,
            quantity=quantity,
            product=kw.pop("product", Product.NRML),
            order_type=kw.pop("order_type", OrderType.LIMIT if price else OrderType.MARKET),
            price=Decimal(price) if price else None,
            **kw,
        )
        return self.exchange.place(
            db, user_id=self.user_id, spec=spec, last=self.quotes(instrument.key)
        )


@pytest.fixture
def desk(database: Database) -> Desk:
    clock = ManualClock(PAPER_START)
    quotes = Quotes(clock)
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=fno_catalog(),
        config=PaperConfig(
            match=MatchConfig(participation=Decimal(1)),
            margins=MarginRates(scenarios=False),  # the table's figures, by hand
        ),
        quotes=quotes,
    )
    with database.session() as db:
        user_id = create_user(db, clock=clock, email="fno@x.in").id
        exchange.deposit(db, user_id=user_id, amount=PAPER_DEPOSIT)
    return Desk(clock, quotes, exchange, user_id)


def _charges(db: Session) -> Decimal:
    return sum(db.scalars(select(Trade.charges)), Decimal(0))  # exact: summed in Python


@pytest.mark.parametrize(
    ("instrument", "side", "lots", "limit", "market", "index", "blocked"),
    [
        # 65 × 26,000 = 16,90,000: SPAN 12 % (2,02,800) + exposure 2 % (33,800).
        pytest.param(NIFTY_FUT, BUY, 1, "26000", "26100", None, "236600", id="index-future"),
        pytest.param(NIFTY_FUT, SELL, 1, "26100", "26000", None, "237510", id="index-short"),
        # 7,00,000 of stock futures: 15 %, 20 % or 25 % SPAN by bucket, + 3.5 % exposure.
        pytest.param(RELIANCE_FUT, BUY, 1, "1400", "1410", None, "129500", id="low-vol-stock"),
        pytest.param(ABB_FUT, BUY, 1, "5600", "5610", None, "164500", id="mid-vol-stock"),
        pytest.param(AMBER_FUT, BUY, 1, "7000", "7010", None, "199500", id="high-vol-stock"),
        # A bought option holds its premium: 65 × 200.
        pytest.param(NIFTY_CE, BUY, 1, "200", "210", None, "13000", id="long-option"),
        # A sold option is margined on the index's notional: 65 × 25,900 at 14 %.
        pytest.param(NIFTY_CE, SELL, 1, "210", "200", "25900", "235690", id="short-option"),
        # No quote for the index: the strike stands in, 65 × 26,000 at 14 %.
        pytest.param(NIFTY_CE, SELL, 1, "210", "200", None, "236600", id="short-option-no-spot"),
        pytest.param(NIFTY_CE, SELL, 2, "210", "200", None, "473200", id="two-lots"),
    ],
)
def test_a_resting_fno_order_blocks_the_tables_margin(
    desk: Desk, database: Database, instrument, side, lots, limit, market, index, blocked
):
    desk.quotes.set(instrument.key, market)
    if index is not None:
        desk.quotes.set(NIFTY_INDEX, index)
    with database.session() as db:
        order = desk.place(db, instrument, side, lots * instrument.lot_size, limit)
        assert order.status == "OPEN"  # not marketable: it rests and holds margin
        assert desk.exchange.blocked(db, desk.user_id) == Decimal(blocked)
        assert desk.exchange.margins(db, desk.user_id).available == PAPER_DEPOSIT - Decimal(blocked)


def test_an_order_the_account_cannot_carry_is_rejected_with_kites_wording(
    desk: Desk, database: Database
):
    desk.quotes.set(NIFTY_FUT.key, "26000")
    with database.session() as db:
        order = desk.place(db, NIFTY_FUT, BUY, 5 * 65)  # 5 × 2,36,600
    assert order.status == "REJECTED"
    assert order.status_message == (
        "Insufficient funds. Required margin is 11,83,000.00 but available margin is 10,00,000.00."
    )


def test_sold_options_keep_their_margin_once_filled(desk: Desk, database: Database):
    # Each lot sold holds 2,36,600 however many were sold before it: four fit in ₹10 lakh
    # (the premium received is the position's, not free cash), the fifth does not.
    desk.quotes.set(NIFTY_CE.key, "200")
    with database.session() as db:
        sold = [desk.place(db, NIFTY_CE, SELL, 65) for _ in range(5)]
        charges = _charges(db)
        available = desk.exchange.margins(db, desk.user_id).available
    assert [o.status for o in sold] == ["COMPLETE"] * 4 + ["REJECTED"]
    assert available == PAPER_DEPOSIT - 4 * Decimal(236_600) - charges
    assert sold[-1].status_message == (
        "Insufficient funds. Required margin is 2,36,600.00 "
        f"but available margin is {available.quantize(Decimal('0.01')):,}."
    )


def test_an_exit_is_never_refused_but_a_new_position_is(desk: Desk, database: Database):
    desk.quotes.set(NIFTY_FUT.key, "26000")
    with database.session() as db:
        bought = desk.place(db, NIFTY_FUT, BUY, 4 * 65)  # 9,46,400 of ₹10 lakh
        assert bought.status == "COMPLETE"
        desk.quotes.set(NIFTY_FUT.key, "25000")  # a ₹2.6 lakh loss: nothing is free now
        account = desk.exchange.margins(db, desk.user_id)
        charges = _charges(db)
        # 4 × 65 × 25,000 = 65,00,000 at 14 % is 9,10,000; cash paid 67,60,000 and charges.
        assert account.positions.total == Decimal(910_000)
        assert account.available == PAPER_DEPOSIT - 260_000 - 910_000 - charges
        more = desk.place(db, NIFTY_FUT, BUY, 65)
        too_far = desk.place(db, NIFTY_FUT, SELL, 5 * 65)  # the fifth lot would be a short
        out = desk.place(db, NIFTY_FUT, SELL, 4 * 65)
    assert more.status == too_far.status == "REJECTED"
    assert out.status == "COMPLETE"


def test_positions_are_marked_to_the_last_price(desk: Desk, database: Database):
    infy = fno_catalog().get("NSE:INFY")
    desk.quotes.set("NSE:INFY", "1400")
    with database.session() as db:
        desk.place(db, infy, BUY, 100, product=Product.MIS)
        charges = _charges(db)
        desk.quotes.set("NSE:INFY", "1300")
        account = desk.exchange.margins(db, desk.user_id)
    # A ₹10,000 loss, and 20 % of 1,30,000 held.
    assert account.positions.total == Decimal(26_000)
    assert account.available == PAPER_DEPOSIT - charges - 10_000 - 26_000


def test_a_second_exit_for_the_same_shares_is_margined_like_a_new_position(
    desk: Desk, database: Database
):
    infy = fno_catalog().get("NSE:INFY")
    desk.quotes.set("NSE:INFY", "1400")
    with database.session() as db:
        desk.place(db, infy, BUY, 100, product=Product.MIS)
        target = desk.place(db, infy, SELL, 100, "1450", product=Product.MIS)
        assert desk.exchange.blocked(db, desk.user_id) == 0  # it closes the long
        stop = desk.place(
            db,
            infy,
            SELL,
            100,
            None,
            product=Product.MIS,
            order_type=OrderType.SL_M,
            trigger_price=Decimal("1350"),
        )
        blocked = desk.exchange.blocked(db, desk.user_id)
    assert (target.status, stop.status) == ("OPEN", "TRIGGER PENDING")
    assert blocked == Decimal(27_000)  # 20 % of 100 × 1,350: the second exit could go short


def test_the_account_splits_what_it_holds_into_span_exposure_and_premium(
    desk: Desk, database: Database
):
    desk.quotes.set(NIFTY_FUT.key, "26000")
    desk.quotes.set(NIFTY_CE.key, "200")
    with database.session() as db:
        desk.place(db, NIFTY_FUT, BUY, 65)
        desk.place(db, NIFTY_CE, BUY, 65, "190")  # rests: its premium is held
        used = desk.exchange.margins(db, desk.user_id).used
    assert (used.span, used.exposure, used.option_premium) == (
        Decimal(202_800),
        Decimal(33_800),
        Decimal(12_350),
    )


def test_a_modification_the_account_cannot_carry_changes_nothing(desk: Desk, database: Database):
    infy = fno_catalog().get("NSE:INFY")
    desk.quotes.set("NSE:INFY", "1500")
    with database.session() as db:
        order = desk.place(db, infy, BUY, 100, "1400", product=Product.CNC)  # rests: 1,40,000
        with pytest.raises(BadRequest) as refused:
            desk.exchange.modify(
                db,
                user_id=desk.user_id,
                order_id=order.order_id,
                changes={"quantity": 800},
                last=desk.quotes("NSE:INFY"),
            )
        db.refresh(order)
        assert (order.quantity, order.status) == (100, "OPEN")
        # Its own 1,40,000 is freed for its new terms: 700 × 1,400 = 9,80,000 fits.
        bigger = desk.exchange.modify(
            db,
            user_id=desk.user_id,
            order_id=order.order_id,
            changes={"quantity": 700},
            last=desk.quotes("NSE:INFY"),
        )
        blocked = desk.exchange.blocked(db, desk.user_id)
    assert refused.value.detail == (
        "Insufficient funds. Required margin is 11,20,000.00 but available margin is 10,00,000.00."
    )
    assert (bigger.quantity, blocked) == (700, Decimal(980_000))


def test_a_sold_call_covered_by_a_held_call_needs_only_the_spreads_margin(
    desk: Desk, database: Database
):
    # Five bull call spreads (docs/margins.md): 26000 CE bought at 200 (65,000 paid), 26100
    # CE sold at 150. Alone each sold lot would hold 65 × 26,000 × 14 % = 2,36,600 (11,83,000
    # for five, more than ₹10 lakh); covered, only its exposure, 2 % = 33,800 a lot.
    desk.quotes.set(NIFTY_INDEX, "26000")
    desk.quotes.set(NIFTY_CE.key, "200")
    desk.quotes.set(NIFTY_CE_FAR.key, "150")
    with database.session() as db:
        bought = desk.place(db, NIFTY_CE, BUY, 5 * 65)
        sold = desk.place(db, NIFTY_CE_FAR, SELL, 5 * 65)
        account = desk.exchange.margins(db, desk.user_id)
        charges = _charges(db)
    assert (bought.status, sold.status) == ("COMPLETE", "COMPLETE")
    assert account.used == Margin(exposure=Decimal(169_000))
    assert account.available == PAPER_DEPOSIT - 65_000 - 169_000 - charges


def test_a_bought_call_still_working_covers_nothing(desk: Desk, database: Database):
    # The hedge must be held: a resting buy may never fill, so the sell needs the table's
    # full margin, 5 × 2,36,600, and is refused.
    desk.quotes.set(NIFTY_INDEX, "26000")
    desk.quotes.set(NIFTY_CE.key, "200")
    desk.quotes.set(NIFTY_CE_FAR.key, "150")
    with database.session() as db:
        resting = desk.place(db, NIFTY_CE, BUY, 5 * 65, "190")
        sold = desk.place(db, NIFTY_CE_FAR, SELL, 5 * 65)
    assert (resting.status, sold.status) == ("OPEN", "REJECTED")
    assert sold.status_message is not None
    assert sold.status_message.startswith("Insufficient funds. Required margin is 11,83,000.00")


def test_a_sold_call_covered_by_a_held_future_needs_the_futures_margin_only(
    desk: Desk, database: Database
):
    """Bought one NIFTY November future at 26,000 (SPAN 12 % × 65 × 26,000 = 2,02,800 +
    exposure 2 % = 33,800), then sold 26000 CE November at 200 (alone 2,02,800 + 33,800
    more). Held together the call loses above the strike what the future gains, so only
    its exposure is added: SPAN 2,02,800, exposure 67,600 (docs/margins.md). A future still
    working covers nothing: a second call sold then needs its own SPAN, 2,02,800."""
    desk.quotes.set(NIFTY_INDEX, "26000")
    desk.quotes.set(NIFTY_FUT.key, "26000")
    desk.quotes.set(NIFTY_CE.key, "200")
    with database.session() as db:
        future = desk.place(db, NIFTY_FUT, BUY, 65)
        call = desk.place(db, NIFTY_CE, SELL, 65)
        account = desk.exchange.margins(db, desk.user_id)
    assert (future.status, call.status) == ("COMPLETE", "COMPLETE")
    assert account.used == Margin(span=Decimal(202_800), exposure=Decimal(67_600))
    with database.session() as db:
        resting = desk.place(db, NIFTY_FUT, BUY, 65, "21000")  # below the market: it rests
        more = desk.place(db, NIFTY_CE, SELL, 65)
        after = desk.exchange.margins(db, desk.user_id)
    assert (resting.status, more.status) == ("OPEN", "COMPLETE")
    # the held future, the second call's own SPAN, the resting buy's (12 % × 65 × 21,000)
    assert after.used.span == Decimal(202_800) * 2 + Decimal(163_800)
