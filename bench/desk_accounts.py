"""Paper accounts as the demo's, for benches that read the desk: each user has traded.

Each user gets what `tradertape demo` gives its user, at a smaller scale: money in the
manual book, two model portfolios on the NIFTY 100 (V1 Momentum waiting for approval, V3
Dip Buyer placing its own) with their last weeks scanned and filled, manual trades on the
past days (intraday round trips and delivery buys), today's trades with positions left
open and a limit order working, risk rules (a daily loss limit, a cap on open positions)
and signed-in sessions. Built through the services the server uses, on manual clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tradertape.db.engine import Database
    from tradertape.domain.orders import OrderSpec
    from tradertape.oms.paper.exchange import PaperExchange
    from tradertape.ports.clock import ManualClock
    from tradertape.runtime import Runtime

SESSION_DAY = date(2026, 11, 20)  # a Friday; the servers' market time is pinned here
MANUAL_SYMBOLS = ("INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT")
PAST_DAYS = 10  # of manual trading before today
PORTFOLIO_WEEKS = 3
DEPOSIT = Decimal(5_000_000)


@dataclass(frozen=True, slots=True)
class Desk:
    """The users' sessions (cookie values, `sessions` per user, going round the users),
    each user's two portfolio ids, and a paper worker token of the last user."""

    cookies: list[str]
    portfolios: list[list[int]]
    token: str


def _price(symbol: str, step: int = 3) -> Decimal:
    """A price for `symbol` that moves a little with `step`."""
    base = Decimal(900 + 137 * MANUAL_SYMBOLS.index(symbol))
    return base * (1 + Decimal(step % 7 - 3) / 100)


def _market(symbol: str, side: str, quantity: int, product: str) -> OrderSpec:
    from tradertape.domain.instruments import Exchange
    from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType

    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol=symbol,
        transaction_type=TransactionType(side),
        quantity=quantity,
        product=Product(product),
        order_type=OrderType.MARKET,
    )


def _fill(exchange: PaperExchange, db: Session, user_id: int, key: str, order: Any) -> None:
    """Place one MARKET order (symbol, side, quantity, product) at the bench's price."""
    from tradertape.testkit import make_tick

    symbol, side, quantity, product, step = order
    last = make_tick(
        f"NSE:{symbol}",
        _price(symbol, step),
        ts=exchange.clock.now(),
        volume=10**7,
        last_quantity=10**6,
    )
    spec = _market(symbol, side, quantity, product)
    exchange.place(db, user_id=user_id, spec=spec, client_key=key, last=last)


def _past_days(db: Database, users: int) -> list[int]:
    """The users, funded, with manual trades on each of the past days (their own clock)."""
    from tradertape.domain.calendar_data import nse_calendar
    from tradertape.domain.instruments_data import reference_catalog
    from tradertape.domain.matching import MatchConfig
    from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
    from tradertape.ports.clock import IST, ManualClock
    from tradertape.services.accounts.users import create_user

    days = nse_calendar().trading_days(SESSION_DAY - timedelta(days=30), SESSION_DAY)
    past = [d for d in days if d < SESSION_DAY][-PAST_DAYS:]
    then = ManualClock(datetime.combine(past[0], time(9, 30), IST))
    exchange = PaperExchange(
        clock=then,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=MatchConfig(participation=Decimal(1))),
    )
    with db.session() as session:
        user_ids = []
        for n in range(users):
            user = create_user(session, clock=then, email=f"desk-{n}@x.in")
            exchange.deposit(session, user_id=user.id, amount=DEPOSIT)
            user_ids.append(user.id)
        for d, day in enumerate(past):
            then.set(datetime.combine(day, time(10, 0), IST))
            for n, user_id in enumerate(user_ids):
                a = MANUAL_SYMBOLS[(n + d) % len(MANUAL_SYMBOLS)]
                b = MANUAL_SYMBOLS[(n + d + 3) % len(MANUAL_SYMBOLS)]
                orders = [  # an intraday round trip, and delivery held on
                    (a, "BUY", 10, "MIS", d),
                    (a, "SELL", 10, "MIS", d + 1),
                    (b, "BUY", 5, "CNC", d + 2),
                ]
                for k, order in enumerate(orders):
                    _fill(exchange, session, user_id, f"past-{user_id}-{d}-{k}", order)
    return user_ids


def _portfolios(runtime: Runtime, user_ids: list[int]) -> list[list[int]]:
    """Each user's V1 Momentum and V3 Dip Buyer, their last weeks scanned and filled."""
    from tradertape.candles.populate import last_completed_session, synthesize
    from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
    from tradertape.db.models import ModelSignal
    from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
    from tradertape.services.portfolios.runs import run_day
    from tradertape.services.portfolios.signals import PortfolioTrading, place
    from tradertape.services.research import strategies

    store, clock = runtime.candles, runtime.clock
    market = SyntheticMarket(store.catalog, store.calendar, seed=DEFAULT_SEED)
    members = [i.key for i in store.catalog.universe("nifty_100")]
    end = last_completed_session(store.calendar, clock.now())
    synthesize(store, market, members, date(2024, 1, 1), end)
    days = store.calendar.trading_days(end - timedelta(weeks=PORTFOLIO_WEEKS), end)
    trading = PortfolioTrading(
        orders=runtime.orders, exchange=runtime.exchange, clock=clock, risk=runtime.risk
    )
    made: list[list[int]] = []
    with runtime.db.session() as session:
        for user_id in user_ids:
            ids = []
            for key in ("v1_momentum", "v3_dip_buyer"):
                template = strategies.by_builtin_key(session, key, clock=clock)
                assert template is not None
                request = PortfolioDeploy(
                    strategy_id=template.id,
                    universe="nifty_100",
                    starting_capital=Decimal(1_000_000),
                    max_positions=10,
                    max_per_sector=3,
                    auto_place_signals=key == "v3_dip_buyer",
                    paper_fill="next_open",
                )
                portfolio = deploy(
                    session,
                    request,
                    store=store,
                    clock=clock,
                    user_id=user_id,
                    live_trading_enabled=False,
                    paper_exchange=runtime.exchange,
                )
                for day in days:
                    run_day(session, portfolio, store=store, trading=trading, day=day)
                    if day != days[-1]:  # the last scan's signals wait for the user (V1)
                        waiting = session.scalars(
                            select(ModelSignal).where(
                                ModelSignal.portfolio_id == portfolio.id,
                                ModelSignal.status == "pending_approval",
                            )
                        ).all()
                        place(session, list(waiting), trading=trading)
                ids.append(portfolio.id)
            made.append(ids)
            session.commit()
    return made


def _today(runtime: Runtime, clock: ManualClock, user_ids: list[int]) -> None:
    """This morning's trades (positions left open, a short, T+1 delivery), a working
    limit order, and the users' risk rules."""
    from tradertape.domain.instruments import Exchange
    from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
    from tradertape.domain.risk import RuleType
    from tradertape.ports.clock import IST
    from tradertape.services.risk import rules

    clock.set(datetime.combine(SESSION_DAY, time(9, 30), IST))
    with runtime.db.session() as session:
        for n, user_id in enumerate(user_ids):
            a = MANUAL_SYMBOLS[n % len(MANUAL_SYMBOLS)]
            b = MANUAL_SYMBOLS[(n + 5) % len(MANUAL_SYMBOLS)]
            orders = [
                (a, "BUY", 20, "MIS", 0),
                (a, "SELL", 5, "MIS", 1),  # partly closed: 15 open
                (b, "SELL", 8, "MIS", 2),  # a short
                (b, "BUY", 3, "CNC", 3),  # bought today: T+1
            ]
            for k, order in enumerate(orders):
                _fill(runtime.exchange, session, user_id, f"today-{user_id}-{k}", order)
            working = OrderSpec(
                exchange=Exchange.NSE,
                tradingsymbol=a,
                transaction_type=TransactionType.BUY,
                quantity=4,
                product=Product.MIS,
                order_type=OrderType.LIMIT,
                price=(_price(a) * Decimal("0.8")).quantize(Decimal("0.05")),
            )
            runtime.exchange.place(
                session, user_id=user_id, spec=working, client_key=f"working-{user_id}"
            )
            for fields in (
                rules.RuleFields(type=RuleType.DAILY_LOSS_LIMIT, threshold_amount=Decimal(50_000)),
                rules.RuleFields(type=RuleType.MAX_OPEN_POSITIONS, threshold_count=40),
            ):
                rules.create(session, fields, clock=runtime.clock, user_id=user_id)


def seed(url: str, schema: str | None, folder: Path, *, users: int, sessions: int) -> Desk:
    """Build `users` accounts with `sessions` sessions each in the migrated database."""
    from tradertape.db.engine import Database
    from tradertape.db.models import User
    from tradertape.ports.clock import IST, ManualClock
    from tradertape.runtime import Runtime
    from tradertape.services.accounts import worker_tokens
    from tradertape.settings import Settings

    connect = {"options": f"-csearch_path={schema}"} if schema else {}
    db = Database.from_url(url, connect_args=connect)
    user_ids = _past_days(db, users)
    # The portfolios and today's trades through a runtime on the session's morning.
    clock = ManualClock(datetime.combine(SESSION_DAY, time(9, 0), IST))
    settings = Settings(
        data_dir=folder, secret_key="b" * 48, feed="none", warm_kernels=False, _env_file=None
    )
    runtime = Runtime.build(settings, db=db, clock=clock)
    portfolios = _portfolios(runtime, user_ids)
    _today(runtime, clock, user_ids)
    with db.session() as session:
        cookies = []
        for _ in range(sessions):
            for user_id in user_ids:
                user = session.get(User, user_id)
                assert user is not None
                cookies.append(runtime.sessions.start(session, user=user, ip=None, user_agent=None))
        spec = worker_tokens.TokenSpec(name="load", allowed_modes=["paper"])
        token = worker_tokens.create(session, clock=clock, user_id=user_ids[-1], spec=spec)
        session.commit()
    db.dispose()
    return Desk(cookies=cookies, portfolios=portfolios, token=token.secret)
