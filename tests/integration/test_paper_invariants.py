"""Property: whatever orders, ticks and cancels happen, money is conserved and CNC never
goes short. cash + Σ(bought − sold at cost) + Σ charges == deposits, and the running
positions the funds check reads always equal the positions summed from the trades."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType, Variety
from tradertape.errors import InvalidField
from tradertape.oms.book_totals import load_positions
from tradertape.oms.paper.exchange import BROKER, PaperConfig, PaperExchange
from tradertape.oms.positions import cash_balance, cash_entries_total, net_positions
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

DEPOSIT = Decimal(500_000)
prices = st.integers(min_value=13_000, max_value=15_000).map(lambda n: Decimal(n) / 10)
place = st.tuples(
    st.just("place"),
    st.sampled_from(list(TransactionType)),
    st.sampled_from([Product.CNC, Product.MIS]),
    st.integers(min_value=1, max_value=200),
    st.one_of(st.none(), prices),
)
cover = st.tuples(
    st.just("cover"),
    st.sampled_from(list(TransactionType)),
    st.integers(min_value=1, max_value=100),
    st.integers(min_value=1, max_value=9),  # the stop's distance, in % of the last price
)
actions = st.lists(
    st.one_of(
        place,
        cover,
        st.tuples(st.just("tick"), prices),
        st.tuples(st.just("cancel")),
        st.tuples(st.just("exit")),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=actions)
@example(  # a CNC buy sold the same day: the sale lowers the note (−₹0.12), the day does not
    steps=[
        ("cover", TransactionType.BUY, 28, 1),
        ("place", TransactionType.BUY, Product.CNC, 1, None),
        ("place", TransactionType.SELL, Product.CNC, 1, None),
    ]
)
def test_money_is_conserved_and_cnc_never_goes_short(database: Database, steps):
    clock = ManualClock(datetime(2026, 11, 20, 9, 30, tzinfo=IST))
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=MatchConfig(participation=Decimal("0.3"))),
    )
    last = Decimal(1400)
    with database.session() as db:
        user_id = create_user(db, clock=clock, email=f"{uuid.uuid4().hex[:12]}@x.in").id
        exchange.deposit(db, user_id=user_id, amount=DEPOSIT)
        for step in steps:
            clock.advance(timedelta(seconds=30))
            if step[0] == "tick":
                last = step[1]
                exchange.on_tick(db, _tick(clock, last), traded_volume=150)
            elif step[0] == "cover":
                _, side, qty, distance = step
                away = (last * distance / 100).quantize(Decimal("0.1"))
                spec = OrderSpec(
                    exchange=Exchange.NSE,
                    tradingsymbol="INFY",
                    transaction_type=side,
                    quantity=qty,
                    product=Product.MIS,
                    order_type=OrderType.MARKET,
                    variety=Variety.CO,
                    trigger_price=last - away if side is TransactionType.BUY else last + away,
                )
                exchange.place(db, user_id=user_id, spec=spec, last=_tick(clock, last))
            elif step[0] == "exit":  # cancel a cover order's stop-loss leg: exit at market
                leg = db.scalar(
                    select(Order)
                    .where(Order.user_id == user_id, Order.status == "TRIGGER PENDING")
                    .where(Order.client_key.startswith("co:"))
                    .limit(1)
                )
                if leg is not None:
                    exchange.cancel(
                        db, user_id=user_id, order_id=leg.order_id, last=_tick(clock, last)
                    )
            elif step[0] == "cancel":
                working = db.scalar(
                    select(Order).where(Order.user_id == user_id, Order.status == "OPEN").limit(1)
                )
                if working is not None:
                    exchange.cancel(db, user_id=user_id, order_id=working.order_id)
            else:
                _, side, product, qty, price = step
                spec = OrderSpec(
                    exchange=Exchange.NSE,
                    tradingsymbol="INFY",
                    transaction_type=side,
                    quantity=qty,
                    product=product,
                    order_type=OrderType.LIMIT if price else OrderType.MARKET,
                    price=price,
                )
                # A limit price off the tick grid is refused and stores nothing.
                with contextlib.suppress(InvalidField):
                    exchange.place(db, user_id=user_id, spec=spec, last=_tick(clock, last))
            _check(db, user_id)


def _check(db, user_id: int) -> None:
    cash = cash_balance(db, user_id=user_id, broker=BROKER)
    positions = net_positions(db, user_id=user_id, broker=BROKER)
    at_cost = sum((p.buy_value - p.sell_value for p in positions), Decimal(0))
    charges = sum(db.scalars(select(Trade.charges).where(Trade.user_id == user_id)), Decimal(0))
    assert cash + at_cost + charges == DEPOSIT
    assert cash == cash_entries_total(db, user_id=user_id, broker=BROKER)
    assert all(p.quantity >= 0 for p in positions if p.product == "CNC")
    orders = {o.order_id: o for o in db.scalars(select(Order).where(Order.user_id == user_id))}
    for leg in orders.values():  # a working stop-loss leg covers all its entry bought or sold
        if (leg.client_key or "").startswith("co:") and leg.status in ("OPEN", "TRIGGER PENDING"):
            assert leg.quantity == orders[leg.client_key.removeprefix("co:")].filled_quantity
    running = load_positions(db, user_id=user_id, broker=BROKER)  # the open ones
    assert {k: (p.quantity, p.buy_value, p.sell_value) for k, p in running.items()} == {
        (p.exchange, p.tradingsymbol, p.product): (p.quantity, p.buy_value, p.sell_value)
        for p in positions
        if p.quantity
    }
    # A fill is charged what it changes on its day's note: a sale that makes a CNC buy of the
    # same day intraday lowers the note (tests/integration/test_same_day_cnc.py), and says so;
    # a note itself never pays back.
    trades = db.execute(
        select(Trade.trade_date, Trade.charges, Trade.charges_note).where(Trade.user_id == user_id)
    ).all()
    for trade in trades:
        if trade.charges < 0:
            assert "intraday" in (trade.charges_note or ""), trade
    days: dict[str, Decimal] = {}
    for trade in trades:
        days[trade.trade_date] = days.get(trade.trade_date, Decimal(0)) + trade.charges
    assert all(total >= 0 for total in days.values())


def _tick(clock: ManualClock, price: Decimal) -> Tick:
    return make_tick("NSE:INFY", price, ts=clock.now(), volume=10_000, last_quantity=100)
