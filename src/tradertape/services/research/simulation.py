"""A backtest without storage: the universe's candles loaded, the run, its result as JSON.

The CLI runs backtests with this module alone (no database, no web stack: each import is
paid by every `tradertape backtest`); `backtests` keeps the history of runs in the
database.

The curve and the trades come out as columns (`equity_columns`, `trade_columns`: one list
per field, the values rounded as an answer shows them), made from the engine's columns
without a Python object per trade; `rows_of` turns them into the rows the API and the CLI
answer with (runs stored as rows before columns were keep their rows).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache, partial
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from pydantic_core import SchemaSerializer, core_schema, to_json

from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.backtest.request import BacktestRequest
from tradertape.candles import CandleStore
from tradertape.candles.panel import Panel, session_bar_count
from tradertape.candles.store import canonical_key
from tradertape.domain.calendar import OutsideCalendarError, TradingCalendar
from tradertape.domain.instruments import InstrumentCatalog, UnknownUniverseError
from tradertape.errors import InvalidField
from tradertape.strategies.dsl import StrategyDocument

Progress = Callable[[str], None]

# Buy-and-hold benchmark of each universe; a symbol list is measured against the NIFTY 50.
BENCHMARKS = {
    "nifty_50": "NSE:NIFTY 50",
    "nifty_next_50": "NSE:NIFTY NEXT 50",
    "nifty_100": "NSE:NIFTY 100",
    "nifty_200": "NSE:NIFTY 200",
    "nifty_500": "NSE:NIFTY 500",
}
DEFAULT_BENCHMARK = "NSE:NIFTY 50"
# Candles loaded before the range so long indicators (SMA 200, 52-week highs) are ready on its
# first day: about 300 trading days.
WARMUP_DAYS = timedelta(days=440)
# An intraday run's warm-up: this many sessions of bars before the range.
INTRADAY_WARMUP_SESSIONS = 5
# At most this many bars × symbols in an intraday run (its panel and indicators are float64
# grids of that size): a year of 5-minute bars of 100 stocks is about 1.9 million.
MAX_INTRADAY_CELLS = 10_000_000


def universe_keys(store: CandleStore, universe: str | list[str]) -> tuple[list[str], str]:
    """The sorted member keys of a universe (or symbol list) and its benchmark index."""
    if isinstance(universe, list):
        keys = sorted({canonical_key(s if ":" in s else f"NSE:{s}") for s in universe})
        unknown = [k for k in keys if store.catalog.find(k) is None]
        if unknown:
            raise InvalidField("universe", f"unknown symbols {unknown[:10]}")
        return keys, DEFAULT_BENCHMARK
    try:
        members = _member_keys(store.catalog, universe)
    except UnknownUniverseError:
        known = ", ".join(store.catalog.universe_names)
        raise InvalidField("universe", f"unknown universe {universe!r}; known: {known}") from None
    return list(members), BENCHMARKS.get(universe, DEFAULT_BENCHMARK)


@lru_cache(maxsize=64)
def _member_keys(catalog: InstrumentCatalog, universe: str) -> tuple[str, ...]:
    """A named universe's sorted keys, per catalog (an immutable one: an import makes a new
    catalog): a portfolio's board asks twice a read."""
    return tuple(sorted(i.key for i in catalog.universe(universe)))


@dataclass(frozen=True, slots=True)
class Market:
    """What a backtest runs on: the universe's panel and its benchmark index."""

    panel: Panel
    benchmark: np.ndarray[Any, np.dtype[np.float64]] | None
    benchmark_source: str | None


def load_market(store: CandleStore, request: BacktestRequest) -> Market:
    """The universe's panel from `WARMUP_DAYS` before the range to its end, and the
    benchmark's closes on the same days; 422 when the range itself has no data. An intraday
    interval loads `load_intraday_market`'s bars instead."""
    keys, benchmark_key = universe_keys(store, request.universe)
    if request.minutes is not None:
        return load_intraday_market(store, request, keys, benchmark_key, request.minutes)
    earliest = store.calendar.first_day
    # Compared, not subtracted: a start near year 1 has no date WARMUP_DAYS before it.
    warm_start = (
        earliest
        if request.start_date <= earliest + WARMUP_DAYS
        else request.start_date - WARMUP_DAYS
    )
    try:
        panel = store.load_panel(keys, min(warm_start, request.start_date), request.end_date)
    except OutsideCalendarError as exc:
        raise InvalidField("start_date", str(exc)) from None
    in_range = panel.close[panel.days >= np.datetime64(request.start_date)]
    if in_range.shape[0] < 2 or bool(np.isnan(in_range).all()):
        name = request.universe if isinstance(request.universe, str) else "these symbols"
        raise InvalidField(
            "start_date",
            f"no daily candles for {name} between {request.start_date} and {request.end_date}; "
            "load some with `tradertape data synth` or an import",
        )
    bench = store.load_panel([benchmark_key], panel.days[0].astype(object), request.end_date)
    closes = bench.close[:, 0]
    if bool(np.isnan(closes).all()):
        return Market(panel, None, None)
    return Market(panel, closes, bench.sources[0])


def _warm_start(calendar: TradingCalendar, start: date, sessions: int) -> date:
    """The trading day ``sessions`` sessions before ``start`` (or the calendar's first)."""
    day = start
    for _ in range(sessions):
        if day <= calendar.first_day:
            break
        try:
            day = calendar.previous_trading_day(day)
        except OutsideCalendarError:
            break
    return max(day, calendar.first_day)


def load_intraday_market(
    store: CandleStore,
    request: BacktestRequest,
    keys: list[str],
    benchmark_key: str,
    minutes: int,
) -> Market:
    """The keys' stored minutes folded into ``minutes``-minute bars over the sessions from
    `INTRADAY_WARMUP_SESSIONS` before the range to its end (`load_intraday_panel`), and
    the benchmark's daily closes on the range's sessions. 422 (naming the range) past
    `MAX_INTRADAY_CELLS` bars × symbols, before anything is read; 422 naming the symbols
    when a symbol list has one without minute candles in the range, or none has any."""
    start, end = request.start_date, request.end_date
    calendar = store.calendar
    try:
        warm = _warm_start(calendar, start, INTRADAY_WARMUP_SESSIONS)
        cells = session_bar_count(calendar, warm, end, minutes) * len(keys)
    except OutsideCalendarError as exc:
        raise InvalidField("start_date", str(exc)) from None
    if cells > MAX_INTRADAY_CELLS:
        raise InvalidField(
            "end_date",
            f"{start} to {end} at {request.interval} for {len(keys)} symbols is {cells:,} "
            f"bars × symbols (with {INTRADAY_WARMUP_SESSIONS} sessions of warm-up); at most "
            f"{MAX_INTRADAY_CELLS:,}: shorten the range, lengthen the interval or use fewer "
            "symbols",
        )
    panel = store.load_intraday_panel(keys, warm, end, minutes)
    first = np.datetime64(start, "m") - np.timedelta64(330, "m")
    in_range = panel.close[panel.days >= first]
    empty = [k for j, k in enumerate(panel.keys) if bool(np.isnan(in_range[:, j]).all())]
    if len(empty) == len(panel.keys) or (isinstance(request.universe, list) and empty):
        shown = ", ".join(empty[:10]) + (f" and {len(empty) - 10} more" if len(empty) > 10 else "")
        raise InvalidField(
            "universe",
            f"no minute candles stored for {shown} between {start} and {end}; import some "
            "(`tradertape data import` of a broker's minute CSV) or fetch them",
        )
    bench = store.load_panel([benchmark_key], start, end)
    closes = bench.close[:, 0]
    if bool(np.isnan(closes).all()):
        return Market(panel, None, None)
    return Market(panel, closes, bench.sources[0])


def settings_of(request: BacktestRequest) -> BacktestSettings:
    """The engine settings a request asks for (an MIS run squares off at the paper
    exchange's time: the broker's, as `PaperConfig` keeps it)."""
    product = request.product_setting
    square_off_at = None
    if product == "MIS":
        from tradertape.oms import PaperConfig  # (an intraday run only: the CLI's start-up)

        square_off_at = PaperConfig().squareoff_equity
    return BacktestSettings(
        product=product,
        square_off_at=square_off_at,
        starting_capital=request.starting_capital,
        position_size_pct=request.position_size_pct,
        max_positions=request.max_positions,
        max_per_sector=request.max_per_sector,
        slippage_bps=request.slippage_bps,
        fill_at=request.fill_at,
        charges=request.charges_setting,
    )


def simulate(
    store: CandleStore,
    document: StrategyDocument,
    request: BacktestRequest,
    *,
    progress: Progress | None = None,
) -> BacktestResult:
    """Load the market and run: no database, so the CLI can call it too."""
    step = progress or (lambda stage: None)
    step("loading candles")
    return run_on(load_market(store, request), document, request, progress=progress)


def run_on(
    market: Market,
    document: StrategyDocument,
    request: BacktestRequest,
    *,
    progress: Progress | None = None,
) -> BacktestResult:
    """Run `document` on a loaded market with the request's settings and trading range."""
    return run_backtest(
        document,
        market.panel,
        settings_of(request),
        benchmark=market.benchmark,
        benchmark_source=market.benchmark_source,
        progress=progress,
        trade_from=request.start_date,
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def round_each(values: npt.NDArray[np.float64], digits: int) -> list[float]:
    """``[round(v, digits) for v in values]``, to the last bit, at NumPy's speed.

    ``rint(v × 10^d) / 10^d`` is the same double wherever the product's rounding cannot
    have crossed a half (the nearest whole number is then the exact one, and one division
    rounds it correctly). Values within a few units in the last place of a half (a quarter
    of a slipped run's prices: a 0.05 tick × 1.0005 ends in 25 or 75 at the 4th decimal) are
    settled by the product's exact error (`_near_half`); NaN, ±inf and the huge go through
    `round` itself.
    """
    scale = 10.0**digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        whole = np.rint(scaled)
        near = np.abs(np.abs(scaled - whole) - 0.5) <= 4 * np.spacing(np.abs(scaled))
        # False for NaN and ±inf, and between -1 and 0, where ``scaled - floor`` (that is,
        # ``scaled + 1``) may lose the product's last bit
        exact = (np.abs(scaled) < _EXACT_WHOLE) & ~((scaled < 0) & (scaled > -1))
    rest = ~exact
    if 0 <= digits <= _EXACT_POWERS:
        settled = np.flatnonzero(near & exact)
        if settled.size:  # (its sign kept: a half below zero may round to -0.0, as `round`)
            half = _near_half(values[settled], scaled[settled], scale)
            whole[settled] = np.copysign(half, values[settled])
    else:
        rest |= near
    out: list[float] = (whole / scale).tolist()
    for k in np.flatnonzero(rest).tolist():
        out[k] = round(float(values[k]), digits)
    return out


_EXACT_WHOLE = 2.0**51  # below it every float's floor, and the float + 1, are exact
_EXACT_POWERS = 22  # 10^d is a double exactly for d up to 22
_SPLIT = 2.0**27 + 1.0  # Veltkamp's splitter: a double into two halves of 26 bits


def _near_half(
    values: npt.NDArray[np.float64], scaled: npt.NDArray[np.float64], scale: float
) -> npt.NDArray[np.float64]:
    """The whole number nearest ``values × scale`` taken exactly (ties to even, as `round`
    rounds the exact binary value), where the rounded product `scaled` lies near a half.

    Dekker's product: ``values × scale = scaled + error`` exactly, `error` a double. The
    floor of `scaled` and ``scaled - floor - 0.5`` are exact (Sterbenz), so the sign of
    that plus `error`, one rounded sum, is the sign of the exact distance past the half."""
    high = _SPLIT * values
    a_hi = high - (high - values)
    a_lo = values - a_hi
    b_hi = _SPLIT * scale - (_SPLIT * scale - scale)
    b_lo = scale - b_hi
    error = ((a_hi * b_hi - scaled) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    floor = np.floor(scaled)
    past = ((scaled - floor) - 0.5) + error
    tie_up = np.fmod(floor, 2.0) != 0.0  # an exact half goes to the even neighbour
    return np.where((past > 0) | ((past == 0) & tie_up), floor + 1.0, floor)


_ISO_DAYS: dict[int, str] = {}  # day number (since 1970-01-01) -> "YYYY-MM-DD"


def iso_days(days: npt.NDArray[np.datetime64]) -> list[str]:
    """``days.astype(str).tolist()`` for calendar days ("NaT" included), at a dict lookup
    each: NumPy formats a date in about half a microsecond and an answer holds thousands
    (each day of the curve, each trade's entry and exit), but they are the same few
    thousand trading days run after run, so each is formatted once per process."""
    numbers: list[int] = days.astype("datetime64[D]").view(np.int64).tolist()
    try:
        return [_ISO_DAYS[n] for n in numbers]
    except KeyError:
        new = sorted(set(numbers) - _ISO_DAYS.keys())
        texts = np.array(new, dtype=np.int64).view("datetime64[D]").astype(str).tolist()
        _ISO_DAYS.update(zip(new, texts, strict=True))
        return [_ISO_DAYS[n] for n in numbers]


def _or_none(values: list[float], keep: npt.NDArray[np.bool_]) -> list[float | None]:
    if keep.all():  # (the usual case: every value known, no list to make again)
        return cast("list[float | None]", values)
    return [v if ok else None for v, ok in zip(values, keep.tolist(), strict=True)]


def _rounded(arrays: tuple[npt.NDArray[np.float64], ...], digits: int) -> list[list[float]]:
    """`round_each` of each array (1-D), in one call on them end to end: it rounds value by
    value, but each of its calls costs a dozen NumPy calls, as much as a run's trades."""
    values = round_each(np.concatenate(arrays), digits)
    ends = np.cumsum([array.size for array in arrays]).tolist()
    return [values[end - array.size : end] for array, end in zip(arrays, ends, strict=True)]


def _rebased_benchmark(result: BacktestResult) -> list[float | None]:
    """The benchmark as the equity its buy-and-hold would have had (rebased to the run's
    first day's equity at its first known close); None on days it has no close."""
    bench = result.benchmark
    if bench is None or bench.size != result.equity.size:
        return [None] * result.equity.size
    with np.errstate(invalid="ignore"):
        known = np.isfinite(bench) & (bench > 0)
    if not known.any():
        return [None] * result.equity.size
    scale = float(result.equity[0]) / float(bench[int(np.argmax(known))])
    return _or_none(round_each(bench * scale, 2), known)


Columns = dict[str, list[Any]]


def equity_columns(result: BacktestResult) -> Columns:
    """The equity and drawdown curves, one list per field, a value per trading day, with
    the benchmark's rebased equity beside them (for a chart of one against the other)."""
    return {
        "date": iso_days(result.days),
        "equity": round_each(result.equity, 2),
        "drawdown": round_each(result.drawdown, 4),
        "positions": result.positions.tolist(),
        "benchmark": _rebased_benchmark(result),
    }


def _writer(item: core_schema.CoreSchema) -> Callable[[Any], bytes]:
    """`to_json` of a list whose values are all of one type (`item`), the same bytes: a
    serializer that knows the type skips `to_json`'s inference of each value's, about a
    fifth of writing a run's columns. A value of another type falls back to inference
    (silently), so only columns made of exactly that type get one (an int in a float
    column would be written ``5.0``)."""
    config = core_schema.CoreConfig(ser_json_inf_nan="constants")  # as `to_json` writes them
    serializer = SchemaSerializer(core_schema.list_schema(item), config)
    return partial(serializer.to_json, warnings=False)


_TEXT = _writer(core_schema.str_schema())
_TEXT_OR_NULL = _writer(core_schema.nullable_schema(core_schema.str_schema()))
_FLOAT = _writer(core_schema.float_schema())
_FLOAT_OR_NULL = _writer(core_schema.nullable_schema(core_schema.float_schema()))
_INT = _writer(core_schema.int_schema())

#: Writers of `equity_columns`' and `trade_columns`' JSON (`EncodedJSON.of_members`), by
#: the type each column is made of: floats from `round_each`, ints from ``tolist`` of
#: integer arrays, texts.
EQUITY_WRITERS = {
    "date": _TEXT,
    "equity": _FLOAT,
    "drawdown": _FLOAT,
    "positions": _INT,
    "benchmark": _FLOAT_OR_NULL,
}
TRADE_WRITERS = {
    "symbol": _TEXT,
    "sector": _TEXT_OR_NULL,
    "entry_date": _TEXT,
    "entry_price": _FLOAT,
    "exit_date": _TEXT,
    "exit_price": _FLOAT,
    "quantity": _INT,
    "pnl": _FLOAT,
    "pnl_pct": _FLOAT,
    "charges": _FLOAT,
    "exit_reason": _TEXT,
    "conviction": _FLOAT_OR_NULL,
    "addons": _INT,
    "bars_held": _INT,
    "entry_time": _TEXT,
    "exit_time": _TEXT,
}


def trade_columns(result: BacktestResult) -> Columns:
    """Per-trade detail, one list per field (money to the paisa, prices to 4 decimals), in
    the fields' order of `tradertape.backtest.engine.Trade`."""
    tape = result.tape
    times: Columns = {}
    if tape.entry_time is not None and tape.exit_time is not None:
        times = {"entry_time": iso_ist(tape.entry_time), "exit_time": iso_ist(tape.exit_time)}
    entry_price, exit_price, pnl_pct = _rounded(
        (tape.entry_price, tape.exit_price, tape.pnl_pct), 4
    )
    pnl, charges = _rounded((tape.pnl, tape.charges), 2)
    return {
        "symbol": tape.symbols(),
        "sector": [tape.sectors[j] for j in tape.symbol.tolist()],
        "entry_date": iso_days(tape.entry_date),
        "entry_price": entry_price,
        "exit_date": iso_days(tape.exit_date),
        "exit_price": exit_price,
        "quantity": tape.quantity.tolist(),
        "pnl": pnl,
        "pnl_pct": pnl_pct,
        "charges": charges,
        "exit_reason": tape.exit_reasons(),
        "conviction": _or_none(round_each(tape.conviction, 6), np.isfinite(tape.conviction)),
        "addons": tape.addons.tolist(),
        "bars_held": tape.bars_held.tolist(),
        **times,
    }


def iso_ist(times: npt.NDArray[np.datetime64]) -> list[str]:
    """UTC minutes as IST ISO datetimes: ``2026-01-05T09:20:00+05:30``."""
    local = (times.astype("datetime64[m]") + np.timedelta64(330, "m")).astype(str)
    return [f"{text}:00+05:30" for text in local.tolist()]


def rows_of(stored: Columns | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored columns as rows (one object per day or trade, keys in the columns' order);
    rows stored as rows are returned as they are."""
    if isinstance(stored, list):
        return stored
    keys = list(stored)
    return [dict(zip(keys, values, strict=True)) for values in zip(*stored.values(), strict=True)]


def rows_json(stored: Columns, texts: dict[str, bytes] | None = None) -> bytes:
    """``to_json(rows_of(stored))``, the same bytes, written from the columns without a dict
    per row: each column's text (from `texts` when given: ``to_json`` of the column, as a
    fresh run keeps it) is cut into its values' texts (a value's text holds no comma but a
    string's: a column whose text has more is encoded value by value), then the texts are
    laid between the keys' in one list and joined once (a run's rows answer is thousands
    of objects: a template filled per row took longer)."""
    keys = list(stored)
    if not keys:
        return to_json(rows_of(stored))
    known = texts or {}
    columns = [_value_texts(values, known.get(key)) for key, values in stored.items()]
    count = len(columns[0])
    if any(len(column) != count for column in columns):
        return to_json(rows_of(stored))  # (columns of different lengths: `rows_of` says so)
    if not count:
        return b"[]"
    stride = 2 * len(keys) + 1
    parts: list[bytes] = [b""] * (stride * count)
    for k, (key, column) in enumerate(zip(keys, columns, strict=True)):
        parts[2 * k :: stride] = [(b"{" if k == 0 else b",") + to_json(key) + b":"] * count
        parts[2 * k + 1 :: stride] = column
    parts[stride - 1 :: stride] = [b"},"] * count
    return b"[" + b"".join(parts)[:-1] + b"]"


def _value_texts(values: list[Any], text: bytes | None = None) -> list[bytes]:
    """Each value's JSON text, as `to_json` writes it in a list (`text`: the list's)."""
    if not values:
        return []
    parts = (to_json(values) if text is None else text)[1:-1].split(b",")
    return parts if len(parts) == len(values) else [to_json(value) for value in values]


def equity_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """`equity_columns` as rows, one per trading day."""
    return rows_of(equity_columns(result))


def trade_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """`trade_columns` as rows, one per trade."""
    return rows_of(trade_columns(result))


def uses_provisional_days(calendar: TradingCalendar, result: BacktestResult) -> bool:
    """Whether the run's days reach past the published holiday list (guessed sessions)."""
    if not result.days.size:
        return False
    # its ends only: every day made a date object was half a million instructions a run
    first, last = result.days[[0, -1]].astype("datetime64[D]").astype(object)
    return calendar.uses_provisional(first, last)


def summary_of(result: BacktestResult) -> dict[str, Any]:
    """The summary with figures rounded for reading and non-finite ratios as null."""
    return {
        key: _finite(round(value, 4) if isinstance(value, float) else value)
        for key, value in result.summary.items()
    }
