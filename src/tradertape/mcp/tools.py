"""The assistant's tools: the web app's services, each call through `AssistantDesk`.

Reads take the ``read`` scope; running a backtest is research and takes it too (it adds the
run to the user's history, as the web app's Run does). Alerts and paper orders take
``paper``; a live order takes ``live`` and only asks: the user confirms it in the web app.
Inputs and outputs are the API's own models, so an assistant sees the schemas the web app
and the OpenAPI document use. Nothing here reaches past a service or the order door, and no
tool touches scopes, risk rules, the kill switch or the paper/live switches.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tradertape.api.schemas.alerts import CONDITION_HELP, AlertName, AlertOut
from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.instruments import InstrumentOut
from tradertape.api.schemas.journal import TaxOut
from tradertape.api.schemas.journal_tax import tax_out
from tradertape.api.schemas.kite import BookOrder, BookTrade, Holding, MarginsOut, PositionsOut
from tradertape.api.schemas.market import HistoryOut, MarketQuoteOut, MarketQuotesOut
from tradertape.api.schemas.model import PortfolioOut, SignalOut, portfolio_out
from tradertape.api.schemas.options_desk import (
    BasketIn,
    BasketOut,
    WindowChainOut,
    basket_legs,
    basket_out,
)
from tradertape.api.schemas.strategies import (
    BacktestRunBrief,
    BacktestTrade,
    StrategyOut,
    run_brief,
    strategy_out,
)
from tradertape.api.schemas.trading import GttCreated, GttIn, OrderIn, OrderPlaced, gtt_spec
from tradertape.api.schemas.walk_forwards import (
    WalkForwardBrief,
    WalkForwardOut,
    walk_forward_brief,
    walk_forward_out,
)
from tradertape.backtest.request import BacktestRequest
from tradertape.backtest.walk_forward_request import WalkForwardRequest
from tradertape.domain import books
from tradertape.domain.market import ChartInterval
from tradertape.domain.ticks import order_tick
from tradertape.errors import InvalidField
from tradertape.journal.tax import fy_bounds
from tradertape.mcp.desk import AssistantDesk, Caller
from tradertape.oms import PAPER_ACCOUNT, CreateGtt
from tradertape.runtime import Runtime
from tradertape.services.accounts.assistant_keys import AssistantScope
from tradertape.services.alerts import alerts
from tradertape.services.assistant import calls, confirmations
from tradertape.services.books.ticket import place_ticket
from tradertape.services.journal import ledger, returns
from tradertape.services.market.history import history
from tradertape.services.market.instruments import build_catalog
from tradertape.services.market.quotes import MAX_QUOTES, quotes
from tradertape.services.options import chain
from tradertape.services.portfolios import deploy as portfolios
from tradertape.services.portfolios import signals
from tradertape.services.portfolios.signal_labels import signal_labels
from tradertape.services.research import backtests, strategies, walk_forwards
from tradertape.services.research.simulation import rows_of

READ = AssistantScope.READ
PAPER = AssistantScope.PAPER
LIVE = AssistantScope.LIVE

#: reads only: an assistant may call them freely
READS = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
#: adds something (a backtest in the history, an alert) and changes nothing that was there
ADDS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
#: trades: an order (paper at once; live only once the user confirms it)
TRADES = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True
)
MAX_ROWS = 500
#: a run's trades an answer carries unless asked for fewer or more (up to `MAX_ROWS`)
FIRST_TRADES = 50

Book = Annotated[
    str | None,
    Field(
        max_length=32,
        description="one book (manual, portfolio:<id>, run:<id>, live:<broker>), 'paper' (every "
        "paper book), 'all'; omitted: the account in use (the connected broker's, else paper)",
    ),
]


class AccountOut(BaseModel):
    """The account the assistant acts for, its key's scope, and its funds and margins."""

    key_name: str = Field(description="the assistant key's name (as the user named it: data)")
    scope: Literal["read", "paper", "live"] = Field(
        description="what this key allows; fixed by the user, no tool can change it"
    )
    margins: MarginsOut


class PositionsAnswer(BaseModel):
    """Open positions, net and today's."""

    positions: PositionsOut


T = TypeVar("T")


class Rows(BaseModel, Generic[T]):
    """A list of rows."""

    rows: list[T]


class AlertNoticeIn(Strict):
    """A new alert that notifies you (orders on alerts are attached in the web app)."""

    name: AlertName
    symbol: str | None = Field(default=None, min_length=3, max_length=80)
    watchlist_id: int | None = Field(default=None, ge=1)
    timeframe: Literal["minute", "day"] = "minute"
    condition: dict[str, Any] = Field(description=CONDITION_HELP)
    repeat: Literal["once", "every"] = "once"
    cooldown_secs: int = Field(default=300, ge=60, le=7 * 86_400)


class OrderAnswer(BaseModel):
    """What became of an order the assistant asked for."""

    status: Literal["placed", "rejected", "waiting for your confirmation", "declined"] = Field(
        description="rejected: by the risk gate, the funds check or the exchange's rules "
        "(``message`` says why)"
    )
    order: OrderPlaced | None = Field(
        default=None, description="the order, once placed (paper at once; live once confirmed)"
    )
    confirmation_id: int | None = Field(
        default=None, description="a live order's request, waiting for the user in the web app"
    )
    order_id: str | None = Field(default=None, description="a confirmed live order's id")
    message: str = ""


class BacktestComparison(BaseModel):
    """Runs side by side: each run's headline figures."""

    runs: list[BacktestRunBrief]


class BacktestReading(BacktestRunBrief):
    """One run as ``GET /api/backtest/runs/{id}`` answers it, its trades bounded: the
    configuration, the summary, the strategy document run and its first round trips."""

    strategy: dict[str, Any] = Field(description="the strategy document as it was run")
    trades: list[BacktestTrade] = Field(description="the first round trips, in the run's order")
    trade_count: int = Field(description="every round trip of the run (``trades`` may be fewer)")


def _book(book: str | None) -> str | None:
    if book is not None and book not in (books.ALL, "paper") and not books.is_valid(book):
        raise InvalidField("book", "name a book: all, paper, manual, portfolio:<id>, run:<id>")
    return book


def register(server: MCPServer, desk: AssistantDesk) -> None:
    """Add every tool to `server`."""
    _accounts(server, desk)
    _market(server, desk)
    _research(server, desk)
    _portfolios(server, desk)
    _journal(server, desk)
    _alerts(server, desk)
    _orders(server, desk)
    _baskets(server, desk)
    _walk_forwards(server, desk)


def _view(runtime: Runtime, db: Session, caller: Caller, name: Any, book: str | None) -> Any:
    views = runtime.account_views
    if book is None:
        return views.read(db, user_id=caller.user_id, view=name).data
    return views.read_book(db, user_id=caller.user_id, view=name, book=book).data


def _accounts(server: MCPServer, desk: AssistantDesk) -> None:
    """The account's funds, positions, holdings, orders and trades."""
    runtime = desk.runtime

    def read(ctx: Context, name: str, book: str | None) -> Awaitable[Any]:
        return desk.call(
            ctx,
            name,
            {"book": book},
            READ,
            lambda db, caller: _view(runtime, db, caller, name, _book(book)),
        )

    @server.tool(annotations=READS)
    async def account(ctx: Context) -> AccountOut:
        """Who this assistant acts for: its key's name and scope, and the account's funds and
        margins (available cash, used margin) in Kite's shape."""

        def work(db: Session, caller: Caller) -> AccountOut:
            margins = MarginsOut.model_validate(_view(runtime, db, caller, "margins", None))
            return AccountOut(key_name=caller.key_name, scope=caller.scope.value, margins=margins)

        return await desk.call(ctx, "account", {}, READ, work)

    @server.tool(annotations=READS)
    async def positions(ctx: Context, book: Book = None) -> PositionsAnswer:
        """Positions marked to the last price: ``net`` (open) and ``day`` (today's)."""
        return PositionsAnswer(positions=await read(ctx, "positions", book))

    @server.tool(annotations=READS)
    async def holdings(ctx: Context, book: Book = None) -> Rows[Holding]:
        """Delivery holdings with their average price, last price and P&L."""
        return Rows[Holding](rows=await read(ctx, "holdings", book))

    @server.tool(annotations=READS)
    async def orders(ctx: Context, book: Book = None) -> Rows[BookOrder]:
        """Today's orders with their status."""
        return Rows[BookOrder](rows=await read(ctx, "orders", book))

    @server.tool(annotations=READS)
    async def trades(ctx: Context, book: Book = None) -> Rows[BookTrade]:
        """Today's trades (fills)."""
        return Rows[BookTrade](rows=await read(ctx, "trades", book))


def _market(server: MCPServer, desk: AssistantDesk) -> None:
    """Quotes, candles, instruments and the option chain."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def quotes_of(
        ctx: Context,
        instruments: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=64)]],
            Field(
                min_length=1, max_length=MAX_QUOTES, description="EXCHANGE:SYMBOL, e.g. NSE:INFY"
            ),
        ],
    ) -> MarketQuotesOut:
        """The last tick of each instrument with its market depth; unknown ones in
        ``missing``. ``price_source: close`` is the last stored daily close at ``timestamp``
        (this server runs no market feed), never a live price."""

        def work(db: Session, caller: Caller) -> MarketQuotesOut:
            found, missing = quotes(desk.market.catalog(db), desk.market.last_tick, instruments)
            return MarketQuotesOut(
                quotes={k: MarketQuoteOut.model_validate(v) for k, v in found.items()},
                missing=missing,
            )

        return await desk.call(ctx, "quotes_of", {"instruments": instruments}, READ, work)

    @server.tool(annotations=READS)
    async def candles(
        ctx: Context,
        symbol: Annotated[str, Field(min_length=1, max_length=64, description="e.g. NSE:INFY")],
        interval: ChartInterval = ChartInterval.DAY,
        start: date | None = None,
        end: date | None = None,
    ) -> HistoryOut:
        """Historical candles (IST dates, inclusive); ``source`` says whether they are real or
        synthetic."""

        def work(db: Session, caller: Caller) -> HistoryOut:
            found = history(
                runtime.candles,
                clock=runtime.market_clock,
                symbol=symbol,
                interval=interval,
                start=start,
                end=end,
                live=runtime.candle_book,
                live_source="synthetic" if runtime.settings.feed == "simulated" else "live",
            )
            return HistoryOut(
                symbol=found.symbol,
                interval=found.interval,
                source=found.source,
                candles=found.candles,
            )

        args = {"symbol": symbol, "interval": interval.value, "start": str(start), "end": str(end)}
        return await desk.call(ctx, "candles", args, READ, work)

    @server.tool(annotations=READS)
    async def search_instruments(
        ctx: Context,
        query: Annotated[str, Field(min_length=1, max_length=100)],
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
    ) -> Rows[InstrumentOut]:
        """Instruments whose symbol, or a word of whose name, starts with ``query``."""

        def work(db: Session, caller: Caller) -> Rows[InstrumentOut]:
            found = build_catalog(db).search(query, limit=limit, offset=0)
            out = []
            for instrument in found:
                last = desk.market.last_tick(instrument.key)
                reference = last.last_price if last is not None else None
                out.append(InstrumentOut.of(instrument, tick=order_tick(instrument, reference)))
            return Rows[InstrumentOut](rows=out)

        return await desk.call(
            ctx, "search_instruments", {"query": query, "limit": limit}, READ, work
        )

    @server.tool(annotations=READS)
    async def option_chain(
        ctx: Context,
        underlying: Annotated[str, Field(min_length=1, max_length=40, description="e.g. NIFTY")],
        expiry: Annotated[str | None, Field(max_length=20, description="a listed date")] = None,
        window: Annotated[int, Field(ge=1, le=40)] = 10,
    ) -> WindowChainOut:
        """``window`` strikes either side of ATM, each call and put with LTP, IV, greeks and
        OI; PCR and max pain. ``updated_at`` is the spot's time: without a market feed, the
        last stored close's, the options priced by the model from it."""
        args = {"underlying": underlying, "expiry": expiry, "window": window}
        return await desk.call(
            ctx,
            "option_chain",
            args,
            READ,
            lambda db, caller: WindowChainOut.model_validate(
                chain.window_chain(desk.market, db, underlying, expiry, window)
            ),
        )


def _research(server: MCPServer, desk: AssistantDesk) -> None:
    """Strategies and backtests."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def list_strategies(ctx: Context) -> Rows[StrategyOut]:
        """Strategies the user can backtest: their own, then templates and public ones, each
        with its document (the strategy DSL: resource ``tradertape://strategy-dsl/schema``)."""

        def work(db: Session, caller: Caller) -> Rows[StrategyOut]:
            rows = strategies.list_visible(
                db,
                clock=runtime.clock,
                user_id=caller.user_id,
                filters=strategies.ListFilter(),
                limit=MAX_ROWS,
                offset=0,
            )
            return Rows[StrategyOut](rows=[strategy_out(r, user_id=caller.user_id) for r in rows])

        return await desk.call(ctx, "list_strategies", {}, READ, work)

    @server.tool(annotations=READS)
    async def list_backtests(
        ctx: Context, limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] = 50
    ) -> Rows[BacktestRunBrief]:
        """The user's backtest history, newest first, with each run's summary figures."""
        return await desk.call(
            ctx,
            "list_backtests",
            {"limit": limit},
            READ,
            lambda db, caller: Rows[BacktestRunBrief](
                rows=[
                    run_brief(r)
                    for r in backtests.history(db, user_id=caller.user_id, limit=limit, offset=0)
                ]
            ),
        )

    @server.tool(annotations=READS)
    async def backtest(
        ctx: Context,
        run_id: Annotated[int, Field(ge=1)],
        trades: Annotated[int, Field(ge=0, le=MAX_ROWS)] = FIRST_TRADES,
    ) -> BacktestReading:
        """One of the user's backtest runs: its configuration, its summary (return, CAGR,
        drawdown, Sharpe, win rate …), the strategy document run, and its first ``trades``
        round trips (each with its prices, quantity, P&L after charges and exit reason) of
        ``trade_count``."""

        def work(db: Session, caller: Caller) -> BacktestReading:
            stored = backtests.read(db, run_id, user_id=caller.user_id, clock=runtime.clock)
            found = rows_of(stored.trades.parsed())
            return BacktestReading(
                **run_brief(stored.row).model_dump(),
                strategy=stored.row.strategy_snapshot,
                trades=[BacktestTrade.model_validate(t) for t in found[:trades]],
                trade_count=len(found),
            )

        return await desk.call(ctx, "backtest", {"run_id": run_id, "trades": trades}, READ, work)

    @server.tool(annotations=READS)
    async def compare_backtests(
        ctx: Context,
        run_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=10)],
    ) -> BacktestComparison:
        """Several of the user's runs side by side (their configuration and summary: return,
        CAGR, drawdown, Sharpe, trades …), in the order asked."""
        return await desk.call(
            ctx,
            "compare_backtests",
            {"run_ids": run_ids},
            READ,
            lambda db, caller: BacktestComparison(
                runs=[run_brief(backtests.get(db, i, user_id=caller.user_id)) for i in run_ids]
            ),
        )

    @server.tool(annotations=ADDS)
    async def run_backtest(ctx: Context, request: BacktestRequest) -> BacktestRunBrief:
        """Backtest a saved strategy (``strategy_id``) or one written in the strategy DSL
        (``strategy``) on a universe and a date range; the run joins the user's history."""

        def work(db: Session, caller: Caller) -> BacktestRunBrief:
            row = backtests.run(
                db,
                runtime.candles,
                runtime.research,
                request,
                clock=runtime.clock,
                user_id=caller.user_id,
            )
            return run_brief(row)

        args = request.model_dump(mode="json", exclude_unset=True)
        return await desk.call(ctx, "run_backtest", args, READ, work)


def _portfolios(server: MCPServer, desk: AssistantDesk) -> None:
    """Model portfolios and their signals."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def model_portfolios(ctx: Context) -> Rows[PortfolioOut]:
        """The user's model portfolios (active and paused) with their capital: free,
        deployed, committed, realised P&L and charges paid."""
        return await desk.call(
            ctx,
            "model_portfolios",
            {},
            READ,
            lambda db, caller: Rows[PortfolioOut](
                rows=[
                    portfolio_out(r)
                    for r in portfolios.listing(
                        db, user_id=caller.user_id, status=None, limit=MAX_ROWS, offset=0
                    )
                ]
            ),
        )

    @server.tool(annotations=READS)
    async def model_signals(
        ctx: Context,
        portfolio_id: Annotated[int | None, Field(ge=1)] = None,
        status: Annotated[str | None, Field(max_length=40)] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] = 100,
    ) -> Rows[SignalOut]:
        """The model portfolios' signals, newest scan first, by conviction rank within it;
        each labelled with its symbol's data source (synthetic data says so)."""

        def work(db: Session, caller: Caller) -> Rows[SignalOut]:
            rows = signals.listing(
                db,
                user_id=caller.user_id,
                portfolio_id=portfolio_id,
                status=status,
                limit=limit,
                offset=0,
            )
            labels = signal_labels(db, rows, runtime.candles)
            return Rows[SignalOut](
                rows=[
                    SignalOut.model_validate(row).model_copy(update=label)
                    for row, label in zip(rows, labels, strict=True)
                ]
            )

        args = {"portfolio_id": portfolio_id, "status": status, "limit": limit}
        return await desk.call(ctx, "model_signals", args, READ, work)


def _journal(server: MCPServer, desk: AssistantDesk) -> None:
    """The journal's tax P&L."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def journal_tax(
        ctx: Context,
        fy: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="e.g. 2025-26")],
        include_paper: bool = False,
    ) -> TaxOut:
        """The tax P&L of a financial year from the journal: intraday (speculative), F&O
        (non-speculative) with turnover, STCG and LTCG by rate, Schedule 112A, and the
        income by head after set-offs. Facts to check with an adviser, not advice. Paper
        trades are left out unless ``include_paper``."""

        def work(db: Session, caller: Caller) -> TaxOut:
            try:
                fy_bounds(fy)
            except ValueError as problem:
                raise InvalidField("fy", str(problem)) from None
            answer = returns.year_income(
                db,
                user_id=caller.user_id,
                reference=ledger.Reference.load(runtime.settings.data_dir),
                fy=fy,
                today=ledger.ist_today(runtime.clock.now()),
                include_paper=include_paper,
                lines=False,
            )
            return tax_out(answer)

        args = {"fy": fy, "include_paper": include_paper}
        return await desk.call(ctx, "journal_tax", args, READ, work)


def _alerts(server: MCPServer, desk: AssistantDesk) -> None:
    """Alerts: list, and create (notices only)."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def list_alerts(ctx: Context) -> Rows[AlertOut]:
        """The user's alerts, newest first."""
        return await desk.call(
            ctx,
            "list_alerts",
            {},
            READ,
            lambda db, caller: Rows[AlertOut](
                rows=[
                    AlertOut.model_validate(r, from_attributes=True)
                    for r in alerts.listing(db, user_id=caller.user_id, limit=MAX_ROWS, offset=0)
                ]
            ),
        )

    @server.tool(annotations=ADDS)
    async def create_alert(ctx: Context, alert: AlertNoticeIn) -> AlertOut:
        """A new alert that notifies the user (the bell, Telegram) when its condition holds.
        Needs a key with the paper scope."""

        def work(db: Session, caller: Caller) -> AlertOut:
            draft = alerts.AlertDraft(**alert.model_dump(), order=None)
            row = alerts.create(
                db, runtime.catalog, draft, clock=runtime.clock, user_id=caller.user_id
            )
            return AlertOut.model_validate(row, from_attributes=True)

        return await desk.call(ctx, "create_alert", alert.model_dump(mode="json"), PAPER, work)


def _orders(server: MCPServer, desk: AssistantDesk) -> None:
    """Orders: paper at once, live on the user's confirmation."""
    runtime = desk.runtime

    @server.tool(annotations=TRADES)
    async def place_order(ctx: Context, order: OrderIn) -> OrderAnswer:
        """Place an order through the same gate as the order ticket: the user's risk rules,
        the kill switch and SEBI's order-rate ceiling apply. ``mode: paper`` (a key with the
        paper scope) is placed at once on the paper account. ``mode: live`` (a key with the
        live scope) is not placed: it waits for the user's confirmation in the web app; ask
        again with ``order_confirmation`` to see what they decided."""
        args = order.model_dump(mode="json", exclude_unset=True)
        if order.mode == "live":

            def ask(db: Session, caller: Caller) -> OrderAnswer:
                row = confirmations.ask(
                    db,
                    clock=runtime.clock,
                    user_id=caller.user_id,
                    key_id=caller.key_id,
                    key_name=caller.key_name,
                    order=order.model_dump(mode="json", exclude_unset=True),
                )
                return OrderAnswer(
                    status=confirmations.WAITING,
                    confirmation_id=row.id,
                    message=(
                        "waiting for your confirmation in TraderTape (Settings → AI assistant) "
                        "or, if you linked Telegram, in its chat"
                    ),
                )

            return await desk.call(ctx, "place_order", args, LIVE, ask)

        def place(db: Session, caller: Caller) -> OrderAnswer:
            spec = order.spec()
            submitted = place_ticket(
                db,
                orders=runtime.orders,
                views=runtime.account_views,
                user_id=caller.user_id,
                spec=spec,
                account=PAPER_ACCOUNT,
                last=runtime.orders.last_tick(spec.key),
                client_key=order.idempotency_key,
                book=order.book,
                source=calls.source_of(caller.key_id),
            )
            placed = OrderPlaced.of(submitted)
            status = "rejected" if placed.status == "REJECTED" else "placed"
            return OrderAnswer(status=status, order=placed, message=placed.status_message or "")

        return await desk.call(ctx, "place_order", args, PAPER, place)

    @server.tool(annotations=TRADES)
    async def place_gtt(ctx: Context, gtt: GttIn) -> GttCreated:
        """Create a paper GTT: a single trigger or a two-leg OCO (a stop-loss and a target).
        A leg that would open or extend a position passes the user's risk rules now and
        again when it fires. Live GTTs are the user's to place in the web app."""

        def work(db: Session, caller: Caller) -> GttCreated:
            if gtt.mode != "paper":
                raise InvalidField("gtt.mode", "an assistant places paper GTTs only")
            command = CreateGtt(caller.user_id, gtt_spec(gtt), PAPER_ACCOUNT)
            row = runtime.orders.create_gtt(db, command)
            return GttCreated(trigger_id=row.id)

        return await desk.call(ctx, "place_gtt", gtt.model_dump(mode="json"), PAPER, work)

    @server.tool(annotations=READS)
    async def order_confirmation(
        ctx: Context, confirmation_id: Annotated[int, Field(ge=1)]
    ) -> OrderAnswer:
        """What the user decided about a live order this assistant asked for."""

        def work(db: Session, caller: Caller) -> OrderAnswer:
            row = confirmations.status_of(db, user_id=caller.user_id, row_id=confirmation_id)
            status: Any = {
                confirmations.PENDING: confirmations.WAITING,
                confirmations.PLACED: "placed",
                confirmations.DECLINED: "declined",
            }[row.status]
            return OrderAnswer(
                status=status,
                confirmation_id=row.id,
                message=row.message or "",
                order_id=row.order_id,
            )

        return await desk.call(
            ctx, "order_confirmation", {"confirmation_id": confirmation_id}, READ, work
        )


def _baskets(server: MCPServer, desk: AssistantDesk) -> None:
    """Option structures in one step: paper only."""
    runtime = desk.runtime

    @server.tool(annotations=TRADES)
    async def place_basket(ctx: Context, basket: BasketIn) -> BasketOut:
        """Place an option structure on paper in one step (a straddle, a strangle, a spread,
        an iron condor: legs of the option chain's symbols, in lots): bought legs first, each
        through the same gate as the order ticket (the user's risk rules, the kill switch,
        SEBI's order-rate ceiling). A leg refused stops the rest and the legs that filled
        are exited at market (``unwind``). Live baskets are the user's to place in the web
        app."""

        def work(db: Session, caller: Caller) -> BasketOut:
            if basket.mode != "paper":
                raise InvalidField("basket.mode", "an assistant places paper baskets only")
            placed = runtime.baskets.place(
                db,
                basket_legs(basket),
                user_id=caller.user_id,
                account=PAPER_ACCOUNT,
                key=basket.idempotency_key,
                source=calls.source_of(caller.key_id),
            )
            runtime.account_views.invalidate(caller.user_id)
            return basket_out(placed)

        args = basket.model_dump(mode="json", exclude_unset=True)
        return await desk.call(ctx, "place_basket", args, PAPER, work)


def _walk_forwards(server: MCPServer, desk: AssistantDesk) -> None:
    """Walk-forwards: research, as backtests are (the ``read`` scope)."""
    runtime = desk.runtime

    @server.tool(annotations=ADDS)
    async def start_walk_forward(ctx: Context, request: WalkForwardRequest) -> WalkForwardBrief:
        """Start a walk-forward of a strategy: fold after fold, its parameter grid (or a
        seeded random sample of it) is run in sample, the best by the objective chosen and
        scored on the out-of-sample days that follow. It runs in the background under the
        user's cap of sweeps; read it with ``walk_forward`` (its folds, the stitched
        out-of-sample curve, the deflated Sharpe ratio and the probability of overfitting)."""

        def work(db: Session, caller: Caller) -> WalkForwardBrief:
            row = walk_forwards.start(
                db,
                runtime.candles,
                runtime.research,
                request,
                clock=runtime.clock,
                user_id=caller.user_id,
                limit=runtime.settings.sweep_max_variants,
            )
            return walk_forward_brief(row)

        args = request.model_dump(mode="json", exclude_unset=True)
        return await desk.call(ctx, "start_walk_forward", args, READ, work)

    @server.tool(annotations=READS)
    async def list_walk_forwards(
        ctx: Context, limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] = 50
    ) -> Rows[WalkForwardBrief]:
        """The user's walk-forwards, newest first, with their status and progress."""

        def work(db: Session, caller: Caller) -> Rows[WalkForwardBrief]:
            rows = walk_forwards.history(
                db, user_id=caller.user_id, limit=limit, offset=0, clock=runtime.clock
            )
            return Rows[WalkForwardBrief](rows=[walk_forward_brief(r) for r in rows])

        return await desk.call(ctx, "list_walk_forwards", {"limit": limit}, READ, work)

    @server.tool(annotations=READS)
    async def walk_forward(ctx: Context, run_id: Annotated[int, Field(ge=1)]) -> WalkForwardOut:
        """One walk-forward: each finished fold (the parameters chosen, in- and out-of-sample
        figures, the degradation) and, once every fold is in, the verdict (the stitched
        out-of-sample curve, parameter stability, the deflated Sharpe ratio and PBO)."""

        def work(db: Session, caller: Caller) -> WalkForwardOut:
            row = walk_forwards.get(db, run_id, user_id=caller.user_id, clock=runtime.clock)
            return walk_forward_out(row)

        return await desk.call(ctx, "walk_forward", {"run_id": run_id}, READ, work)
