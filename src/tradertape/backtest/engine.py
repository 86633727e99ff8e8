"""Run a strategy document over a panel: indicators → compiled rules → the kernel → results.

This is the whole backtester below the API: no database, no HTTP. The service layer loads
the panel (the candle store) and persists the result; the scanner compiles the same document
with the same `compile_strategy`.
"""

from __future__ import annotations

import time as time_module
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cached_property, lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tradertape.backtest import kernel
from tradertape.backtest.costs import RATE_COLUMNS, rate_table
from tradertape.backtest.metrics import Summary, drawdown, summarize
from tradertape.candles.bars import DataLabel
from tradertape.candles.panel import Panel, day_numbers
from tradertape.domain.calendar import IST
from tradertape.domain.charge_rates import Segment
from tradertape.indicators import IndicatorBook
from tradertape.strategies.compile import CompiledStrategy, compile_strategy, symbol_major
from tradertape.strategies.dsl import StrategyDocument

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
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
    # CNC: delivery (positions may be held overnight); MIS: intraday, on an intraday panel
    # only, every position squared off at ``square_off_at`` (IST) of each session
    product: Literal["CNC", "MIS"] = "CNC"
    square_off_at: time | None = None  # MIS: the broker's time (the paper exchange's)


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
class IntradayTrade(Trade):
    """A trade of an intraday run: with its entry and exit bars (their starts), IST."""

    entry_time: datetime
    exit_time: datetime


@dataclass(frozen=True, slots=True)
class TradeTape:
    """A run's trades as columns, in the order of `BacktestResult.trades` (entry day, exit
    day, symbol): what the run keeps, stores and sends without a Python object per trade."""

    keys: tuple[str, ...]  # the panel's symbols, which ``symbol`` indexes
    sectors: tuple[str | None, ...]  # by symbol, as ``keys``
    exit_names: tuple[str, ...]  # the strategy's exit rules, which ``reason`` ≥ 0 indexes
    symbol: IntArray
    entry_date: npt.NDArray[np.datetime64]  # datetime64[D]
    exit_date: npt.NDArray[np.datetime64]
    entry_price: FloatArray
    exit_price: FloatArray
    quantity: IntArray
    pnl: FloatArray
    pnl_pct: FloatArray
    charges: FloatArray
    reason: IntArray  # the kernel's exit code: ≥ 0 an exit rule, < 0 `kernel.MAX_HOLD`...
    conviction: FloatArray
    addons: IntArray
    bars_held: IntArray
    # An intraday run's entry and exit bars (their starts, ``datetime64[m]`` UTC); the dates
    # above are then those bars' IST dates. None for a day run.
    entry_time: npt.NDArray[np.datetime64] | None = None
    exit_time: npt.NDArray[np.datetime64] | None = None

    def __len__(self) -> int:
        return int(self.symbol.size)

    @property
    def closed(self) -> npt.NDArray[np.bool_]:
        """Which trades closed (the others are positions open at the end)."""
        return np.not_equal(self.reason, kernel.END_OF_DATA)

    def exit_reasons(self) -> list[str]:
        """Each trade's exit reason, by name."""
        codes = self.reason.tolist()
        names = {code: _reason(code, self.exit_names) for code in set(codes)}
        return [names[code] for code in codes]

    def symbols(self) -> list[str]:
        """Each trade's symbol."""
        keys = self.keys
        return [keys[j] for j in self.symbol.tolist()]

    def trades(self) -> tuple[Trade, ...]:
        """One `Trade` per row (an `IntradayTrade`, with its bars' times, in an intraday
        run)."""
        sectors = self.sectors
        columns: list[list[Any]] = [
            self.symbol.tolist(),
            self.symbols(),
            self.entry_date.tolist(),
            self.entry_price.tolist(),
            self.exit_date.tolist(),
            self.exit_price.tolist(),
            self.quantity.tolist(),
            self.pnl.tolist(),
            self.pnl_pct.tolist(),
            self.charges.tolist(),
            self.exit_reasons(),
            self.conviction.tolist(),
            self.addons.tolist(),
            self.bars_held.tolist(),
        ]
        if self.entry_time is None or self.exit_time is None:
            return tuple(
                Trade(symbol, sectors[j], *rest) for j, symbol, *rest in zip(*columns, strict=True)
            )
        columns += [ist_times(self.entry_time), ist_times(self.exit_time)]
        return tuple(
            IntradayTrade(symbol, sectors[j], *rest)
            for j, symbol, *rest in zip(*columns, strict=True)
        )


@dataclass(frozen=True)
class BacktestResult:
    """Everything a run produces; ``timings_ms`` splits where the time went. The trades are
    kept as columns (``tape``); ``trades`` makes the objects on first use."""

    days: npt.NDArray[np.datetime64]
    equity: FloatArray
    drawdown: FloatArray
    cash: FloatArray
    positions: npt.NDArray[np.int64]
    tape: TradeTape
    summary: Summary
    timings_ms: dict[str, float]
    benchmark: FloatArray | None = None  # the universe index's closes, for charts

    @cached_property
    def trades(self) -> tuple[Trade, ...]:
        """Every round trip, and each position still open at the end, as `Trade`."""
        return self.tape.trades()


def _reason(code: int, names: tuple[str, ...]) -> str:
    fixed = {
        kernel.MAX_HOLD: "max_hold",
        kernel.ATR_STOP: "atr_stop",
        kernel.GAP_DOWN: "gap_down",
        kernel.END_OF_DATA: "end_of_data",
        kernel.SQUARE_OFF: "square_off",
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
    """The kernel's view of a compiled strategy (its grids symbol-major, like `Market`'s)."""
    return kernel.Rules(
        entry=symbol_major(compiled.entry),
        score=symbol_major(compiled.score),
        series=compiled.series,
        flags=compiled.flags,
        consts=compiled.consts,
        code=compiled.code,
        bounds=compiled.bounds,
        exit_rules=compiled.exit_rules,
        addon=compiled.addon,
    )


def market_of(
    panel: Panel, compiled: CompiledStrategy, sectors: npt.NDArray[np.int64]
) -> kernel.Market:
    """The kernel's view of a panel (for `kernel.decide_day`: the backtest passes the same
    arrays to `kernel.simulate` itself)."""
    return kernel.Market(
        open=symbol_major(panel.open),
        high=symbol_major(panel.high),
        low=symbol_major(panel.low),
        close=symbol_major(panel.close),
        atr=symbol_major(compiled.atr) if compiled.atr.size else _NO_ATR,
        sectors=sectors,
        rates=_NO_RATES,
    )


def sector_ids(sectors: tuple[str | None, ...]) -> npt.NDArray[np.int64]:
    """Each column's sector as an index into the sorted sector names (-1: none)."""
    names = sorted({s for s in sectors if s is not None})
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[s] if s is not None else -1 for s in sectors], dtype=np.int64)


# Each panel's `sector_ids` and sector count, found once: a panel is run again and again (a
# bench's runs, a sweep's variants), and its sectors never change (by identity, as
# `IndicatorBook`'s layouts: the entry goes with the panel).
_SECTORS: weakref.WeakKeyDictionary[Panel, tuple[IntArray, int]] = weakref.WeakKeyDictionary()


def panel_sectors(panel: Panel) -> tuple[IntArray, int]:
    """`sector_ids` of the panel's columns (read-only, shared by its runs) and how many
    sectors there are."""
    known = _SECTORS.get(panel)
    if known is None:
        ids = sector_ids(panel.sectors)
        ids.flags.writeable = False
        known = _SECTORS[panel] = (ids, len(set(panel.sectors) - {None}))
    return known


_DATES = np.dtype("datetime64[D]")


@lru_cache(maxsize=256)
def _label(sources: tuple[str | None, ...], benchmark_source: str | None) -> DataLabel:
    """`DataLabel.of` the panel's and the benchmark's sources: the same few universes run
    again and again, and a label (frozen) is a set and a dataclass to build each time."""
    return DataLabel.of([*sources, benchmark_source])


def _day_numbers(panel: Panel) -> IntArray:
    """`day_numbers` of the panel's days: a view when they are dates (days since the epoch
    are their int64 values), a fifth of the cost of the subtraction and casts."""
    days = panel.days
    return days.view(np.int64) if days.dtype == _DATES else day_numbers(days)


# Read-only like the arrays they stand in for (the book's ATR, a cached rate table): numba
# builds a kernel per argument type, and an array's type says whether it is read-only.
_NO_ATR = np.empty((0, 0))
_NO_ATR.flags.writeable = False
_NO_RATES = np.zeros((1, RATE_COLUMNS), dtype=np.int64)  # read only for "zerodha"
_NO_RATES.flags.writeable = False
_NO_PHASES = np.zeros(0, dtype=np.int64)  # a day run: no square-off
_NO_PHASES.flags.writeable = False
_IST = np.timedelta64(330, "m")
_MINUTES = np.dtype("datetime64[m]")


def ist_dates(times: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    """The IST date of each UTC time (an intraday bar's trading day)."""
    dates: npt.NDArray[np.datetime64] = (times.astype(_MINUTES) + _IST).astype(_DATES)
    return dates


def ist_times(times: npt.NDArray[np.datetime64]) -> list[datetime]:
    """UTC ``datetime64[m]`` times as aware IST datetimes."""
    values: list[datetime] = times.astype("datetime64[s]").astype(object).tolist()
    return [value.replace(tzinfo=UTC).astimezone(IST) for value in values]


def mis_phases(panel: Panel, square_off_at: time) -> IntArray:
    """Each bar's `kernel` phase in an MIS run: in each session (IST date), the last bar
    that ends by ``square_off_at`` is its `kernel.SQUARE_OFF_BAR` (the first bar, if none
    does), the bars after it `kernel.NO_ENTRIES`, those before `kernel.TRADING`."""
    if panel.ends is None:
        raise ValueError("an MIS run needs an intraday panel")
    n = len(panel.days)
    phases = np.zeros(n, dtype=np.int64)
    if n == 0:
        return _NO_PHASES
    dates = ist_dates(panel.days)
    local_end = panel.ends.astype(_MINUTES) + _IST
    minute_of_day = (local_end - dates.astype(_MINUTES)).astype(np.int64)
    by_square_off = minute_of_day <= square_off_at.hour * 60 + square_off_at.minute
    starts = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]])
    index = np.arange(n, dtype=np.int64)
    last = np.maximum.reduceat(np.where(by_square_off, index, -1), starts)
    last = np.where(last < 0, index[starts], last)
    bar_square_off = np.repeat(last, np.diff(np.r_[starts, n]))
    phases[index == bar_square_off] = kernel.SQUARE_OFF_BAR
    phases[index > bar_square_off] = kernel.NO_ENTRIES
    phases.flags.writeable = False  # read-only like `_NO_PHASES`: the same compiled kernel
    return phases


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
    weigh_in_kernel: bool = True,
) -> BacktestResult:
    """Simulate ``document`` over ``panel`` (whose keys should be sorted: ties rank by column).

    ``benchmark`` is the universe index's closes on the panel's days, for buy-and-hold
    figures (``benchmark_source``: where its series came from, for the data label);
    ``book`` lets a parameter sweep share one set of indicators (and conviction scores)
    across variants. Rows before ``trade_from`` only warm the indicators up (an SMA(200) is
    ready on the first traded day when the panel starts 200 bars earlier); rows from
    ``trade_until`` on are left out (a sweep's in-sample part ends there); results cover the
    rest. The kernel reads the panel's own arrays, transposed (no copy), over that range.
    ``weigh_in_kernel`` (`compile_strategy`'s): False sums the conviction grid whole, the
    way the kernel's weighing is checked against.
    """
    step = progress or (lambda stage: None)
    step("indicators")
    started = time_module.perf_counter()
    if settings.product == "MIS" and not panel.intraday:
        raise ValueError("an MIS (intraday) run needs an intraday panel")
    book = book or IndicatorBook.from_panel(panel)
    numbers = panel.days.astype(_MINUTES).view(np.int64) if panel.intraday else _day_numbers(panel)
    compiled = compile_strategy(
        document,
        book,
        day_numbers=numbers,
        keys=panel.keys,
        weigh_in_kernel=weigh_in_kernel,
        list_entries=True,
    )
    assert compiled.entry_cells is not None  # (listed, as asked)
    lo, hi = _window(panel, trade_from, trade_until)
    atr = symbol_major(compiled.atr) if compiled.atr.size else _NO_ATR
    mis = settings.product == "MIS"
    rates = _NO_RATES
    if settings.charges == "zerodha":
        segment = Segment.EQUITY_INTRADAY if mis else Segment.EQUITY_DELIVERY
        rates = rate_table(ist_dates(panel.days) if panel.intraday else panel.days, segment)
    phases = _NO_PHASES
    if mis:
        if settings.square_off_at is None:
            raise ValueError("an MIS run needs the broker's square-off time")
        phases = mis_phases(panel, settings.square_off_at)
    indicators_done = time_module.perf_counter()
    step("simulation")
    sectors, n_sectors = panel_sectors(panel)
    floats, ints = kernel.pack_params(params_of(document, settings))
    equity, cash, positions, rows = kernel.simulate(
        symbol_major(panel.open),
        symbol_major(panel.high),
        symbol_major(panel.low),
        symbol_major(panel.close),
        atr,
        sectors,
        rates,
        compiled.entry_cells,
        symbol_major(compiled.score),
        compiled.score_weight,
        compiled.series,
        compiled.flags,
        compiled.consts,
        compiled.code,
        compiled.bounds,
        compiled.exit_rules,
        compiled.addon,
        floats,
        ints,
        n_sectors,
        lo,
        hi,
        phases,
    )
    simulated = time_module.perf_counter()
    step("results")
    days = panel.days[lo:hi]
    if panel.intraday:  # the curves by session: each day's last bar, its most positions
        days, equity, cash, positions = _by_session(days, equity, cash, positions)
    if benchmark is not None and not panel.intraday:
        benchmark = benchmark[lo:hi]
    tape = _tape(rows, panel, compiled.exit_names)
    summary = summarize(
        days=days,
        equity=equity,
        positions=positions,
        tape=tape,
        starting_capital=settings.starting_capital,
        benchmark=benchmark,
        label=_label(panel.sources, benchmark_source),
    )
    finished = time_module.perf_counter()
    return BacktestResult(
        days=days,
        equity=equity,
        drawdown=drawdown(equity),
        cash=cash,
        positions=positions,
        tape=tape,
        summary=summary,
        benchmark=benchmark,
        timings_ms={
            "indicators": (indicators_done - started) * 1000,
            "simulation": (simulated - indicators_done) * 1000,
            "results": (finished - simulated) * 1000,
        },
    )


def _window(panel: Panel, trade_from: date | None, trade_until: date | None) -> tuple[int, int]:
    """Rows ``lo:hi`` of the panel from ``trade_from`` up to ``trade_until`` (IST dates; an
    intraday panel's rows are bars, found by their IST midnight)."""

    def row(day: date) -> int:
        at = np.datetime64(day)
        if panel.intraday:
            at = np.datetime64(day, "m") - _IST
        return int(np.searchsorted(panel.days, at))

    lo = 0 if trade_from is None else row(trade_from)
    hi = len(panel.days) if trade_until is None else row(trade_until)
    return lo, max(lo, hi)


def _by_session(
    bars: npt.NDArray[np.datetime64], equity: FloatArray, cash: FloatArray, positions: IntArray
) -> tuple[npt.NDArray[np.datetime64], FloatArray, FloatArray, IntArray]:
    """Per-bar curves as per-session ones: each IST date's last bar's equity and cash, and
    the most positions open at any of its bars (an MIS run is flat at every close)."""
    dates = ist_dates(bars)
    if dates.size == 0:
        return dates, equity, cash, positions
    starts = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]])
    ends = np.r_[starts[1:], dates.size] - 1
    return dates[starts], equity[ends], cash[ends], np.maximum.reduceat(positions, starts)


def _tape(rows: FloatArray, panel: Panel, names: tuple[str, ...]) -> TradeTape:
    """The kernel's trade rows (days counted from the panel's first) as sorted columns (by
    `kernel.tape_columns`: one call, where NumPy's per-call cost would dominate a short run)."""
    ints, floats = kernel.tape_columns(rows)
    entry_time = exit_time = None
    if panel.intraday:
        entry_time, exit_time = panel.days[ints[1]], panel.days[ints[2]]
        days = ist_dates(panel.days)
    else:
        days = panel.days.astype("datetime64[D]", copy=False)  # (a panel's days already are)
    return TradeTape(
        keys=panel.keys,
        sectors=panel.sectors,
        exit_names=names,
        symbol=ints[0],
        entry_date=days[ints[1]],
        exit_date=days[ints[2]],
        entry_price=floats[0],
        exit_price=floats[1],
        quantity=ints[3],
        pnl=floats[2],
        pnl_pct=floats[3],
        charges=floats[4],
        reason=ints[4],
        conviction=floats[5],
        addons=ints[5],
        bars_held=ints[6],
        entry_time=entry_time,
        exit_time=exit_time,
    )
