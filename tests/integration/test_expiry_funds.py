"""The funds check holds what the previews show (docs/margins.md): a held futures calendar
keeps its spread margin, and on the near leg's expiry day (the market clock's IST date) it
holds two futures' margins and a sold index option 2 % more exposure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.fno import NIFTY_CE, NIFTY_FUT, fno_catalog
from tests.integration.conftest import PAPER_DEPOSIT, PAPER_START
from tests.integration.test_paper_margins import Desk, Quotes
from tradertape.db.engine import Database
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange, InstrumentCatalog, synthetic_token
from tradertape.domain.margins import Margin, MarginRates
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import TransactionType
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.ports.clock import ManualClock
from tradertape.services.accounts.users import create_user

BUY, SELL = TransactionType.BUY, TransactionType.SELL
DEC_FUT = replace(
    NIFTY_FUT,
    tradingsymbol="NIFTY26DECFUT",
    instrument_token=synthetic_token(Exchange.NFO, "NIFTY26DECFUT"),
    expiry=date(2026, 12, 29),
)
NOVEMBER_EXPIRY = datetime.combine(NIFTY_FUT.expiry or date.min, PAPER_START.timetz())


@pytest.fixture
def desk(database: Database) -> Desk:
    """The paper desk of tests/integration/test_paper_margins.py, listing December too."""
    clock = ManualClock(PAPER_START)
    quotes = Quotes(clock)
    base = fno_catalog()
    universes = {n: [i.key for i in base.universe(n)] for n in base.universe_names}
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=InstrumentCatalog([*base, DEC_FUT], universes),
        config=PaperConfig(
            match=MatchConfig(participation=Decimal(1)),
            margins=MarginRates(scenarios=False),  # the table's figures, by hand
        ),
        quotes=quotes,
    )
    with database.session() as db:
        user_id = create_user(db, clock=clock, email="expiry@x.in").id
        exchange.deposit(db, user_id=user_id, amount=PAPER_DEPOSIT)
    return Desk(clock, quotes, exchange, user_id)


def test_a_held_futures_calendar_holds_its_spread_margin_until_the_near_expiry_day(
    desk: Desk, database: Database
):
    """Bought one NIFTY December future at 27,900, sold one November at 27,850: 1 % of
    18,13,500 = 18,135 of SPAN and 36,270 / 3 = 12,090 of exposure (30,225.00). On
    November's expiry day: both futures in full, 2,17,230 + 2,17,620 of SPAN and 36,205 +
    36,270 of exposure (5,07,325.00)."""
    desk.quotes.set(NIFTY_FUT.key, "27850")
    desk.quotes.set(DEC_FUT.key, "27900")
    with database.session() as db:
        far = desk.place(db, DEC_FUT, BUY, 65)
        near = desk.place(db, NIFTY_FUT, SELL, 65)
        assert (far.status, near.status) == ("COMPLETE", "COMPLETE")
        assert desk.exchange.margins(db, desk.user_id).used == Margin(
            span=Decimal(18_135), exposure=Decimal(12_090)
        )
    desk.clock.set(NOVEMBER_EXPIRY)
    with database.session() as db:
        used = desk.exchange.margins(db, desk.user_id).used
    assert used == Margin(span=Decimal(434_850), exposure=Decimal(72_475))
    assert used.total == Decimal("507325.00")


def test_a_sold_index_option_holds_two_percent_more_exposure_on_its_expiry_day(
    desk: Desk, database: Database
):
    """Sold 26000 CE November, NIFTY at 26,000: SPAN 2,02,800 and exposure 33,800 (65 ×
    26,000 at 12 % and 2 %); on its expiry day 2 % more, 67,600."""
    desk.quotes.set("NSE:NIFTY 50", "26000")
    desk.quotes.set(NIFTY_CE.key, "200")
    with database.session() as db:
        sold = desk.place(db, NIFTY_CE, SELL, 65)
        assert sold.status == "COMPLETE"
        assert desk.exchange.margins(db, desk.user_id).used == Margin(
            span=Decimal(202_800), exposure=Decimal(33_800)
        )
    desk.clock.set(NOVEMBER_EXPIRY)
    with database.session() as db:
        assert desk.exchange.margins(db, desk.user_id).used == Margin(
            span=Decimal(202_800), exposure=Decimal(67_600)
        )
