"""Deploying a portfolio, and its lifecycle: pause, resume, retire, reset.

A portfolio pins the strategy version it was deployed with (a later edit of the strategy
does not change a running portfolio). A live portfolio (``paper_mode: false``) trades at the
user's Kite: it needs both live switches and a Kite session, fills only there (``paper_fill``
``gtt``) and puts no paper money in (docs/live-trading.md).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.domain.books import MANUAL, portfolio_book
from tradertape.domain.brokers import BROKERS
from tradertape.domain.decimal_input import PLAIN, Count
from tradertape.domain.instruments import UnknownUniverseError, universe_words
from tradertape.domain.row_ids import MAX_ROW_ID
from tradertape.domain.signals import ACTIONABLE
from tradertape.errors import Conflict, Forbidden, InvalidField
from tradertape.oms import CancelGtt, OrderPipeline, PortfolioBooks
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.portfolios import money
from tradertape.services.portfolios.reconcile import release
from tradertape.services.portfolios.signals import AGENT
from tradertape.services.research import strategies
from tradertape.strategies.dsl import StrategyDocument

ZERO = Decimal(0)
ACTIVE, PAUSED, RETIRED = "active", "paused", "retired"
KITE = "kite"  # a live portfolio trades at the user's Kite (docs/live-trading.md)
SERVER = "server"
#: Where the local agent can place (seed 000).
AGENT_BROKERS = tuple(row.name.value for row in BROKERS.values() if row.agent)


#: What the agent may place for a portfolio (docs/agent-api.md, "placement").
AGENT_PLACEMENTS = "^(gtt|limit|market)$"


class PortfolioDeploy(BaseModel):
    """What a deployment asks for; omitted guardrails come from the strategy's config."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    strategy_id: Annotated[int, Strict()] = Field(ge=1, le=MAX_ROW_ID)
    universe: str = Field(default="nifty_100", max_length=40)
    broker: str = Field(default="paper", max_length=20)
    starting_capital: Annotated[Decimal, Field(gt=0, le=Decimal("1e11"), decimal_places=2), PLAIN]
    position_size_pct: Annotated[Decimal, Field(gt=0, le=100), PLAIN] = Decimal(10)
    max_positions: Count = Field(default=10, ge=1, le=500)
    max_per_sector: Count | None = Field(default=None, ge=1, le=500)
    max_oversubscription: Annotated[Decimal, Field(ge=1, le=5), PLAIN] = Decimal("1.5")
    min_hold_days: Count | None = Field(default=None, ge=0, le=1000)
    atr_stop_multiplier: Annotated[Decimal, Field(ge=0, le=50), PLAIN] | None = None
    slippage_bps: Annotated[Decimal, Field(ge=0, le=1000), PLAIN] = Decimal(5)
    auto_place_signals: bool = False
    paper_mode: bool = True
    # gtt: a GTT on the paper broker, filled by the simulated feed (the live path);
    # close: a virtual fill at the signal's close; next_open: at the next open, by the
    # backtest's rules (the scanner then reproduces a backtest exactly)
    paper_fill: str = Field(default="gtt", pattern="^(gtt|close|next_open)$")
    # server: the cloud places its orders (paper, or at Kite); agent: the user's local agent
    # polls its signals and places them at `broker` from the user's machine (seed 000)
    executor: str = Field(default=SERVER, pattern="^(server|agent)$")
    # an agent-run portfolio's placements: a GTT, or an immediate LIMIT or MARKET order
    agent_placement: str = Field(default="gtt", pattern=AGENT_PLACEMENTS)


class PortfolioUpdate(BaseModel):
    """What may change on a running portfolio (fields left out keep their value)."""

    model_config = ConfigDict(extra="forbid")

    executor: str | None = Field(default=None, pattern="^(server|agent)$")
    auto_place_signals: bool | None = None
    agent_placement: str | None = Field(default=None, pattern=AGENT_PLACEMENTS)


def _check_agent(*, broker: str, paper_mode: bool, paper_fill: str) -> None:
    """An agent-run portfolio trades for real at one of the agent's brokers."""
    if paper_mode:
        raise InvalidField(
            "paper_mode", "an agent-run portfolio trades at your broker: set paper_mode false"
        )
    if broker not in AGENT_BROKERS:
        raise InvalidField(
            "broker", f"the agent trades at {', '.join(AGENT_BROKERS)}; name one of them"
        )
    if paper_fill != "gtt":
        raise InvalidField("paper_fill", "an agent-run portfolio fills at the broker: use 'gtt'")


def deploy(
    db: Session,
    request: PortfolioDeploy,
    *,
    store: CandleStore,
    clock: Clock,
    user_id: int,
    live_trading_enabled: bool,
    paper_exchange: PortfolioBooks | None = None,
    live_check: Callable[[], None] | None = None,
) -> ModelPortfolio:
    """Create an active portfolio on a strategy version the user can see. On the paper
    broker its capital is allocated from the account's manual book to its own book (a 400
    when the manual book has not that much free), which its fills draw on.
    ``paper_mode: false`` trades at the user's Kite (GTT entries and stops, orders for
    exits): ``live_check`` refuses it unless both live switches are on and the user has a
    Kite session (403/409); no paper money moves for it."""
    strategies.ensure_builtins(db, clock=clock)
    row = strategies.get_visible(db, request.strategy_id, user_id=user_id)
    document = StrategyDocument.model_validate(row.document)
    try:
        store.catalog.universe(request.universe)
    except UnknownUniverseError:
        known = ", ".join(store.catalog.universe_names)
        raise InvalidField(
            "universe", f"unknown universe {request.universe!r}; known: {known}"
        ) from None
    live = not request.paper_mode
    agent = request.executor == AGENT
    if agent:  # the server places nothing for it: its live switches and session do not apply
        _check_agent(
            broker=request.broker, paper_mode=request.paper_mode, paper_fill=request.paper_fill
        )
    else:
        _check_live(request.broker, request.paper_fill, live, live_trading_enabled, live_check)
    now = clock.now()
    config = document.config
    portfolio = ModelPortfolio(
        user_id=user_id,
        name=request.name or f"{document.name} · {universe_words(request.universe)}",
        strategy_id=row.id,
        strategy_version=row.version,
        strategy_snapshot=row.document,
        broker=request.broker if agent else KITE if live else request.broker,
        universe=request.universe,
        status=ACTIVE,
        starting_capital=request.starting_capital,
        current_capital=request.starting_capital,
        deployed_capital=ZERO,
        committed_capital=ZERO,
        realised_pnl=ZERO,
        charges_paid=ZERO,
        position_size_pct=request.position_size_pct,
        max_positions=request.max_positions,
        max_per_sector=request.max_per_sector,
        max_oversubscription=request.max_oversubscription,
        min_hold_days=config.min_hold if request.min_hold_days is None else request.min_hold_days,
        atr_stop_multiplier=(
            Decimal(str(config.atr_stop_mult))
            if request.atr_stop_multiplier is None
            else request.atr_stop_multiplier
        ),
        slippage_bps=request.slippage_bps,
        auto_place_signals=request.auto_place_signals,
        paper_mode=request.paper_mode,
        paper_fill=request.paper_fill,
        executor=request.executor,
        agent_placement=request.agent_placement,
        created_at=now,
        updated_at=now,
        last_scan_date=None,
        last_scan_at=None,
        equity_curve=[],
    )
    db.add(portfolio)
    db.flush()
    if paper_exchange is not None and portfolio.broker == "paper":
        # an allocation from the account's cash, never new money (docs/books.md)
        paper_exchange.allocate(
            db,
            user_id=user_id,
            amount=request.starting_capital,
            source=MANUAL,
            target=portfolio_book(portfolio.id),
            note=f"capital of model portfolio {portfolio.id}: {portfolio.name}"[:200],
            field="starting_capital",
        )
    db.commit()
    return portfolio


def _check_live(
    broker: str,
    paper_fill: str,
    live: bool,
    live_trading_enabled: bool,
    live_check: Callable[[], None] | None,
) -> None:
    """A portfolio the server trades: on paper, or live at Kite with both switches on."""
    if broker != "paper" and not (live and broker == KITE):
        raise InvalidField("broker", f"no {broker} adapter is available yet; deploy on 'paper'")
    if live and not live_trading_enabled:
        raise Forbidden("live trading is disabled on this server (live_trading_enabled=false)")
    if live and paper_fill != "gtt":
        raise InvalidField("paper_fill", "a live portfolio fills at the broker: use 'gtt'")
    if live and live_check is not None:
        live_check()


def _working_at_broker(db: Session, portfolio: ModelPortfolio) -> bool:
    """Whether a GTT or order of the portfolio is working at the broker (or a stop stands)."""
    signal = db.scalar(
        select(ModelSignal.id).where(
            ModelSignal.portfolio_id == portfolio.id,
            ModelSignal.gtt_status.in_(("active", "triggered", "order_placed")),
        )
    )
    stop = db.scalar(
        select(ModelPosition.id).where(
            ModelPosition.portfolio_id == portfolio.id,
            ModelPosition.status != "closed",
            ModelPosition.stop_gtt_id.is_not(None),
        )
    )
    return signal is not None or stop is not None


def update(
    db: Session,
    portfolio_id: int,
    change: PortfolioUpdate,
    *,
    user_id: int,
    clock: Clock,
    live_trading_enabled: bool,
    live_check: Callable[[], None] | None = None,
) -> ModelPortfolio:
    """Change who executes the portfolio, or whether its signals are placed at once
    (commits). Changing hands while something is working at the broker is a 409: the one
    who placed it follows it to the end."""
    portfolio = get(db, portfolio_id, user_id=user_id)
    if change.executor is not None and change.executor != portfolio.executor:
        if _working_at_broker(db, portfolio):
            raise Conflict(
                f"portfolio {portfolio_id} has GTTs or orders working at the broker; "
                f"they must fill or be cancelled before the {change.executor} takes over"
            )
        if change.executor == AGENT:
            _check_agent(
                broker=portfolio.broker,
                paper_mode=portfolio.paper_mode,
                paper_fill=portfolio.paper_fill,
            )
        else:
            _check_live(
                portfolio.broker, portfolio.paper_fill, True, live_trading_enabled, live_check
            )
        portfolio.executor = change.executor
    if change.auto_place_signals is not None:
        portfolio.auto_place_signals = change.auto_place_signals
    if change.agent_placement is not None:
        portfolio.agent_placement = change.agent_placement
    portfolio.updated_at = clock.now()
    db.commit()
    return portfolio


def get(db: Session, portfolio_id: int, *, user_id: int) -> ModelPortfolio:
    """One of the user's portfolios (404 if missing or someone else's)."""
    return get_owned(db, ModelPortfolio, portfolio_id, user_id=user_id, label="portfolio")


def _listing(*, named: bool) -> Prepared:
    """The list of one named status, or (not `named`) of every status but retired."""
    table = table_of(ModelPortfolio)
    # the pinned strategy and the equity curve are JSON the list does not show
    shown = [c for c in table.c if c.key not in ("strategy_snapshot", "equity_curve")]
    status = table.c.status
    query = select(*shown).where(
        table.c.user_id == bindparam("user_id"),
        status == bindparam("status") if named else status != RETIRED,
    )
    query = query.order_by(table.c.id.desc()).limit(bindparam("limit"))
    return Prepared(query.offset(bindparam("offset")))


# The portfolios page and the dashboard's tabs read the list on every visit: prepared
# statements (the ORM query of the same rows cost most of the read).
_LISTING = {named: _listing(named=named) for named in (False, True)}


def listing(
    db: Session, *, user_id: int, status: str | None, limit: int, offset: int
) -> list[ModelPortfolio]:
    """The user's portfolios, newest first (retired ones only when asked for), as rows to
    read (not attached to the session: a change to one is not saved; their pinned strategy
    and equity curve are not read)."""
    params = {"user_id": user_id, "status": status, "limit": limit, "offset": offset}
    return _LISTING[status is not None].detached(db, ModelPortfolio, params)


def open_positions(db: Session, portfolio_id: int) -> int:
    """How many positions of the portfolio are not closed."""
    query = select(func.count()).where(
        ModelPosition.portfolio_id == portfolio_id, ModelPosition.status != "closed"
    )
    return db.scalar(query) or 0


def _expire_open_signals(db: Session, portfolio_id: int) -> None:
    for signal in db.scalars(
        select(ModelSignal).where(
            ModelSignal.portfolio_id == portfolio_id, ModelSignal.status.in_(ACTIONABLE)
        )
    ):
        signal.status = "expired"


def _withdraw_waiting_entries(
    db: Session, portfolio: ModelPortfolio, orders: OrderPipeline
) -> None:
    """Cancel the entry GTTs still waiting at the broker and free their committed capital.

    A retired portfolio must not open a position later; an entry whose trigger already
    fired is an order on its way to a position, so it blocks the retirement instead.
    """
    entries = db.scalars(
        select(ModelSignal).where(
            ModelSignal.portfolio_id == portfolio.id,
            ModelSignal.signal_type != "exit",
            ModelSignal.gtt_status.in_(("active", "triggered", "order_placed")),
        )
    ).all()
    if entries and portfolio.executor == AGENT:
        raise Conflict(
            f"portfolio {portfolio.id} has entries the agent placed still working "
            f"({', '.join(sorted(s.symbol for s in entries))}); cancel them at the broker first"
        )
    firing = [s.symbol for s in entries if s.gtt_status != "active"]
    if firing:
        raise Conflict(
            f"portfolio {portfolio.id} has entry orders working ({', '.join(sorted(firing))}); "
            "wait for them to fill or cancel them first"
        )
    for signal in entries:
        if signal.gtt_id is None:
            continue
        if not orders.cancel_gtt(db, CancelGtt(signal.gtt_id)):  # it fired a moment ago
            raise Conflict(f"the entry GTT of {signal.symbol} just fired; try again shortly")
        release(portfolio, signal, "cancelled")


def set_status(
    db: Session,
    portfolio_id: int,
    *,
    user_id: int,
    clock: Clock,
    status: str,
    orders: OrderPipeline | None = None,
    paper_exchange: PortfolioBooks | None = None,
) -> ModelPortfolio:
    """Pause (no scans, no placements), resume, or retire (only without open positions;
    entry GTTs still waiting are cancelled and their capital freed; a paper portfolio's
    cash goes back to the manual book)."""
    portfolio = money.hold(db, get(db, portfolio_id, user_id=user_id))
    allowed = {PAUSED: (ACTIVE,), ACTIVE: (PAUSED,), RETIRED: (ACTIVE, PAUSED)}[status]
    if portfolio.status not in allowed:
        raise Conflict(f"portfolio {portfolio_id} is {portfolio.status}; cannot make it {status}")
    if status == RETIRED:
        count = open_positions(db, portfolio_id)
        if count:
            raise Conflict(f"portfolio {portfolio_id} has {count} open positions; close them first")
        if orders is not None:
            _withdraw_waiting_entries(db, portfolio, orders)
        _expire_open_signals(db, portfolio_id)
        if paper_exchange is not None and portfolio.broker == "paper":
            paper_exchange.level_book(
                db,
                user_id=user_id,
                book=portfolio_book(portfolio.id),
                cash=ZERO,
                note=f"model portfolio {portfolio.id} retired",
            )
    portfolio.status = status
    portfolio.updated_at = clock.now()
    db.commit()
    return portfolio


def reset(
    db: Session,
    portfolio_id: int,
    *,
    user_id: int,
    clock: Clock,
    orders: OrderPipeline | None = None,
    paper_exchange: PortfolioBooks | None = None,
) -> ModelPortfolio:
    """A paper portfolio starts over: signals and positions gone, capital as deployed, and
    its GTTs still waiting at the broker (entries, stops) cancelled, so none fires for a
    signal or position that no longer exists. Its virtual fills leave the account's books
    (they never reached an exchange) and its book's cash is its capital again."""
    portfolio = money.hold(db, get(db, portfolio_id, user_id=user_id))
    if not portfolio.paper_mode:
        raise Conflict(f"portfolio {portfolio_id} trades live; only paper portfolios reset")
    if orders is not None:
        entries = select(ModelSignal.gtt_id).where(ModelSignal.portfolio_id == portfolio_id)
        stops = select(ModelPosition.stop_gtt_id).where(ModelPosition.portfolio_id == portfolio_id)
        waiting = [*db.scalars(entries), *db.scalars(stops)]
        for trigger_id in sorted({i for i in waiting if i is not None}):
            orders.cancel_gtt(db, CancelGtt(trigger_id))  # False: it fired or went already
    for model in (ModelSignal, ModelPosition):
        for row in db.scalars(select(model).where(model.portfolio_id == portfolio_id)):
            db.delete(row)
    if paper_exchange is not None and portfolio.broker == "paper":
        book = portfolio_book(portfolio.id)
        paper_exchange.erase_virtual_fills(db, user_id=user_id, book=book)
        paper_exchange.level_book(
            db,
            user_id=user_id,
            book=book,
            cash=portfolio.starting_capital,
            note=f"model portfolio {portfolio.id} started over",
        )
    money.start_over(portfolio)
    portfolio.last_scan_date = None
    portfolio.last_scan_at = None
    portfolio.last_scan_provisional = False
    portfolio.equity_curve = []
    portfolio.status = ACTIVE
    portfolio.updated_at = clock.now()
    db.commit()
    return portfolio
