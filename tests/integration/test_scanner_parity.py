"""The scanner, run day by day on a portfolio, makes exactly the backtest's trades."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Text, select
from sqlalchemy import cast as cast_as

from tests.helpers import make_user
from tradertape.backtest import kernel
from tradertape.backtest.engine import run_backtest
from tradertape.backtest.warmup import warm_up
from tradertape.candles import CandleStore
from tradertape.candles.day_pack import NAME as PACK
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Trade
from tradertape.db.models.risk import RiskRule
from tradertape.runtime import Runtime
from tradertape.services.portfolios import signals
from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
from tradertape.services.portfolios.runs import run_day
from tradertape.services.portfolios.scanner import ScanMarket, document_of, scan, settings_of
from tradertape.services.portfolios.virtual import open_fills
from tradertape.services.research import strategies
from tradertape.services.research.simulation import WARMUP_DAYS, universe_keys
from tradertape.strategies.dsl import BaseModelId

START = date(2023, 1, 2)


@pytest.mark.parametrize(
    ("model", "guardrails", "end"),
    [
        pytest.param(
            "v1_momentum", {"max_positions": 8, "max_per_sector": 2}, date(2023, 6, 30), id="v1"
        ),
        pytest.param(
            "v3_dip_buyer", {"max_positions": 5}, date(2024, 12, 31), id="v3-addons-and-stops"
        ),
    ],
)
def test_scanner_day_by_day_equals_the_backtest(
    with_candles: Runtime, model, guardrails, end: date
):
    runtime = with_candles
    store, clock = runtime.candles, runtime.clock
    user_id = make_user(runtime, "pm@x.in")
    trading = signals.PortfolioTrading(
        orders=runtime.orders, exchange=runtime.exchange, clock=clock
    )
    with runtime.db.session() as db:
        strategy = strategies.by_builtin_key(db, model, clock=clock)
        assert strategy is not None
        request = PortfolioDeploy(
            strategy_id=strategy.id,
            universe="nifty_50",
            starting_capital=Decimal(10_000_000),
            position_size_pct=Decimal(10),
            slippage_bps=Decimal(0),
            paper_fill="next_open",
            auto_place_signals=True,
            **guardrails,
        )
        portfolio = deploy(
            db, request, store=store, clock=clock, user_id=user_id, live_trading_enabled=False
        )
        for day in store.calendar.trading_days(START, end):
            open_fills(db, portfolio, store=store, day=day, clock=clock, exchange=runtime.exchange)
            report = scan(db, portfolio, store=store, clock=clock, day=day)
            assert report.skipped is None
            waiting = db.scalars(
                select(ModelSignal).where(
                    ModelSignal.portfolio_id == portfolio.id,
                    ModelSignal.status == "pending_approval",
                )
            ).all()
            signals.place(db, list(waiting), trading=trading)
        positions = db.scalars(
            select(ModelPosition).where(ModelPosition.portfolio_id == portfolio.id)
        ).all()
        ours = sorted(
            (p.symbol, p.entry_date, p.quantity, p.exit_date, p.exit_reason) for p in positions
        )
        document, settings = document_of(portfolio), settings_of(portfolio)
    keys, _ = universe_keys(store, "nifty_50")
    panel = store.load_panel(keys, START - WARMUP_DAYS, end)
    result = run_backtest(document, panel, replace(settings, charges="zerodha"), trade_from=START)
    theirs = sorted(
        (
            t.symbol,
            t.entry_date,
            t.quantity,
            None if t.exit_reason == "end_of_data" else t.exit_date,
            None if t.exit_reason == "end_of_data" else t.exit_reason,
        )
        for t in result.trades
    )
    assert len(theirs) > 10
    assert ours == theirs
    # the run exercised what it is meant to: V3's stops, time exits and add-ons
    reasons = {t.exit_reason for t in result.trades}
    assert reasons >= (
        {"atr_stop", "max_hold", "take_profit"}
        if model == "v3_dip_buyer"
        else {"rsi_overbought", "sma20_cross"}
    )
    if model == "v3_dip_buyer":
        assert sum(t.addons for t in result.trades) > 0


def test_a_batch_shares_its_panel_and_decides_as_scans_alone(with_candles: Runtime):
    """Portfolios scanned in one batch share the panel and the compiled rules, and get the
    signals they would get scanned one by one, dropped candidates (written in bulk) included."""
    runtime = with_candles
    store, clock = runtime.candles, runtime.clock
    user_id = make_user(runtime, "batch@x.in")
    day = date(2023, 6, 30)
    with runtime.db.session() as db:
        strategy = strategies.by_builtin_key(db, "v1_momentum", clock=clock)
        assert strategy is not None
        request = PortfolioDeploy(
            strategy_id=strategy.id,
            universe="nifty_50",
            starting_capital=Decimal(1_000_000),
            max_positions=3,
            max_per_sector=1,
        )
        alone, first, second = (
            deploy(
                db, request, store=store, clock=clock, user_id=user_id, live_trading_enabled=False
            )
            for _ in range(3)
        )
        scan(db, alone, store=store, clock=clock, day=day)
        market = ScanMarket(store)
        scan(db, first, store=store, clock=clock, day=day, market=market)
        scan(db, second, store=store, clock=clock, day=day, market=market)
        loaded = market.load(first, [], None, day)
        assert loaded is not None
        assert market.load(second, [], None, day) is loaded  # one panel, one indicator book
        assert loaded.bind(document_of(first)) is loaded.bind(document_of(second))

        def decided(portfolio_id: int) -> list[tuple[object, ...]]:
            rows = db.scalars(
                select(ModelSignal)
                .where(ModelSignal.portfolio_id == portfolio_id)
                .order_by(ModelSignal.id)
            )
            return [
                (s.symbol, s.status, s.quantity, s.reason, s.conviction_rank, s.indicator_snapshot)
                for s in rows
            ]

        mine = decided(alone.id)
        assert decided(first.id) == decided(second.id) == mine
        statuses = {status for _, status, *_ in mine}
        assert statuses == {"pending_approval", "dropped"}
        assert {reason for _, status, _, reason, *_ in mine if status == "dropped"} >= {
            "max_positions"
        }
        # Stored as the ORM writes them: the dropped candidates' snapshots (their JSON text
        # written once per column for the batch) as json.dumps writes them, and the scan's
        # columns of the portfolio's row (precompiled SQL) as the object holds them.
        texts = db.scalars(
            select(cast_as(ModelSignal.indicator_snapshot, Text)).where(
                ModelSignal.portfolio_id == second.id
            )
        ).all()
        assert len(texts) == len(mine)
        assert all(text == json.dumps(json.loads(text)) for text in texts)
        held = (second.last_scan_date, second.last_scan_at, second.equity_curve)
        assert held[0] == day
        assert len(held[2]) == 1
        db.expire_all()
        stored = db.get(ModelPortfolio, second.id)
        assert stored is not None
        assert (stored.last_scan_date, stored.last_scan_at, stored.equity_curve) == held
        assert stored.last_scan_provisional is False


@pytest.mark.parametrize("model", ["v1_momentum", "v3_dip_buyer"])
def test_a_scan_after_the_warm_up_builds_nothing(with_candles: Runtime, model: str):
    """The warm-up leaves the scanner's kernel built for the arguments a real scan passes:
    a first scan after install loads it from numba's cache instead of compiling for seconds."""
    runtime = with_candles
    store, clock = runtime.candles, runtime.clock
    user_id = make_user(runtime, "warm@x.in")
    warm_up()
    before = list(cast(Any, kernel.decide_day).signatures)
    with runtime.db.session() as db:
        strategy = strategies.by_builtin_key(db, model, clock=clock)
        assert strategy is not None
        request = PortfolioDeploy(
            strategy_id=strategy.id, universe="nifty_50", starting_capital=Decimal(1_000_000)
        )
        portfolio = deploy(
            db, request, store=store, clock=clock, user_id=user_id, live_trading_enabled=False
        )
        report = scan(db, portfolio, store=store, clock=clock, day=date(2023, 6, 30))
    assert report.skipped is None
    assert before
    assert list(cast(Any, kernel.decide_day).signatures) == before


def _signals_of(db: Any, portfolio_id: int) -> list[tuple[object, ...]]:
    """Everything a scan decides about one signal, in the order it was written."""
    rows = db.scalars(
        select(ModelSignal).where(ModelSignal.portfolio_id == portfolio_id).order_by(ModelSignal.id)
    )
    return [
        (
            s.signal_date,
            s.symbol,
            s.signal_type,
            s.side,
            s.status,
            s.quantity,
            s.amount,
            s.close_price,
            s.trigger_price,
            s.limit_price,
            s.atr,
            s.reason,
            s.conviction_rank,
            s.conviction_score,
            s.indicator_snapshot,
        )
        for s in rows
    ]


@pytest.mark.parametrize("paper_fill", ["close", "next_open"])
def test_a_shared_batch_of_every_model_decides_as_each_portfolio_alone(
    with_candles: Runtime, paper_fill: str
):
    """Five models with varied guardrails (two portfolios sharing each strategy), run day by
    day in one batch sharing documents, rules and snapshots, write the same signals, with
    positions held, exits and add-ons, as twins each run alone with nothing shared."""
    runtime = with_candles
    store, clock = runtime.candles, runtime.clock
    user_id = make_user(runtime, f"twins-{paper_fill}@x.in")
    trading = signals.PortfolioTrading(
        orders=runtime.orders, exchange=runtime.exchange, clock=clock
    )
    days = store.calendar.trading_days(date(2023, 6, 1), date(2023, 6, 30))
    with runtime.db.session() as db:
        pairs = []
        for k in range(10):
            strategy = strategies.by_builtin_key(db, list(BaseModelId)[k % 5].value, clock=clock)
            assert strategy is not None
            request = PortfolioDeploy(
                strategy_id=strategy.id,
                universe="nifty_50",
                starting_capital=Decimal(1_000_000 + 50_000 * k),
                max_positions=3 + k % 4,
                max_per_sector=None if k % 3 == 0 else 1 + k % 2,
                min_hold_days=1 + k % 3,
                auto_place_signals=True,
                paper_fill=paper_fill,
            )
            pairs.append(
                tuple(
                    deploy(
                        db,
                        request,
                        store=store,
                        clock=clock,
                        user_id=user_id,
                        live_trading_enabled=False,
                    )
                    for _ in range(2)
                )
            )
        for day in days:
            for alone, _ in pairs:
                run_day(db, alone, store=store, trading=trading, day=day)
            market = ScanMarket(store)
            for _, batched in pairs:
                run_day(db, batched, store=store, trading=trading, day=day, market=market)
        kinds: set[object] = set()
        for alone, batched in pairs:
            mine = _signals_of(db, alone.id)
            assert _signals_of(db, batched.id) == mine
            kinds |= {(kind, status) for _, _, kind, _, status, *_ in mine}
            assert batched.equity_curve == alone.equity_curve
    assert {("entry", "dropped"), ("exit", "executed")} <= kinds


def _placed_state(db: Any, portfolio_id: int) -> list[Any]:
    """What a placement leaves of a portfolio: its signals, positions, money and book."""
    portfolio = db.get(ModelPortfolio, portfolio_id)
    positions = db.scalars(
        select(ModelPosition)
        .where(ModelPosition.portfolio_id == portfolio_id)
        .order_by(ModelPosition.id)
    ).all()
    trades = db.execute(
        select(Trade.tradingsymbol, Trade.transaction_type, Trade.quantity, Trade.price)
        .add_columns(Trade.charges)
        .where(Trade.book == f"portfolio:{portfolio_id}")
        .order_by(Trade.id)
    ).all()
    return [
        [
            (s.status, s.gtt_status, s.error)
            for s in db.scalars(
                select(ModelSignal)
                .where(ModelSignal.portfolio_id == portfolio_id)
                .order_by(ModelSignal.id)
            )
        ],
        [
            (p.symbol, p.quantity, p.entry_price, p.held_from, p.stop_price, p.status)
            for p in positions
        ],
        (
            portfolio.current_capital,
            portfolio.committed_capital,
            portfolio.deployed_capital,
            portfolio.charges_paid,
            portfolio.equity_curve,
        ),
        [tuple(t) for t in trades],
    ]


@pytest.mark.parametrize("refusing", [False, True], ids=["all-placed", "a-risk-refusal"])
@pytest.mark.parametrize("paper_fill", ["close", "next_open"])
def test_a_run_placed_together_equals_each_signal_placed_alone(
    with_candles: Runtime, paper_fill: str, refusing: bool
):
    """A portfolio's day of signals placed in one transaction (`signals.place` on the run)
    books what placing them one call each books: the same fills, charges, positions, money
    and statuses, through the runtime's risk gate; with a risk rule refusing entries
    mid-run, the run falls back to one by one and rejects the same signals."""
    runtime = with_candles
    store, clock, trading = runtime.candles, runtime.clock, runtime.portfolio_trading
    assert trading.risk is not None  # every entry meets the gate
    # a user each: the twins' risk rules and account books are apart
    users = [make_user(runtime, f"runs-{paper_fill}-{refusing}-{k}@x.in") for k in range(2)]
    days = store.calendar.trading_days(date(2023, 6, 1), date(2023, 6, 30))
    with runtime.db.session() as db:
        strategy = strategies.by_builtin_key(db, "v1_momentum", clock=clock)
        assert strategy is not None
        request = PortfolioDeploy(
            strategy_id=strategy.id,
            universe="nifty_50",
            starting_capital=Decimal(2_000_000),
            max_positions=8,
            auto_place_signals=False,
            paper_fill=paper_fill,
        )
        twins = [
            deploy(
                db, request, store=store, clock=clock, user_id=user_id, live_trading_enabled=False
            )
            for user_id in users
        ]
        if refusing:
            now = clock.now()
            for twin in twins:
                row = RiskRule(user_id=twin.user_id, created_at=now, updated_at=now, enabled=True)
                row.type, row.action = "max_open_positions", "block"
                row.threshold_count, row.portfolio_id = 3, twin.id
                db.add(row)
            db.commit()
        placed = 0
        for day in days:
            for k, twin in enumerate(twins):
                run_day(db, twin, store=store, trading=trading, day=day)
                fresh = sorted(
                    db.scalars(
                        select(ModelSignal).where(
                            ModelSignal.portfolio_id == twin.id,
                            ModelSignal.signal_date == day,
                            ModelSignal.status == "pending_approval",
                        )
                    ).all(),
                    key=lambda s: (s.signal_type != "exit", s.id),
                )
                if k == 0:
                    placed += len(signals.place(db, list(fresh), trading=trading, auto=True).placed)
                else:
                    for signal in fresh:  # a run of one: each in its own transaction
                        signals.place(db, [signal], trading=trading, auto=True)
        together, alone = (_placed_state(db, t.id) for t in twins)
        assert together == alone
        assert placed > 0
        statuses = {status for status, _, _ in together[0]}
        assert ("rejected" in statuses) is refusing


@pytest.mark.parametrize("paper_fill", ["close", "next_open"])
def test_a_day_scanned_from_the_pack_equals_one_scanned_from_the_parquet_files(
    with_candles: Runtime, paper_fill: str, tmp_path: Path
):
    """Twin portfolios run day by day (auto-placed, through the risk gate), each day from a
    cold store: one reads the day pack the import wrote, the other the Parquet files alone
    (a copy of the folder without the pack). Same signals, positions, money, equity."""
    runtime = with_candles
    clock, trading, packed_root = runtime.clock, runtime.portfolio_trading, runtime.candles.root
    assert runtime.candles.pack_days() > 50
    plain_root = tmp_path / "plain"
    shutil.copytree(packed_root, plain_root)
    (plain_root / PACK).unlink()
    users = [make_user(runtime, f"pack-{paper_fill}-{k}@x.in") for k in range(2)]
    days = runtime.candles.calendar.trading_days(date(2023, 6, 1), date(2023, 6, 30))
    with runtime.db.session() as db:
        strategy = strategies.by_builtin_key(db, "v3_dip_buyer", clock=clock)
        assert strategy is not None
        request = PortfolioDeploy(
            strategy_id=strategy.id,
            universe="nifty_50",
            starting_capital=Decimal(2_000_000),
            max_positions=6,
            max_per_sector=2,
            auto_place_signals=True,
            paper_fill=paper_fill,
        )
        twins = [
            deploy(
                db,
                request,
                store=runtime.candles,
                clock=clock,
                user_id=user_id,
                live_trading_enabled=False,
            )
            for user_id in users
        ]
        reads = [0, 0]
        for day in days:
            for k, (twin, root) in enumerate(zip(twins, (packed_root, plain_root), strict=True)):
                cold = CandleStore(
                    root, catalog=runtime.candles.catalog, calendar=runtime.candles.calendar
                )
                run_day(db, twin, store=cold, trading=trading, day=day, market=ScanMarket(cold))
                reads[k] += cold.file_reads
        # the universe's panels of the packed twin came from the pack (a next_open fill's
        # few held symbols are read from their files: fewer than a pack is opened for)
        assert reads[1] >= 50 * len(days)
        assert reads[0] < 8 * len(days)
        packed, plain = (_placed_state(db, t.id) for t in twins)
        assert packed == plain
        assert _signals_of(db, twins[0].id) == _signals_of(db, twins[1].id)
        assert any(status == "executed" for status, _, _ in packed[0])
