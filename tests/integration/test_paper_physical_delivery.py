"""Physical delivery on the paper exchange: a stock option in the money at expiry closes at
₹0 and its shares are booked as a CNC trade at the strike in the same book; a stock future
delivers at its settlement price; an out-of-the-money option delivers nothing (issue 63).

RELIANCE's December 2026 contracts expire on Tuesday 29-Dec-2026 (the month's last
Tuesday); RELIANCE closes at ₹1,220.90 there. The paper catalog lists no stock options, so
the positions are seeded through the ledger as fills of their own. Charges of a delivery
(`domain.expiry.delivery_charges`, Zerodha's schedule): brokerage 0.25 % of the delivery
value, STT 0.1 % (whole rupees), stamp 0.015 % on a buy, 18 % GST on the brokerage, ₹15.34
DP on a sale.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from tests.delivery_kit import seed_contract_fill
from tests.workers_kit import set_price
from tradertape.db.models.trading import Order, Trade
from tradertape.oms.paper.exchange import BROKER
from tradertape.oms.positions import cash_balance
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user

CLOSE = "1220.90"


def _settle_at_close(runtime: Runtime, clock: ManualClock) -> int:
    clock.set(datetime(2026, 12, 29, 15, 31, tzinfo=IST))
    set_price(runtime, "NSE:RELIANCE", CLOSE)
    with runtime.db.session() as db:
        return runtime.session_jobs.settle_expiries(db)


def _user(runtime: Runtime, clock: ManualClock, email: str) -> int:
    with runtime.db.session() as db:
        user_id = create_user(db, clock=clock, email=email).id
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
    return user_id


def test_an_itm_long_call_takes_its_shares_at_the_strike_and_an_otm_one_nothing(
    runtime: Runtime, clock: ManualClock
) -> None:
    user_id = _user(runtime, clock, "call@x.in")
    seed_contract_fill(runtime, user_id, "RELIANCE26DEC1200CE", "BUY", "30")  # ₹15,000.00
    seed_contract_fill(runtime, user_id, "RELIANCE26DEC1300CE", "BUY", "5")  # ₹2,500.00
    with runtime.db.session() as db:
        cash_before = cash_balance(db, user_id=user_id, broker=BROKER)

    assert _settle_at_close(runtime, clock) == 2

    with runtime.db.session() as db:
        # 1200 CE: closed at ₹0; BUY 500 RELIANCE at ₹1,200 = ₹6,00,000.00 with its note:
        # brokerage 1,500.00 + STT 600 + stamp 90.00 + GST 270.00 = ₹2,460.00.
        # 1300 CE: out of the money, closed at ₹0, nothing delivered, nothing charged.
        # Cash: -6,00,000.00 - 2,460.00 = -₹6,02,460.00
        moved = cash_balance(db, user_id=user_id, broker=BROKER) - cash_before
        assert moved == Decimal("-602460.00")
        booked = db.scalars(
            select(Trade).where(Trade.user_id == user_id, Trade.filled_at >= clock.now())
        ).all()
        assert sorted(
            (t.tradingsymbol, t.transaction_type, t.product, t.quantity, t.price, t.charges)
            for t in booked
        ) == [
            ("RELIANCE", "BUY", "CNC", 500, Decimal(1200), Decimal("2460.00")),
            ("RELIANCE26DEC1200CE", "SELL", "NRML", 500, Decimal(0), Decimal(0)),
            ("RELIANCE26DEC1300CE", "SELL", "NRML", 500, Decimal(0), Decimal(0)),
        ]
        orders = db.scalars(select(Order).where(Order.source == "expiry")).all()
        assert {(o.tradingsymbol, o.status) for o in orders} >= {("RELIANCE", "COMPLETE")}
        # the shares are held (bought today: T+1), at the strike; the contracts are gone
        (held,) = runtime.portfolio.holdings(db, user_id=user_id)
        assert (held["tradingsymbol"], held["t1_quantity"], held["average_price"]) == (
            "RELIANCE",
            500,
            1200.0,
        )
        net = runtime.portfolio.positions(db, user_id=user_id)["net"]
        assert {r["tradingsymbol"]: r["quantity"] for r in net}["RELIANCE26DEC1200CE"] == 0


def test_a_short_stock_future_delivers_shares_not_held_as_shares_owed(
    runtime: Runtime, clock: ManualClock
) -> None:
    user_id = _user(runtime, clock, "fut@x.in")
    seed_contract_fill(runtime, user_id, "RELIANCE26DECFUT", "SELL", "1210")
    with runtime.db.session() as db:
        cash_before = cash_balance(db, user_id=user_id, broker=BROKER)

    assert _settle_at_close(runtime, clock) == 1

    with runtime.db.session() as db:
        # the future bought back at 1,220.90 (-6,10,450.00, its P&L -5,450.00 on the
        # 6,05,000.00 sold); SELL 500 RELIANCE at 1,220.90 (+6,10,450.00) with its note:
        # brokerage 1,526.125 + STT 610 + GST 274.7025 + DP 15.34 = ₹2,426.17
        moved = cash_balance(db, user_id=user_id, broker=BROKER) - cash_before
        assert moved == Decimal("-2426.17")
        # nothing was held: the sale shows as 500 shares owed (a negative holding)
        (owed,) = runtime.portfolio.holdings(db, user_id=user_id)
        assert owed["tradingsymbol"] == "RELIANCE"
        assert owed["t1_quantity"] == 0
        assert owed["quantity"] == -500
