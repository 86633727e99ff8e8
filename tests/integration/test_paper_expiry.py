"""Expiry on the paper exchange: options held to their expiry day are settled at the index's
close after 15:30 by the session jobs, through the ledger like any fill (issue 63).

NIFTY's November 2026 monthly expires on Monday 23-Nov-2026 (the last Tuesday, the 24th,
is a holiday). Settlement charges (`domain.expiry`, Zerodha's schedule from 1-Apr-2026):
exercise STT 0.15 % of the intrinsic value on an in-the-money long, whole rupees; ₹20
brokerage per order and 18 % GST on it; nothing on an option that expires worthless.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from tests.workers_kit import set_price
from tradertape.db.models.trading import Order, Trade
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms import OmsEvent, OrderFilled
from tradertape.oms.paper.exchange import BROKER
from tradertape.oms.positions import cash_balance, net_positions
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

NIFTY = "NSE:NIFTY 50"
ITM = "NFO:NIFTY26NOV24800CE"
OTM = "NFO:NIFTY26NOV25300CE"


def _buy(runtime: Runtime, user_id: int, key: str, price: str) -> None:
    runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now()))  # a feed tick
    spec = OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=key.partition(":")[2],
        transaction_type=TransactionType.BUY,
        quantity=65,
        product=Product.NRML,
        order_type=OrderType.MARKET,
    )
    with runtime.db.session() as db:
        runtime.exchange.catalog(db)
        order = runtime.exchange.place(
            db, user_id=user_id, spec=spec, last=runtime.options.last_tick(key)
        )
        assert order.status == "COMPLETE"


def test_long_calls_held_to_expiry_settle_at_the_index_close(
    runtime: Runtime, clock: ManualClock
) -> None:
    heard: list[OmsEvent] = []
    runtime.events.listen(lambda events: heard.extend(events))
    set_price(runtime, NIFTY, "25000")
    with runtime.db.session() as db:
        user_id = create_user(db, clock=clock, email="exp@x.in").id
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
    _buy(runtime, user_id, ITM, "250")  # 65 × 250 = ₹16,250.00
    _buy(runtime, user_id, OTM, "40")  # 65 × 40 = ₹2,600.00

    # the day before expiry, and on it before the close: nothing is settled
    clock.set(datetime(2026, 11, 23, 15, 29, tzinfo=IST))
    set_price(runtime, NIFTY, "25010")
    with runtime.db.session() as db:
        assert runtime.session_jobs.settle_expiries(db) == 0
        cash_before = cash_balance(db, user_id=user_id, broker=BROKER)

    clock.set(datetime(2026, 11, 23, 15, 31, tzinfo=IST))
    set_price(runtime, NIFTY, "25012.35")  # the index's close on the expiry day
    heard.clear()
    with runtime.db.session() as db:
        assert runtime.session_jobs.settle_expiries(db) == 2
        assert runtime.session_jobs.settle_expiries(db) == 0  # once

    with runtime.db.session() as db:
        # 24800 CE: intrinsic 25012.35 - 24800 = 212.35; × 65 = ₹13,802.75 received.
        # STT 0.15 % × 13,802.75 = 20.704 → ₹21; brokerage ₹20; GST ₹3.60: ₹44.60.
        # 25300 CE: out of the money, settled at ₹0 with no charges.
        # Cash: +13,802.75 - 44.60 = +₹13,758.15
        assert cash_balance(db, user_id=user_id, broker=BROKER) - cash_before == Decimal("13758.15")
        settled = db.scalars(
            select(Trade).where(Trade.user_id == user_id, Trade.transaction_type == "SELL")
        ).all()
        assert sorted((t.tradingsymbol, t.price, t.charges) for t in settled) == [
            ("NIFTY26NOV24800CE", Decimal("212.35"), Decimal("44.60")),
            ("NIFTY26NOV25300CE", Decimal(0), Decimal(0)),
        ]
        orders = db.scalars(select(Order).where(Order.source == "expiry")).all()
        assert {(o.status, o.filled_quantity) for o in orders} == {("COMPLETE", 65)}
        # gone from every read: the net positions, the Positions page, the journal's book
        assert [p.quantity for p in net_positions(db, user_id=user_id, broker=BROKER)] == [0, 0]
        positions = runtime.portfolio.positions(db, user_id=user_id)
        assert all(row["quantity"] == 0 for row in positions["net"])

    # realised P&L: 13,802.75 - 16,250 = -₹2,447.25 and 0 - 2,600 = -₹2,600.00
    fills = [e for e in heard if isinstance(e, OrderFilled)]
    assert sorted((e.fill_price, e.charges) for e in fills) == [
        (Decimal(0), Decimal(0)),
        (Decimal("212.35"), Decimal("44.60")),
    ]
    _assert_journal(runtime, user_id)


def _assert_journal(runtime: Runtime, user_id: int) -> None:
    from tradertape.services.journal import ledger

    reference = ledger.Reference.load(runtime.settings.data_dir)
    with runtime.db.session() as db:
        book = ledger.book(
            db, user_id=user_id, reference=reference, today=runtime.clock.now().date()
        )
    assert book.open == []
    trips: Sequence[tuple[str, Decimal]] = sorted((t.symbol, t.pnl) for t in book.trips)
    assert trips == [
        ("NIFTY26NOV24800CE", Decimal("-2447.25")),
        ("NIFTY26NOV25300CE", Decimal("-2600")),
    ]
