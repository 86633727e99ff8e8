"""Kite-shaped views of a paper account: orders, trades, positions, holdings, margins."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from tests.integration.test_session_jobs import Feed, spec
from tradertape.db.engine import Database
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import Product, TransactionType
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.oms.paper.portfolio import PaperPortfolio
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user

BUY, SELL = TransactionType.BUY, TransactionType.SELL


def test_round_trip_positions_holdings_and_margins(database: Database):
    clock = ManualClock(datetime(2026, 11, 20, 10, 0, tzinfo=IST))
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=MatchConfig(participation=Decimal(1))),
    )
    feed = Feed(clock)
    book = PaperPortfolio(clock=clock, exchange=exchange, last_tick=feed)
    with database.session() as db:
        user = create_user(db, clock=clock, email="v@x.in").id
        exchange.deposit(db, user_id=user, amount=Decimal(1_000_000))
        exchange.place(
            db, user_id=user, spec=spec(BUY, 100, "1400"), last=feed.set("NSE:INFY", "1400")
        )
        exchange.place(
            db, user_id=user, spec=spec(SELL, 100, "1410"), last=feed.set("NSE:INFY", "1410")
        )
        exchange.place(
            db, user_id=user, spec=spec(BUY, 10, "1410", product=Product.CNC), last=feed("NSE:INFY")
        )
        exchange.place(
            db, user_id=user, spec=spec(BUY, 5, "1300", product=Product.CNC), last=feed("NSE:INFY")
        )  # rests: blocks ₹6,500
        orders = book.orders(db, user_id=user)
        trades = book.trades(db, user_id=user)
        positions = book.positions(db, user_id=user)
        holdings_today = book.holdings(db, user_id=user)
        margins = book.margins(db, user_id=user)
        clock.advance(timedelta(days=3))
        feed.set("NSE:INFY", "1450")
        holdings_later = book.holdings(db, user_id=user)

    assert [o["status"] for o in orders] == ["COMPLETE", "COMPLETE", "COMPLETE", "OPEN"]
    assert orders[3]["pending_quantity"] == 5
    assert len(trades) == 3
    assert trades[0]["order_timestamp"] == "10:00:00"
    mis = next(p for p in positions["net"] if p["product"] == "MIS")
    assert (mis["quantity"], mis["pnl"], mis["realised"]) == (0, 1000.0, 1000.0)
    assert holdings_today[0]["t1_quantity"] == 10
    assert holdings_today[0]["quantity"] == 0
    assert holdings_later[0]["quantity"] == 10
    assert holdings_later[0]["t1_quantity"] == 0
    assert holdings_later[0]["pnl"] == 400.0  # 10 × (1450 − 1410)
    assert holdings_later[0]["isin"] == "INE009A01021"
    # Used: the resting buy's ₹6,500 and today's delivery, 10 × 1,410 (paid from cash).
    assert margins["equity"]["utilised"]["delivery"] == 14100.0
    assert margins["equity"]["utilised"]["debits"] == 6500.0 + 14100.0
    cash = margins["equity"]["available"]["cash"]
    assert margins["equity"]["net"] == cash - 6500.0
