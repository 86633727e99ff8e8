"""A backtest fills and charges as the paper exchange would on the same prices (issue 67).

The options backtester moves a fill by its slippage with the paper exchange's rule
(`domain.matching.slipped`) and charges a day's fills by the contract note's rules
(`domain.charges.compute_charges`); the paper exchange matches a MARKET order on a print
(`domain.matching.match`) and charges fill by fill on the running note (`ChargeDay`). For
any premium, side, slippage and lot count, a round trip in a NIFTY option fills at the same
prices in both and the day's charges agree to the paisa, wherever the paper exchange fills
at all (it refuses a fill past market protection: 2 % of the print, which a tiny premium's
one-tick slippage can pass).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.workers_kit import set_price
from tradertape.backtest.options.engine import fill_price
from tradertape.backtest.options.strategy import Slippage
from tradertape.db.models.trading import Trade
from tradertape.domain.charges import Exchange as ChargeExchange
from tradertape.domain.charges import Fill, Segment, Side, compute_charges
from tradertape.domain.instruments import Exchange
from tradertape.domain.matching import MatchConfig
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

OPTION = "NIFTY26NOV25000CE"
LOT = 65
premiums = st.integers(min_value=20, max_value=10_000).map(lambda n: Decimal(n) / 20)  # ₹1–₹500


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    entry=premiums,
    exit_=premiums,
    slippage_bps=st.sampled_from([0, 5, 10, 25, 50, 100, 150]),
    lots=st.integers(min_value=1, max_value=4),
    first=st.sampled_from([TransactionType.BUY, TransactionType.SELL]),
)
def test_a_round_trip_fills_and_is_charged_as_on_paper(
    runtime: Runtime,
    entry: Decimal,
    exit_: Decimal,
    slippage_bps: int,
    lots: int,
    first: TransactionType,
) -> None:
    clock = runtime.clock
    exchange = PaperExchange(
        clock=clock,
        calendar=runtime.exchange.calendar,
        catalog=runtime.options.catalog,
        config=PaperConfig(
            match=MatchConfig(slippage_bps=Decimal(slippage_bps), participation=Decimal(1))
        ),
    )
    back = TransactionType.SELL if first is TransactionType.BUY else TransactionType.BUY
    quantity = lots * LOT
    set_price(runtime, "NSE:NIFTY 50", "25000")  # the chain is listed around the index
    with runtime.db.session() as db:
        exchange.catalog(db)
        user_id = create_user(db, clock=clock, email=f"{uuid.uuid4().hex[:12]}@x.in").id
        exchange.deposit(db, user_id=user_id, amount=Decimal(50_000_000))
        for side, price in ((first, entry), (back, exit_)):
            spec = OrderSpec(
                exchange=Exchange.NFO,
                tradingsymbol=OPTION,
                transaction_type=side,
                quantity=quantity,
                product=Product.NRML,
                order_type=OrderType.MARKET,
            )
            tick = make_tick(f"NFO:{OPTION}", price, ts=clock.now(), volume=10**7)
            order = exchange.place(db, user_id=user_id, spec=spec, last=tick)
            assume(order.status == "COMPLETE")  # refused past market protection: no fill
        trades = db.execute(
            select(Trade.price, Trade.charges).where(Trade.user_id == user_id).order_by(Trade.id)
        ).all()

    slippage = Slippage(unit="pct", value=slippage_bps / 100)
    sides = [Side(first.value), Side(back.value)]
    filled = [fill_price(slippage, s, p) for s, p in zip(sides, (entry, exit_), strict=True)]
    assert [t.price for t in trades] == filled
    fills = [
        Fill(f"o{i}", Segment.OPTIONS, s, quantity, p, exchange=ChargeExchange.NSE)
        for i, (s, p) in enumerate(zip(sides, filled, strict=True))
    ]
    note = compute_charges(fills, clock.now().astimezone(IST).date())
    assert sum((t.charges for t in trades), Decimal(0)) == note.total
