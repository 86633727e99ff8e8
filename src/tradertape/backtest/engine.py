"""Run a strategy document over a panel: indicators → compiled rules → the kernel → results.

This is the whole backtester below the API: no database, no HTTP. The service layer loads
the panel (the candle store) and persists the result; the scanner compiles the same document
with the same `compile_strategy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradertape.backtest import kernel
from tradertape.backtest.costs import rate_table
from tradertape.backtest.metrics import Summary, drawdown, summarize
from tradertape.candles.bars import DataLabel
from tradertape.candles.panel import Panel, day_numbers
from tradertape.indicators import IndicatorBook
from tradertape.strategies.compile import CompiledStrategy, compile_strategy
from tradertape.strategies.dsl import StrategyDocument

FloatArray = npt.NDArray[np.float64]
Charges = Literal["zerodha", "none"] | float  # a float is a flat percent of value, each side


@dataclass(frozen=True, slots=True)
class BacktestSettings:
    """How the portfolio is run; percentages are percents (10 = 10 %)."""

    starting_capital: float = 1_000_000.0
    position_size_pct: float = 10.0
    max_positions: int = 10
    max_per_sector: int | None = None
    slippage_bps: float = 0.0
    fill_at: Literal["next_open", "close"] = "next_open"
    charges: Charges = "zerodha"
    # (deployed + committed + the new position) may not exceed this × equity; None: no limit
    max_oversubscription: float | None = None


@dataclass(frozen=True, slots=True)
class Trade:
    """One round trip (or, with ``exit_reason == "end_of_data"``, a position still open,
    marked at the last close)."""

    symbol: str
    sector: str | None
    entry_date: date
    entry_price: float  # average, add-ons included
    exit_date: date
    exit_price: float
    quantity: int
    pnl: float  # after all charges of the round trip
    pnl_pct: float
    charges: float
    exit_reason: str
    conviction: float
    addons: int
    bars_held: int


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Everything a run produces; ``timings_ms`` splits where the time went."""

    days: npt.NDArray[np.datetime64]
    equity: FloatArray
    drawdown: FloatArray
    cash: FloatArray
    positions: npt.NDArray[np.int64]
    trades: tuple[Trade, ...]
    summary: Summary
    timings_ms: dict[str, float]
    benchmark: FloatArray | None = None  # the universe index's closes, for charts


def _reason(code: int, names: tuple[str, ...]) -> str:
    fixed = {
        kernel.MAX_HOLD: "max_hold",
        kernel.ATR_STOP: "atr_stop",
        kernel.GAP_DOWN: "gap_down",
        kernel.END_OF_DATA: "end_of_data",
    }
    return fixed[code] if code < 0 else names[code]


def params_of(document: StrategyDocument, settings: BacktestSettings) -> kernel.Params:
    """The kernel's scalar settings for a document run under ``settings``."""
    config = document.config
    addon = document.addon_rules
    match settings.charges:
        case "none":
            mode, flat = kernel.NO_CHARGES, 0.0
        case "zerodha":
            mode, flat = kernel.ZERODHA, 0.0
        case float() | int() as pct:
            mode, flat = kernel.FLAT, float(pct) / 100.0
    return kernel.Params(
        starting_capital=float(settings.starting_capital),
        position_size=settings.position_size_pct / 100.0,
        max_positions=settings.max_positions,
        max_per_sector=settings.max_per_sector or 0,
        slippage=settings.slippage_bps / 10_000.0,
        fill_at_close=settings.fill_at == "close",
        entry_buffer=config.entry_buffer_pct / 100.0,
        exit_buffer=config.exit_buffer_pct / 100.0,
        min_hold=config.min_hold,
        max_hold=config.max_hold or 0,
        atr_stop_mult=config.atr_stop_mult,
        gap_down=(config.gap_down_exit_pct or 0.0) / 100.0,
        addon_max=addon.max_addons if addon.enabled else 0,
        addon_size=addon.size_pct / 100.0,
        addon_min_bars=addon.min_bars_between,
        charge_mode=mode,
        flat_charge=flat,
        max_commit=settings.max_oversubscription or 0.0,
    )


def rules_of(compiled: CompiledStrategy) -> kernel.Rules:
    """The kernel's view of a compiled strategy."""
    return kernel.Rules(
        entry=compiled.entry,
        score=compiled.score,
        series=compiled.series,
        consts=compiled.consts,
        code=compiled.code,
        bounds=compiled.bounds,
        exit_rules=compiled.exit_rules,
        addon=compiled.addon,
    )


def _sector_ids(sectors: tuple[str | None, ...]) -> npt.NDArray[np.int64]:
    names = sorted({s for s in sectors if s is not None})
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[s] if s is not None else -1 for s in sectors], dtype=np.int64)


def run_backtest(
    document: StrategyDocument,
    panel: Panel,
    settings: BacktestSettings,
    *,
    benchmark: FloatArray | None = None,
    benchmark_source: str | None = None,
    book: IndicatorBook | None = None,
    progress: Callable[[str], None] | None = None,
    trade_from: date | None = None,
    trade_until: date | None = None,
) -> BacktestResult:
    """Simulate ``document`` over ``panel`` (whose keys should be sorted: ties rank by column).

    ``benchmark`` is the universe index's closes on the panel's days, for buy-and-hold
    figures (``benchmark_source``: where its series came from, for the data label);
    ``book`` lets a parameter sweep share one set of indicators across variants.
    Rows before ``trade_from`` only warm the indicators up (an SMA(200) is ready on the first
    traded day when the panel starts 200 bars earlier); rows from ``trade_until`` on are left
    out (a sweep's in-sample part ends there); results cover the rest.
    """
    step = progress or (lambda stage: None)
    step("indicators")
    started = time.perf_counter()
    book = book or IndicatorBook.from_panel(panel)
    compiled = compile_strategy(
        document, book, day_numbers=day_numbers(panel.days), keys=panel.keys
    )
    lo = 0 if trade_from is None else int(np.searchsorted(panel.days, np.datetime64(trade_from)))
    hi = len(panel.days)
    if trade_until is not None:
        hi = int(np.searchsorted(panel.days, np.datetime64(trade_until)))
    if lo or hi < len(panel.days):
        panel, compiled, benchmark = _rows(lo, hi, panel, compiled, benchmark)
    use_atr = document.config.atr_stop_mult > 0
    atr = np.ascontiguousarray(compiled.atr) if use_atr else np.empty((0, 0))
    rates = rate_table(panel.days) if settings.charges == "zerodha" else np.zeros((1, 5), np.int64)
    indicators_done = time.perf_counter()
    step("simulation")
    # Row-major copies: the loop walks days, then symbols (and one layout means one compiled
    # signature, cached on disk and warmed at start-up).
    row_major = np.ascontiguousarray
    sectors = _sector_ids(panel.sectors)
    market = kernel.Market(
        open=row_major(panel.open),
        high=row_major(panel.high),
        low=row_major(panel.low),
        close=row_major(panel.close),
        atr=atr,
        sectors=sectors,
        rates=rates,
    )
    ledger = kernel.new_book(
        len(panel.keys), int(sectors.max(initial=-1)) + 1, settings.starting_capital
    )
    equity, cash, positions, rows = kernel.simulate(
        market, rules_of(compiled), ledger, params_of(document, settings)
    )
    simulated = time.perf_counter()
    step("results")
    trades = _trades(rows, panel, compiled.exit_names)
    summary = summarize(
        days=panel.days,
        equity=equity,
        positions=positions,
        trades=trades,
        starting_capital=settings.starting_capital,
        benchmark=benchmark,
        label=DataLabel.of([*panel.sources, benchmark_source]),
    )
    finished = time.perf_counter()
    return BacktestResult(
        days=panel.days,
        equity=equity,
        drawdown=drawdown(equity),
        cash=cash,
        positions=positions,
        trades=trades,
        summary=summary,
        benchmark=benchmark,
        timings_ms={
            "indicators": (indicators_done - started) * 1000,
            "simulation": (simulated - indicators_done) * 1000,
            "results": (finished - simulated) * 1000,
        },
    )


def _rows(
    lo: int, hi: int, panel: Panel, compiled: CompiledStrategy, benchmark: FloatArray | None
) -> tuple[Panel, CompiledStrategy, FloatArray | None]:
    """Keep rows ``lo:hi`` of the panel, the compiled rules and the benchmark (the warm-up
    before, and what lies past an in-sample end after, are dropped)."""
    panel = replace(
        panel,
        days=panel.days[lo:hi],
        open=panel.open[lo:hi],
        high=panel.high[lo:hi],
        low=panel.low[lo:hi],
        close=panel.close[lo:hi],
        volume=panel.volume[lo:hi],
    )
    compiled = replace(
        compiled,
        entry=compiled.entry[lo:hi],
        score=compiled.score[lo:hi],
        series=np.ascontiguousarray(compiled.series[:, lo:hi]),
        atr=compiled.atr[lo:hi],
    )
    return panel, compiled, None if benchmark is None else benchmark[lo:hi]


def _trades(rows: FloatArray, panel: Panel, names: tuple[str, ...]) -> tuple[Trade, ...]:
    days = panel.days.astype("datetime64[D]").tolist()
    order = np.lexsort((rows[:, kernel.T_SYMBOL], rows[:, kernel.T_EXIT], rows[:, kernel.T_ENTRY]))
    out = []
    for row in rows[order]:
        j = int(row[kernel.T_SYMBOL])
        qty = int(row[kernel.T_QTY])
        entry_price = float(row[kernel.T_ENTRY_PRICE])
        exit_price = float(row[kernel.T_EXIT_PRICE])
        charges = float(row[kernel.T_CHARGES])
        pnl = (exit_price - entry_price) * qty - charges
        out.append(
            Trade(
                symbol=panel.keys[j],
                sector=panel.sectors[j],
                entry_date=days[int(row[kernel.T_ENTRY])],
                entry_price=entry_price,
                exit_date=days[int(row[kernel.T_EXIT])],
                exit_price=exit_price,
                quantity=qty,
                pnl=pnl,
                pnl_pct=pnl / (entry_price * qty) * 100.0,
                charges=charges,
                exit_reason=_reason(int(row[kernel.T_REASON]), names),
                conviction=float(row[kernel.T_CONVICTION]),
                addons=int(row[kernel.T_ADDONS]),
                bars_held=int(row[kernel.T_EXIT] - row[kernel.T_ENTRY]),
            )
        )
    return tuple(out)
