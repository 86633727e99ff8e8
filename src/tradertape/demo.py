"""Demo data for `tradertape demo`: idempotent, so re-running adds nothing twice.

Besides the demo user, the demo loads synthetic daily history for the NIFTY 500 and its
indices from 2018-01-01 to the last closed session by the runtime's clock (a few seconds the
first time, a fraction of a second once it is there; a later day appends the days since).
The NIFTY 100 and every index also get minute candles of the `DEMO_MINUTE_SESSIONS`
sessions before the one the feed plays, inside their day candles, so intraday charts have days
of history (a second or two).

It also deploys two paper portfolios for the demo user — V1 Momentum and V3 Dip Buyer on
the NIFTY 100 — and runs their last `DEMO_WEEKS` weeks of scans, filled at each next open, so
the dashboard shows signals, positions and P&L at once.

Those weeks are replayed on a clock that walks them (`replay_runtime`): the account is opened
and funded, and the portfolios deployed, on the morning of the first replayed session, and
each day's fills, cash and signals are dated that day. Funds then reads as a trader's account
would: the money was there before today (opening balance), nothing was paid in today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles.populate import (
    Progress,
    SynthReport,
    last_completed_session,
    synthesize,
)
from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.candles.synthetic_indices import derivable
from tradertape.candles.synthetic_minutes import MinutesReport, synthesize_minutes
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.ports.clock import IST, ManualClock, ist_now
from tradertape.runtime import Runtime
from tradertape.security.passwords import verify_password
from tradertape.services.accounts.users import create_user, find_user, set_password

if TYPE_CHECKING:
    from tradertape.domain.market import Tick
    from tradertape.fakebrokers.kite.instruments import Instrument as FakeInstrument
    from tradertape.services.portfolios.signals import PortfolioTrading

DEMO_EMAIL = "demo@tradertape.dev"
DEMO_PASSWORD = "tradertape-demo"  # noqa: S105 - published on purpose; it is a local demo
DEMO_UNIVERSE = "nifty_500"  # the history the demo loads
DEMO_PORTFOLIO_UNIVERSE = "nifty_100"  # what the demo portfolios trade
DEMO_HISTORY_FROM = date(2018, 1, 1)
DEMO_WEEKS = 4
DEMO_MINUTE_SESSIONS = 5  # sessions of minute candles before the one the feed plays
DEMO_PORTFOLIOS = ("v1_momentum", "v3_dip_buyer")
DEMO_PORTFOLIO_CAPITAL = Decimal(1_000_000)  # each demo portfolio's, ₹10 lakh
DEMO_MANUAL_CASH = Decimal(2_000_000)  # left in the manual book after both deploys
OPENED_AT = time(9, 0)  # the account opens and is funded before the first replayed session
SCANNED_AT = time(15, 45)  # each replayed day's fills and scan, after that day's close
PAISA = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """What `demo` prints for the person who ran it."""

    email: str
    password: str
    created: bool
    history: SynthReport
    portfolios: tuple[int, ...] = ()


def load_demo_history(runtime: Runtime, *, progress: Progress | None = None) -> SynthReport:
    """Synthetic daily history of the demo universe up to the last closed session."""
    store = runtime.candles
    market = SyntheticMarket(store.catalog, store.calendar, seed=DEFAULT_SEED)
    members = list(demo_symbols(store.catalog))
    end = last_completed_session(store.calendar, runtime.clock.now())
    return synthesize(store, market, members, DEMO_HISTORY_FROM, end, progress=progress)


def minute_sessions(runtime: Runtime) -> list[date]:
    """The `DEMO_MINUTE_SESSIONS` sessions before the market's day (a replay's, in a demo):
    the one the feed plays comes from the feed, as a real session's would."""
    calendar = runtime.candles.calendar
    today = ist_now(runtime.market_clock).date()
    end = calendar.previous_trading_day(today)
    return list(calendar.trading_days(end - timedelta(days=21), end))[-DEMO_MINUTE_SESSIONS:]


def minute_symbols(catalog: InstrumentCatalog) -> tuple[str, ...]:
    """What the demo has minute candles of: the equities its portfolios trade and its
    watchlist shows (the NIFTY 100), and every index its history derives (from the NIFTY
    500: each option chain's index among them, NIFTY MID SELECT and NIFTY NEXT 50 too), so
    every chart of them has intraday history. An index is one series, so the wider set
    costs the load little (`bench/demo_minutes.py`)."""
    stocks = sorted({i.key for i in catalog.universe(DEMO_PORTFOLIO_UNIVERSE)})
    indices = dict.fromkeys(derivable(demo_symbols(catalog), catalog))
    return (*stocks, *indices)


def load_demo_minutes(runtime: Runtime, *, progress: Progress | None = None) -> MinutesReport:
    """Synthetic minute candles of `minute_symbols` over `minute_sessions`, each session's
    minutes folding back into exactly its stored day candle (`candles.synthetic_minutes`)."""
    store = runtime.candles
    return synthesize_minutes(
        store,
        minute_symbols(store.catalog),
        minute_sessions(runtime),
        seed=DEFAULT_SEED,
        progress=progress,
    )


def demo_symbols(catalog: InstrumentCatalog) -> tuple[str, ...]:
    """Every equity the demo has history of or trades (``NSE:ITC``, …), sorted: the members of
    its history's universe and of its portfolios'."""
    universes = (DEMO_UNIVERSE, DEMO_PORTFOLIO_UNIVERSE)
    return tuple(sorted({i.key for name in universes for i in catalog.universe(name)}))


def demo_closes(
    catalog: InstrumentCatalog, calendar: TradingCalendar, now: datetime
) -> dict[str, Decimal]:
    """Each of `demo_symbols` at its close on the last session closed at `now`, as the demo's
    history has it (the same seeded market `load_demo_history` writes)."""
    market = SyntheticMarket(catalog, calendar, seed=DEFAULT_SEED)
    end = last_completed_session(calendar, now)
    days = market.generate(demo_symbols(catalog), end, end)
    closes = days.close[-1]
    return {key: Decimal(str(closes[i])).quantize(PAISA) for i, key in enumerate(days.keys)}


def fake_kite_instruments(now: datetime) -> tuple[FakeInstrument, ...]:
    """What ``tradertape fake-broker kite`` lists: every one of `demo_symbols` at its demo
    close of the last session by `now` (and NIFTY 50), so the demo's signals trade there at
    the prices they were made at."""
    from tradertape.domain.calendar_data import nse_calendar
    from tradertape.domain.instruments_data import reference_catalog
    from tradertape.fakebrokers.kite.instruments import listing

    catalog = reference_catalog()
    return listing(demo_closes(catalog, nse_calendar(), now), catalog)


def load_demo(runtime: Runtime, *, progress: Progress | None = None) -> DemoInfo:
    """Ensure the demo user exists with the published password, and the demo history."""
    with runtime.db.session() as db:
        user = find_user(db, DEMO_EMAIL)
        created = user is None
        if user is None:
            create_user(  # opened, with its opening balance, when the replayed weeks begin
                db,
                clock=ManualClock(_at(replay_days(runtime)[0], OPENED_AT)),
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                name="Demo Trader",
                cloud_secrets_allowed=True,
                opening_balance=runtime.settings.paper_opening_balance,
            )
        elif not verify_password(user.password_hash, DEMO_PASSWORD):
            set_password(db, user=user, password=DEMO_PASSWORD)
    history = load_demo_history(runtime, progress=progress)
    load_demo_minutes(runtime, progress=progress)
    portfolios = load_demo_portfolios(runtime)
    return DemoInfo(
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        created=created,
        history=history,
        portfolios=portfolios,
    )


def replay_days(runtime: Runtime) -> tuple[date, ...]:
    """The sessions the demo portfolios are replayed over: the last `DEMO_WEEKS` weeks up
    to the last closed session by the runtime's clock."""
    calendar = runtime.candles.calendar
    end = last_completed_session(calendar, runtime.clock.now())
    return calendar.trading_days(end - timedelta(weeks=DEMO_WEEKS), end)


def _at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, IST)


def replay_runtime(runtime: Runtime, start: datetime) -> tuple[Runtime, ManualClock]:
    """The runtime's services on a manual clock standing at `start` (same database, bus and
    settings, no feed): what the demo's past weeks are booked through, so each entry is
    dated the day it happened, not the day the demo was loaded."""
    clock = ManualClock(start)
    settings = runtime.settings.model_copy(update={"feed": "none", "warm_kernels": False})
    return Runtime.build(settings, clock=clock, db=runtime.db, bus=runtime.bus), clock


def load_demo_portfolios(runtime: Runtime) -> tuple[int, ...]:
    """The demo user's two paper portfolios, with their recent weeks scanned (once), each
    day on its own date (`replay_runtime`)."""
    from tradertape.db.models import ModelPortfolio
    from tradertape.domain.books import MANUAL
    from tradertape.oms import book_cash
    from tradertape.services.notifications.reads import latest_id, mark_read
    from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
    from tradertape.services.portfolios.runs import run_day
    from tradertape.services.portfolios.signals import PortfolioTrading
    from tradertape.services.research import strategies

    store = runtime.candles
    days = replay_days(runtime)
    replay, clock = replay_runtime(runtime, _at(days[0], OPENED_AT))
    trading = PortfolioTrading(
        orders=replay.orders, exchange=replay.exchange, clock=clock, risk=replay.risk
    )
    with runtime.db.session() as db:
        user = find_user(db, DEMO_EMAIL)
        assert user is not None
        existing = db.scalars(select(ModelPortfolio).where(ModelPortfolio.user_id == user.id))
        if existing.first() is not None:
            return ()
        # the portfolios' capital is allocated from the account: the demo adds what they
        # need on top of the manual book's ₹20 lakh, so the ticket has money of its own
        need = DEMO_PORTFOLIO_CAPITAL * len(DEMO_PORTFOLIOS) + DEMO_MANUAL_CASH
        have = book_cash(db, user_id=user.id, book=MANUAL)
        if have < need:
            replay.exchange.deposit(db, user_id=user.id, amount=need - have, note="demo funds")
        made = []
        for key in DEMO_PORTFOLIOS:
            strategy = strategies.by_builtin_key(db, key, clock=clock)
            assert strategy is not None
            request = PortfolioDeploy(
                strategy_id=strategy.id,
                universe=DEMO_PORTFOLIO_UNIVERSE,
                starting_capital=DEMO_PORTFOLIO_CAPITAL,
                max_positions=10,
                max_per_sector=3,
                auto_place_signals=key == "v3_dip_buyer",
                paper_fill="next_open",
            )
            portfolio = deploy(
                db,
                request,
                store=store,
                clock=clock,
                user_id=user.id,
                live_trading_enabled=False,
                paper_exchange=replay.exchange,
            )
            made.append(portfolio)
        held = _buy_expiring_calls(db, replay, clock, user.id, days)
        for day in days:  # the clock only moves forward: every portfolio's day, then the next
            clock.set(_at(day, SCANNED_AT))
            if held:  # the index at the day's close; an expired call settles at it
                replay.quotes.update(_index_close(runtime, day, clock.now()))
                replay.session_jobs.settle_expiries(db)
            for portfolio in made:
                run_day(db, portfolio, store=store, trading=trading, day=day)
                if day != days[-1]:  # the last scan's signals wait for the user (V1)
                    _place_pending(db, portfolio.id, trading)
        # the weeks replayed above are history: their fills do not greet the user as news
        now = runtime.clock.now()
        mark_read(db, user_id=user.id, up_to_id=latest_id(db, user_id=user.id), now=now)
        db.commit()
    return tuple(p.id for p in made)


def _place_pending(db: Session, portfolio_id: int, trading: PortfolioTrading) -> None:
    from tradertape.db.models import ModelSignal
    from tradertape.services.portfolios.signals import place

    pending = db.scalars(
        select(ModelSignal).where(
            ModelSignal.portfolio_id == portfolio_id, ModelSignal.status == "pending_approval"
        )
    ).all()
    place(db, list(pending), trading=trading)


DEMO_INDEX = "NSE:NIFTY 50"
OPTION_BOUGHT_AT = time(14, 0)  # the demo's calls are bought on the first replayed afternoon


def _index_close(runtime: Runtime, day: date, at: datetime) -> Tick:
    """NIFTY 50's synthetic close of `day` as a tick at `at`."""
    from tradertape.testkit import make_tick

    bars = runtime.candles.read_daily(DEMO_INDEX, day, day)
    return make_tick(DEMO_INDEX, Decimal(str(round(float(bars.close[-1]), 2))), ts=at)


def _buy_expiring_calls(
    db: Session, replay: Runtime, clock: ManualClock, user_id: int, days: tuple[date, ...]
) -> tuple[str, ...]:
    """One lot each of two NIFTY weekly calls, bought in the manual book on the first
    replayed afternoon, of the first weekly expiring within the replayed weeks, struck
    either side of the (synthetic, known) index close of its expiry day: held to its
    expiry, the session jobs settle them there at the index's close (docs/options.md,
    "Expiry"), so the demo shows an expiry in and out of the money."""
    from tradertape.domain.instruments import Exchange
    from tradertape.domain.option_listing import SERIES, expiries, option_symbol
    from tradertape.domain.option_math import OptionKind
    from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType

    first = days[0]
    listed = expiries(SERIES["NIFTY"], first, replay.exchange.calendar)
    expiry = next((e for e in listed if first < e.day <= days[-1]), None)
    if expiry is None:
        return ()
    clock.set(_at(first, OPTION_BOUGHT_AT))
    replay.quotes.update(_index_close(replay, first, clock.now()))
    # the history is known: strikes either side of the index's close on the expiry day
    at_expiry = _index_close(replay, expiry.day, clock.now()).last_price
    atm = (at_expiry / 50).to_integral_value() * 50
    bought = []
    catalog = replay.exchange.catalog(db)
    for strike in (atm - 150, atm + 150):  # in the money at expiry, out of it
        symbol = option_symbol("NIFTY", expiry, strike, OptionKind.CE)
        instrument = catalog.find(f"NFO:{symbol}")
        if instrument is None:
            continue
        spec = OrderSpec(
            exchange=Exchange.NFO,
            tradingsymbol=symbol,
            transaction_type=TransactionType.BUY,
            quantity=instrument.lot_size,
            product=Product.NRML,
            order_type=OrderType.MARKET,
        )
        replay.exchange.place(
            db,
            user_id=user_id,
            spec=spec,
            client_key=f"demo-expiry:{symbol}",
            last=replay.options.last_tick(f"NFO:{symbol}"),
        )
        bought.append(symbol)
    return tuple(bought)
