"""Buy 10 INFY CNC, sell 4 the same day: 4 are a day trade, 6 move to T+1, one note.

The note (docs/charges.md; the figures by hand in tests/unit/domain/test_day_netting.py):
₹17.58 at Zerodha's rates, with no DP charge. Booked fill by fill, the buy pays the note as a
delivery buy (₹17.81: STT ₹15, stamp ₹2.25, transaction, IPFT and SEBI ₹0.4755, GST
₹0.08559) and the sale what it changes: ₹17.58 − ₹17.81 = −₹0.23, since it makes 4 of the
10 shares bought intraday (less STT and stamp duty than delivery, plus a little brokerage).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.integration.test_session_jobs import Feed, spec
from tradertape.db.engine import Database
from tradertape.db.models.trading import Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import Product, TransactionType
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.oms.paper.portfolio import PaperPortfolio
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user

BUY, SELL = TransactionType.BUY, TransactionType.SELL


def _exchange(clock: ManualClock) -> PaperExchange:
    return PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=MatchConfig(participation=Decimal(1))),
    )


def test_a_same_day_cnc_sale_is_a_day_position_not_a_negative_holding(database: Database):
    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    exchange = _exchange(clock)
    feed = Feed(clock)

    def marked(key: str) -> Tick | None:  # yesterday's close was ₹1,480
        tick = feed(key)
        return None if tick is None else replace(tick, prev_close=Decimal(1480))

    book = PaperPortfolio(clock=clock, exchange=exchange, last_tick=marked)
    cnc = Product.CNC
    with database.session() as db:
        user = create_user(db, clock=clock, email="d@x.in").id
        exchange.deposit(db, user_id=user, amount=Decimal(100_000))
        for side, quantity, price in ((BUY, 10, "1500"), (SELL, 4, "1510")):
            last = feed.set("NSE:INFY", price)
            exchange.place(
                db, user_id=user, spec=spec(side, quantity, price, product=cnc), last=last
            )
        rows = db.execute(
            select(Trade.charges, Trade.charges_note)
            .where(Trade.user_id == user)
            .order_by(Trade.id)
        ).all()
        holdings = book.holdings(db, user_id=user)
        positions = book.positions(db, user_id=user)
        clock.advance(timedelta(days=3))
        later = book.holdings(db, user_id=user)

    assert [r.charges for r in rows] == [Decimal("17.81"), Decimal("-0.23")]  # note: ₹17.58
    assert [r.charges_note for r in rows] == [
        None,
        "4 INFY bought and sold today: intraday, the day's note re-prices them",
    ]
    (held,) = holdings
    assert (held["quantity"], held["t1_quantity"]) == (0, 6)  # never −4
    assert held["average_price"] == 1500.0
    # bought today: the day is from the buy price (₹1,500), not yesterday's close (₹1,480)
    assert (held["day_change"], round(held["day_change_percentage"], 4)) == (10.0, 0.6667)
    (net,) = positions["net"]
    assert (net["product"], net["quantity"], net["buy_quantity"], net["sell_quantity"]) == (
        "CNC", 6, 10, 4,
    )  # fmt: skip
    assert [(h["quantity"], h["t1_quantity"]) for h in later] == [(6, 0)]


def test_uneven_charges_of_identical_sales_say_why(database: Database):
    # 3 INFY held from Friday; Monday, three identical sales of 1 @ ₹1,500. STT is 0.1 % =
    # ₹1.50 each, rounded on the day's note: ₹2, then ₹3 (+₹1), then ₹4.50 → ₹5 (+₹2); the
    # first sale from demat pays the day's DP charge
    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    exchange, feed = _exchange(clock), Feed(clock)
    cnc = Product.CNC
    with database.session() as db:
        user = create_user(db, clock=clock, email="n@x.in").id
        exchange.deposit(db, user_id=user, amount=Decimal(100_000))
        last = feed.set("NSE:INFY", "1500")
        exchange.place(db, user_id=user, spec=spec(BUY, 3, "1500", product=cnc), last=last)
        clock.advance(timedelta(days=3))
        for _ in range(3):
            last = feed.set("NSE:INFY", "1500")
            exchange.place(db, user_id=user, spec=spec(SELL, 1, "1500", product=cnc), last=last)
        query = select(Trade.charges, Trade.charges_note).where(
            Trade.user_id == user, Trade.transaction_type == "SELL"
        )
        sales = db.execute(query.order_by(Trade.id)).all()

    notes = [note for _, note in sales]
    assert notes[0] == (
        "DP charge ₹15.34 of this day's INFY sale from demat; "
        "STT ₹2.00: the day's note rounds STT to the rupee"
    )
    assert notes[1:] == [
        "STT ₹1.00: the day's note rounds STT to the rupee",
        "STT ₹2.00: the day's note rounds STT to the rupee",
    ]
