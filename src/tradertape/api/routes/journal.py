"""The journal: your trade ledger, FIFO P&L and tax P&L per financial year
(`services.journal.ledger`)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status

from tradertape.api.deps import MAX_PAGE, CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.job_slots import ExportSlot
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.journal import (
    BenchmarkMetricsOut,
    BenchmarkOut,
    BenchmarkPointOut,
    EdgeFinderOut,
    EdgeOut,
    ExportOut,
    FmvImportOut,
    FmvStatusOut,
    Fy,
    IndexImportOut,
    IndexSeriesOut,
    JournalTradeOut,
    PatternBucketOut,
    PatternDimensionOut,
    PatternsOut,
    PatternStrategyIn,
    PatternStrategyOut,
    PnlOut,
    StatsOut,
    SuggestedBacktestOut,
    TaxOut,
)
from tradertape.api.schemas.journal_pnl import pnl_page_out
from tradertape.api.schemas.journal_tax import tax_out
from tradertape.api.schemas.numbers import RowId, Skip
from tradertape.domain.money import paise, shown_paise
from tradertape.errors import InvalidField
from tradertape.journal import analytics, export, findings, trip_table
from tradertape.journal import benchmark as bench
from tradertape.journal.tax import fy_bounds
from tradertape.runtime import Runtime
from tradertape.services.family import groups
from tradertape.services.journal import benchmark, ledger, returns, round_trips
from tradertape.services.journal.findings import strategy_from_finding
from tradertape.services.wealth import imports

router = APIRouter(tags=["journal"])

ZERO = Decimal(0)


def _fy(fy: str) -> str:
    try:
        fy_bounds(fy)
    except ValueError as problem:
        raise InvalidField("fy", str(problem)) from None
    return fy


def _reference(runtime: Runtime) -> ledger.Reference:
    return ledger.Reference.load(runtime.settings.data_dir)


@dataclass(frozen=True, slots=True)
class Whose:
    """Whose journal a page reads: yours, or your family group's members (the switcher)."""

    group_id: int | None
    member: list[int] | None


def whose(
    group_id: Annotated[
        RowId | None, Query(description="a family group of yours; without it, only you")
    ] = None,
    member: Annotated[
        list[RowId] | None,
        Query(max_length=groups.MAX_MEMBERS, description="the members chosen; all without"),
    ] = None,
) -> Whose:
    return Whose(group_id, member)


WhoseDep = Annotated[Whose, Depends(whose)]


IncludePaper = Annotated[
    bool,
    Query(
        description="count the paper account's simulated trades too; by default every journal "
        "figure (P&L, tax, Edge Finder, Patterns) is of real trades only, as Kite's "
        "Console and Wealth count"
    ),
]


@router.get("/journal/trades", response_model=list[JournalTradeOut])
def journal_trades(
    user: CurrentUser,
    db: DbDep,
    page: PageDep,
    symbol: Annotated[str | None, Query(max_length=64)] = None,
) -> list[JournalTradeOut]:
    """Every trade, oldest first: uploads, paper and live fills, each with its source; a live
    fill your tradebook also lists is one trade (``live+upload``)."""
    trades = ledger.journal_trades(db, user_id=user.id)
    if symbol:
        trades = [t for t in trades if t.symbol == symbol.strip().upper()]
    chosen = trades[page.offset : page.offset + page.limit]
    return [
        JournalTradeOut(
            source=t.source,
            broker=t.broker,
            account=t.account,
            exchange=t.exchange,
            segment=t.segment,
            symbol=t.symbol,
            isin=t.isin,
            day=t.day,
            at=t.at,
            side=t.side,
            quantity=t.quantity,
            price=t.price,
            trade_id=t.trade_id,
            order_id=t.order_id,
            product=t.product,
            charges=shown_paise(t.charges),
            charges_note=t.charges_note,
        )
        for t in chosen
    ]


def trips_asked(
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_PAGE,
            description="round trips a page (max 500); without it, every one the filter keeps",
        ),
    ] = None,
    offset: Annotated[Skip, Query(description="round trips to skip")] = 0,
    symbol: Annotated[
        str | None,
        Query(max_length=64, description="symbols containing this text, in any case"),
    ] = None,
    fy: Annotated[
        str | None,
        Query(
            min_length=7,
            max_length=7,
            pattern=r"^\d{4}-\d{2}$",
            description="closed in this financial year, 2024-25",
        ),
    ] = None,
    trip_type: Annotated[
        trip_table.TripType | None,
        Query(alias="type", description="delivery or intraday equity, or F&O (fo)"),
    ] = None,
    side: Annotated[trip_table.Side | None, Query(description="long or short")] = None,
    sort: Annotated[
        trip_table.SortKey | None,
        Query(
            description="the order of the round trips (ties in the book's order); without "
            "it, the book's: each close as FIFO met it"
        ),
    ] = None,
    order: Annotated[
        Literal["asc", "desc"], Query(description="desc: newest or largest first")
    ] = "asc",
) -> trip_table.TripQuery:
    """The round trips the P&L route is asked for, checked (a bad one: 422 naming it)."""
    return trip_table.TripQuery(
        symbol=(symbol or "").strip() or None,
        fy=None if fy is None else _fy(fy),
        type=trip_type,
        side=side,
        sort=sort,
        desc=order == "desc",
        offset=offset,
        limit=limit,
    )


@router.get("/journal/pnl", response_model=PnlOut)
def journal_pnl(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    scope: WhoseDep,
    asked: Annotated[trip_table.TripQuery, Depends(trips_asked)],
    include_paper: IncludePaper = False,
) -> PnlOut:
    """FIFO round trips per account and symbol, corporate actions applied first; an F&O
    contract held past its expiry closed at its settlement on the expiry day (or, its price
    unknown, open as "expired: settlement price needed", never marked); open
    positions marked as Positions marks them (the latest tick; an index option without one
    at its model price from the index), shares else at the last daily close the server
    has. With ``group_id``, the family members' journals together (each round trip names
    its member). Real trades only unless ``include_paper=true``, as the tax P&L counts:
    ``paper_round_trips`` says how many simulated ones were left out.

    The round trips are filtered (``symbol``, ``fy``, ``type``, ``side``), sorted
    (``sort``, ``order``) and paged (``limit``, ``offset``) here; ``matched`` sums every
    round trip the filter keeps. The totals and ``years`` are the whole journal's, as
    counted, whatever the filter. Without ``limit``, every round trip the filter keeps."""
    today = ledger.ist_today(runtime.clock.now())
    found = round_trips.pnl_page(
        db,
        user_id=user.id,
        group_id=scope.group_id,
        members=scope.member,
        reference=_reference(runtime),
        today=today,
        marks=ledger.candle_marks(runtime.candles, runtime.portfolio.last_tick, today),
        include_paper=include_paper,
        query=asked,
    )
    return pnl_page_out(found)


def _year(
    runtime: Runtime, db: DbDep, user_id: int, fy: str, include_paper: bool, *, lines: bool
) -> returns.YearTax:
    return returns.year_income(
        db,
        user_id=user_id,
        reference=_reference(runtime),
        fy=_fy(fy),
        today=ledger.ist_today(runtime.clock.now()),
        include_paper=include_paper,
        lines=lines,
    )


@router.get("/journal/tax", response_model=TaxOut)
def journal_tax(
    fy: Fy, user: CurrentUser, runtime: RuntimeDep, db: DbDep, include_paper: IncludePaper = False
) -> TaxOut:
    """The tax P&L of a financial year: intraday (speculative), F&O (non-speculative) with
    turnover, STCG and LTCG by the rate of each transfer date, grandfathering, buybacks,
    Schedule 112A, and the income by head after the Act's set-offs with the tax at special
    rates they leave (the return's, `/journal/tax/return`). Facts to check, not advice.
    Paper trades are left out unless ``include_paper=true``."""
    return tax_out(_year(runtime, db, user.id, fy, include_paper, lines=False))


@router.get("/journal/tax/export", response_model=ExportOut, responses=HEAVY_JOB_RESPONSES)
def journal_tax_export(
    fy: Fy,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    _slot: ExportSlot,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "xlsx",  # noqa: A002 - the query's name
    include_paper: IncludePaper = False,
) -> ExportOut:
    """The tax P&L as a file (summary, round trips, Schedule 112A), base64 in JSON; paper
    trades left out unless ``include_paper=true``."""
    answer = _year(runtime, db, user.id, fy, include_paper, lines=True)  # its round trips
    if format == "csv":
        content, media = export.to_csv(answer.year, answer.set_off), "text/csv"
    else:
        content = export.to_xlsx(answer.year, answer.set_off)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return ExportOut(
        filename=f"tax-pnl-{re.sub(r'[^0-9-]', '', fy)}.{format}",
        media_type=media,
        content_base64=base64.b64encode(content).decode(),
    )


def _stats(stats: analytics.Stats) -> dict[str, Any]:
    rr = stats.risk_reward
    return StatsOut(
        count=stats.count,
        win_rate=stats.win_rate.quantize(Decimal("0.0001")),
        expectancy=paise(stats.expectancy),
        average_winner=shown_paise(stats.average_winner),
        average_loser=shown_paise(stats.average_loser),
        risk_reward=None if rr is None else rr.quantize(Decimal("0.01")),
        total=paise(stats.total),
    ).model_dump()


def _trades(
    runtime: Runtime, db: DbDep, user_id: int, scope: Whose, include_paper: bool
) -> list[analytics.Trade]:
    return round_trips.closed_trades(
        db,
        user_id=user_id,
        group_id=scope.group_id,
        members=scope.member,
        reference=_reference(runtime),
        today=ledger.ist_today(runtime.clock.now()),
        include_paper=include_paper,
    )


@router.get("/journal/edge", response_model=EdgeFinderOut)
def journal_edge(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    scope: WhoseDep,
    include_paper: IncludePaper = False,
) -> EdgeFinderOut:
    """The Edge Finder: per symbol win rate, expectancy, average winner and loser,
    risk-reward and count, bucketed (strong, moderate, negative, too few trades)."""
    edges = analytics.edge_finder(_trades(runtime, db, user.id, scope, include_paper))
    return EdgeFinderOut(
        min_trades=analytics.MIN_TRADES,
        symbols=[
            EdgeOut(symbol=e.symbol, bucket=e.bucket, warnings=list(e.warnings), **_stats(e.stats))
            for e in edges
        ],
    )


@router.get("/journal/patterns", response_model=PatternsOut)
def journal_patterns(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    scope: WhoseDep,
    include_paper: IncludePaper = False,
) -> PatternsOut:
    """Patterns: win rate, expectancy, total and count per bucket of each of the spec's
    dimensions; trend, volatility, RSI zone and sector from the symbols' imported daily
    closes (never the synthetic market). Each dimension says whether a bucket can be saved
    as a strategy rule, or why not."""
    trades = _trades(runtime, db, user.id, scope, include_paper)
    today = ledger.ist_today(runtime.clock.now())
    found = analytics.patterns(trades, ledger.markets(runtime.candles, trades, today))
    return PatternsOut(
        dimensions=[
            PatternDimensionOut(
                name=name,
                buckets=[
                    PatternBucketOut(label=label, **_stats(stats))
                    for label, stats in sorted(buckets.items())
                ],
                makes_rule=findings.why_not(name) is None,
                why_not=findings.why_not(name),
            )
            for name, buckets in found.items()
        ],
        not_computed=[d for d in analytics.MARKET_DIMENSIONS if d not in found],
    )


@router.post(
    "/journal/patterns/strategy",
    response_model=PatternStrategyOut,
    status_code=status.HTTP_201_CREATED,
)
def pattern_strategy(
    body: PatternStrategyIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> PatternStrategyOut:
    """Save a finding of your Patterns (``rsi_zone`` / ``>70``) as a strategy: V1 Momentum
    with the finding as its entry (or holding window, or sector), and the backtest of it
    over your journal's years to post to ``/api/backtest/runs``. A dimension about you
    rather than the market (size, day of week, revenge trading...) is a 422 saying why."""
    today = ledger.ist_today(runtime.clock.now())
    # every trade of yours, paper too: they only date the backtest's years
    trades = _trades(runtime, db, user.id, Whose(None, None), include_paper=True)
    made = strategy_from_finding(
        db,
        user_id=user.id,
        dimension=body.dimension,
        bucket=body.bucket,
        trades=trades,
        markets=ledger.markets(runtime.candles, trades, today),
        catalog=runtime.candles.catalog,
        clock=runtime.clock,
        today=today,
    )
    return PatternStrategyOut(
        strategy_id=made.strategy.id,
        name=made.strategy.name,
        rule=made.rule.says,
        caveat=made.rule.caveat,
        backtest=SuggestedBacktestOut(
            strategy_id=made.strategy.id,
            universe=made.backtest.universe,
            start_date=made.backtest.start_date,
            end_date=made.backtest.end_date,
        ),
    )


_BINARY = {"type": "string", "format": "binary", "maxLength": imports.MAX_FILE_BYTES}
Period = Literal["all", "1y", "3y", "5y"]


def _metrics(m: bench.Metrics | None) -> BenchmarkMetricsOut | None:
    if m is None:
        return None
    return BenchmarkMetricsOut(
        cagr=m.cagr,
        xirr=m.xirr,
        sharpe=m.sharpe,
        max_drawdown=m.max_drawdown,
        total_return=m.total_return,
    )


@router.get("/journal/benchmark", response_model=BenchmarkOut)
def journal_benchmark(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    index: Annotated[
        str, Query(min_length=1, max_length=64, description="NIFTY 50, NIFTY 100, ... or a fund")
    ] = "NIFTY 50",
    period: Annotated[Period, Query()] = "all",
) -> BenchmarkOut:
    """Your equity against an imported index history (never the synthetic market), both
    normalised to 1 on the first day: CAGR, XIRR, Sharpe, max drawdown, alpha, beta and
    correlation over all time, 1, 3 or 5 years; capital flows from your ledger."""
    today = ledger.ist_today(runtime.clock.now())
    answer = benchmark.benchmark(
        db,
        user_id=user.id,
        reference=_reference(runtime),
        today=today,
        index=index,
        period=period,
    )
    found = answer.comparison
    names = list(bench.INDICES) + [n for n, *_ in answer.available if n not in bench.INDICES]
    return BenchmarkOut(
        index=answer.index,
        period=period,
        choices=names,
        imported=[
            IndexSeriesOut(name=n, first=a, last=b, days=c) for n, a, b, c in answer.available
        ],
        missing=answer.missing,
        start=found.start if found else None,
        end=found.end if found else None,
        you=_metrics(found.you if found else None),
        benchmark=_metrics(found.benchmark if found else None),
        alpha=found.alpha if found else None,
        beta=found.beta if found else None,
        correlation=found.correlation if found else None,
        points=[
            BenchmarkPointOut(day=d, you=a, benchmark=b)
            for d, a, b in (found.points if found else [])
        ],
        assumptions=answer.assumptions,
    )


@router.post(
    "/journal/benchmark/indices", response_model=IndexImportOut, status_code=status.HTTP_201_CREATED
)
def import_index(
    file: Annotated[
        UploadFile,
        File(
            description=(
                "NSE's historical index CSV (Date, Close), the daily ind_close_all bhavcopy, "
                "or date,close"
            ),
            json_schema_extra=_BINARY,
        ),
    ],
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    name: Annotated[
        str | None,
        Form(max_length=64, description="the index or fund (needed without a name column)"),
    ] = None,
) -> IndexImportOut:
    """Import an index's (or a fund's) daily closes for the Benchmark."""
    report = imports.import_index_closes(
        db,
        file.file.read(imports.MAX_FILE_BYTES + 1),
        user_id=user.id,
        name=name.strip() if name and name.strip() else None,
        max_bytes=min(imports.MAX_FILE_BYTES, runtime.settings.max_upload_file_bytes),
    )
    return IndexImportOut(
        names=report.names,
        rows_read=report.rows_read,
        rows_added=report.rows_added,
        first=report.first,
        last=report.last,
    )


@router.get("/journal/benchmark/indices", response_model=list[IndexSeriesOut])
def list_indices(user: CurrentUser, db: DbDep) -> list[IndexSeriesOut]:
    """The index and fund histories you imported."""
    return [
        IndexSeriesOut(name=n, first=a, last=b, days=c)
        for n, a, b, c in imports.index_names(db, user_id=user.id)
    ]


@router.post("/journal/fmv", response_model=FmvImportOut, status_code=status.HTTP_201_CREATED)
def import_fmv(
    file: Annotated[
        UploadFile,
        File(
            description="CSV isin,symbol,fmv: fair market values on 31-Jan-2018",
            json_schema_extra=_BINARY,
        ),
    ],
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
) -> FmvImportOut:
    """Load 31-Jan-2018 fair market values (s.112A grandfathering) over the shipped file;
    the answer names the ISINs you bought by then that still have none."""
    report = imports.import_fmv(
        db,
        file.file.read(imports.MAX_FILE_BYTES + 1),
        user_id=user.id,
        shipped=_reference(runtime).fmv,
        max_bytes=min(imports.MAX_FILE_BYTES, runtime.settings.max_upload_file_bytes),
    )
    return FmvImportOut(
        rows_read=report.rows_read,
        rows_added=report.rows_added,
        rows_updated=report.rows_updated,
        isins_needed=report.needed,
        unmatched_isins=report.unmatched,
    )


@router.get("/journal/fmv", response_model=FmvStatusOut)
def fmv_status(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> FmvStatusOut:
    """How many FMVs are known, and the ISINs your pre-2018 buys need that have none."""
    shipped = _reference(runtime).fmv
    status_ = imports.fmv_status(db, user_id=user.id, shipped=shipped)
    return FmvStatusOut(
        shipped=len(shipped),
        imported=status_.imported,
        isins_needed=status_.needed,
        unmatched_isins=status_.unmatched,
    )
