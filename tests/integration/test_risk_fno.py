"""Risk rules value F&O entries as the order preview does: an option at its premium ×
quantity, from the preview's price source when the order carries no tick; a future at
the margin the preview estimates (not its notional). An entry nothing can value is
refused, and the refusal is a risk event like any other."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fno import NIFTY_CE, NIFTY_FUT, NIFTY_PE, fno_catalog
from tests.integration.conftest import PAPER_DEPOSIT, PAPER_START
from tests.integration.test_paper_margins import Quotes
from tradertape.db.engine import Database
from tradertape.db.models.risk import RiskEvent
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Instrument
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.risk import RuleType
from tradertape.oms.order_log import new_order
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.ports.clock import ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.services.risk import PaperExposure, RiskBooks, RiskMonitor
from tradertape.services.risk.monitor import NO_PRICE
from tradertape.services.risk.rules import RuleFields, create

LIMIT = Decimal(500_000)  # the order-value rule: ₹5 lakh


class Desk:
    """An F&O paper desk whose only price source is the preview's (`quotes`), with a
    blocking ₹5 lakh order-value rule."""

    def __init__(self, database: Database) -> None:
        self.clock = ManualClock(PAPER_START)
        self.quotes = Quotes(self.clock)
        self.exchange = PaperExchange(
            clock=self.clock, calendar=nse_calendar(), catalog=fno_catalog(), quotes=self.quotes
        )
        exposure = PaperExposure(
            clock=self.clock, catalog=self.exchange.catalog, last_tick=self.quotes
        )
        self.risk = RiskMonitor(
            clock=self.clock,
            books=RiskBooks(exposure),
            catalog=self.exchange.catalog,
            last_tick=self.quotes,
            margins=self.exchange.config.margins,
        )
        self.exchange.register_pre_trade(self.risk.pre_trade)
        with database.session() as db:
            self.user_id = create_user(db, clock=self.clock, email="fnorisk@x.in").id
            self.exchange.deposit(db, user_id=self.user_id, amount=PAPER_DEPOSIT * 10)
            fields = RuleFields(type=RuleType.MAX_ORDER_VALUE, threshold_amount=LIMIT)
            create(db, fields, clock=self.clock, user_id=self.user_id)

    def spec(self, instrument: Instrument, lots: int) -> OrderSpec:
        return OrderSpec(
            exchange=instrument.exchange,
            tradingsymbol=instrument.tradingsymbol,
            transaction_type=TransactionType.BUY,
            quantity=lots * instrument.lot_size,
            product=Product.NRML,
            order_type=OrderType.MARKET,
        )

    def buy(self, db: Session, instrument: Instrument, lots: int) -> tuple[str, str | None]:
        """A market buy placed as the order ticket places it: no tick of the contract."""
        order = self.exchange.place(
            db, user_id=self.user_id, spec=self.spec(instrument, lots), last=None
        )
        return order.status, order.status_message


@pytest.fixture
def desk(database: Database) -> Desk:
    return Desk(database)


def _events(db: Session) -> list[tuple[str, str, Decimal | None]]:
    rows = db.scalars(select(RiskEvent).order_by(RiskEvent.id))
    return [(e.rule_type, e.symbol, e.value) for e in rows]


def test_an_option_is_valued_at_its_premium_from_the_previews_price(desk: Desk, database: Database):
    desk.quotes.set(NIFTY_CE.key, "163.20")  # what the preview priced it at
    with database.session() as db:
        # 65 × 163.20 = 10,608: well under the limit, never "no price".
        assert desk.buy(db, NIFTY_CE, 1)[0] != "REJECTED"
        # 48 lots: 3,120 × 163.20 = 5,09,184, over ₹5 lakh.
        status, message = desk.buy(db, NIFTY_CE, 48)
        assert status == "REJECTED"
        assert message == (
            "Order rejected by risk rule: order value ₹5,09,184.00 is over the ₹5,00,000.00 limit"
        )
        db.commit()
        assert _events(db) == [("max_order_value", NIFTY_CE.key, Decimal("509184.00"))]


def test_a_future_is_valued_at_the_previews_margin_not_its_notional(desk: Desk, database: Database):
    # 65 × 26,000 = 16,90,000 of notional; the preview's margin, an index's SPAN 12 % and
    # exposure 2 %, is 2,36,600 a lot: two lots (4,73,200) are under ₹5 lakh.
    desk.quotes.set(NIFTY_FUT.key, "26000")
    with database.session() as db:
        assert desk.buy(db, NIFTY_FUT, 2)[0] != "REJECTED"
        assert desk.buy(db, NIFTY_FUT, 3)[0] == "REJECTED"  # 3 × 2,36,600 = 7,09,800
        db.commit()
        assert _events(db) == [("max_order_value", NIFTY_FUT.key, Decimal("709800.00"))]


def test_an_entry_nothing_can_value_is_refused_as_a_risk_event(desk: Desk, database: Database):
    # The funds check prices before the rules do, so a placement never gets here unpriced;
    # the gate on its own (a live order, a modification) can.
    with database.session() as db:
        order = new_order(
            desk.user_id,
            desk.spec(NIFTY_PE, 1),
            NIFTY_PE,
            client_key=None,
            source="api",
            attribution=None,
            now=desk.clock.now(),
        )
        verdict = desk.risk.pre_trade(db, order, NIFTY_PE, None)
        assert verdict is not None
        assert verdict.refusal == NO_PRICE
        assert verdict.record is not None
        verdict.record(db, order)
        db.commit()
        assert _events(db) == [("no_price", NIFTY_PE.key, None)]
