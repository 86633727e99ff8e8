"""Index options in the simulated market: listed when no dump lists them, priced from the
index with Black-76, filled by the paper exchange with the reference's option charges."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from tests.workers_kit import set_price
from tradertape.db.models.trading import Trade
from tradertape.domain.instruments import Exchange, InstrumentType
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.market.instruments import import_kite_csv
from tradertape.testkit import make_tick

NIFTY = "NSE:NIFTY 50"
CE = "NFO:NIFTY26D0125000CE"  # the 1 December 2026 weekly


def _user(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        user_id = create_user(db, clock=runtime.clock, email="opt@x.in").id
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))
    return user_id


def _spec(symbol: str, side: TransactionType, quantity: int) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=symbol.partition(":")[2],
        transaction_type=side,
        quantity=quantity,
        product=Product.NRML,
        order_type=OrderType.MARKET,
    )


def test_no_index_price_lists_no_options(runtime: Runtime) -> None:
    with runtime.db.session() as db:
        assert runtime.exchange.catalog(db).find(CE) is None
    assert runtime.options.last_tick(CE) is None


def test_generated_contracts_are_listed_and_priced(runtime: Runtime) -> None:
    set_price(runtime, NIFTY, "25000")
    with runtime.db.session() as db:
        catalog = runtime.exchange.catalog(db)
        ce = catalog.get(CE)
        assert (ce.lot_size, ce.strike, ce.expiry) == (65, Decimal(25000), date(2026, 12, 1))
        assert catalog.get("NFO:NIFTY26NOV25000PE").expiry == date(2026, 11, 23)
        assert catalog.find("NFO:BANKNIFTY26NOV25000CE") is None  # no BANKNIFTY price yet
        assert runtime.exchange.catalog(db) is catalog  # cached while nothing changes
    tick = runtime.options.last_tick(CE)
    assert tick is not None
    # 11 days 5.5 hours to expiry at σ 13 %: ≈ 0.4·σ·√T·F plus the carry ≈ ₹230.
    assert Decimal(200) < tick.last_price < Decimal(260)
    assert tick.last_price % Decimal("0.05") == 0
    assert (tick.bid, tick.ask) == (
        tick.last_price - Decimal("0.05"),
        tick.last_price + Decimal("0.05"),
    )
    put = runtime.options.last_tick("NFO:NIFTY26D0125000PE")
    assert put is not None
    assert put.last_price < tick.last_price  # a positive carry makes the ATM call dearer


def test_market_order_fills_at_the_model_ask(runtime: Runtime) -> None:
    set_price(runtime, NIFTY, "25000")
    user_id = _user(runtime)
    with runtime.db.session() as db:
        runtime.exchange.catalog(db)
        ask = runtime.options.last_tick(CE)
        assert ask is not None
        order = runtime.exchange.place(
            db,
            user_id=user_id,
            spec=_spec(CE, TransactionType.BUY, 130),
            last=runtime.options.last_tick(CE),
        )
        assert (order.status, order.filled_quantity) == ("COMPLETE", 130)
        assert order.average_price == ask.ask


def test_option_round_trip_charges_match_the_reference(runtime: Runtime) -> None:
    """Reference §4's worked NIFTY option: 1 lot of 65 bought at ₹100 and sold at ₹120.

    Premium turnover 14,300; brokerage 20 + 20; STT 0.15 % of the sell premium 7,800 =
    11.70 → 12; NSE txn 0.03553 % × 14,300 = 5.081; SEBI 0.014; stamp 0.003 % × 6,500 =
    0.195; GST 18 % × (40 + 5.081 + 0.014) = 8.117: ₹65.41 for the day.
    """
    set_price(runtime, NIFTY, "25000")
    user_id = _user(runtime)
    with runtime.db.session() as db:
        runtime.exchange.catalog(db)
        for side, price in ((TransactionType.BUY, "100"), (TransactionType.SELL, "120")):
            runtime.quotes.update(make_tick(CE, price, ts=runtime.clock.now()))  # a feed tick
            runtime.exchange.place(
                db, user_id=user_id, spec=_spec(CE, side, 65), last=runtime.options.last_tick(CE)
            )
        trades = list(db.scalars(select(Trade).order_by(Trade.id)))
        assert [(t.price, t.quantity) for t in trades] == [(Decimal(100), 65), (Decimal(120), 65)]
        assert sum((t.charges for t in trades), Decimal(0)) == Decimal("65.41")


def test_imported_contracts_take_precedence(runtime: Runtime) -> None:
    set_price(runtime, NIFTY, "25000")
    dump = (
        "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
        "tick_size,lot_size,instrument_type,segment,exchange\n"
        "12345602,48225,NIFTY26D0125000CE,NIFTY,0,2026-12-01,25000,0.05,75,CE,NFO-OPT,NFO\n"
    )
    with runtime.db.session() as db:
        import_kite_csv(db, dump)
        catalog = runtime.exchange.catalog(db)
        ce = catalog.get(CE)
        assert (ce.instrument_token, ce.lot_size) == (12345602, 75)
        assert catalog.find("NFO:NIFTY26D0125000PE") is None  # nothing generated for NIFTY
        assert catalog.get(CE).instrument_type is InstrumentType.CE
    tick = runtime.options.last_tick(CE)
    assert tick is not None
    assert tick.instrument_token == 12345602  # the imported contract is still priced


def test_an_expired_contract_has_no_model_price(runtime: Runtime, clock: ManualClock) -> None:
    # NIFTY 24 Dec 2024 24000 CE: long expired; at today's index it would model deep in
    # the money, a price that does not exist (issue 63's phantom unrealised P&L)
    set_price(runtime, NIFTY, "25000")
    assert runtime.options.model_tick("NFO:NIFTY24DEC24000CE") is None
    assert runtime.options.last_tick("NFO:NIFTY24DEC24000CE") is None
    # the 1-Dec-2026 weekly: priced up to 15:30 IST on its expiry day, not after
    clock.set(datetime(2026, 12, 1, 15, 29, tzinfo=IST))
    set_price(runtime, NIFTY, "25000")
    with runtime.db.session() as db:
        runtime.exchange.catalog(db)
    assert runtime.options.last_tick(CE) is not None
    clock.set(datetime(2026, 12, 1, 15, 30, tzinfo=IST))
    set_price(runtime, NIFTY, "25000")
    assert runtime.options.last_tick(CE) is None


def test_a_model_tick_is_made_once_per_index_tick(runtime: Runtime) -> None:
    """An order's checks, its funds, the risk book and a basket's legs all ask for the
    option's price: on one index tick it is made once (issue 69), and a new index tick
    prices it anew."""
    set_price(runtime, NIFTY, "25000")
    with runtime.db.session() as db:
        runtime.exchange.catalog(db)  # listed
    first = runtime.options.last_tick(CE)
    assert first is not None
    assert runtime.options.last_tick(CE) is first

    set_price(runtime, NIFTY, "25100")
    moved = runtime.options.last_tick(CE)
    assert moved is not None
    assert moved is not first
    assert moved.last_price > first.last_price  # a call is worth more on a higher index
    assert runtime.options.last_tick(CE) is moved
