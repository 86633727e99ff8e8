"""The results' fast paths (`kernel.tape_columns`, the one-pass `summarize`, `drawdown` in
place) give the bits the plain NumPy formulas gave: the formulas are kept here, as they
were, and both are run on random tapes and curves (ties, open trades, gaps, short runs)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import numpy.typing as npt
import pytest

from tradertape.backtest import kernel
from tradertape.backtest.engine import TradeTape, _label, _tape
from tradertape.backtest.metrics import Summary, _cagr, _mean, _ratio, _std, drawdown, summarize
from tradertape.backtest.synthetic import make_panel
from tradertape.candles.bars import DataLabel
from tradertape.candles.panel import Panel

FloatArray = npt.NDArray[np.float64]
_WHOLE = [kernel.T_SYMBOL, kernel.T_ENTRY, kernel.T_EXIT, kernel.T_QTY, kernel.T_REASON]


def _numpy_tape(rows: FloatArray, panel: Panel, names: tuple[str, ...]) -> TradeTape:
    """The tape as NumPy built it before `kernel.tape_columns`."""
    order = np.lexsort((rows[:, kernel.T_SYMBOL], rows[:, kernel.T_EXIT], rows[:, kernel.T_ENTRY]))
    rows = rows[order]
    days = panel.days.astype("datetime64[D]", copy=False)
    whole = rows[:, [*_WHOLE, kernel.T_ADDONS]].T.astype(np.int64, order="C")
    symbol, entry, exit_, quantity, reason, addons = whole
    entry_price, exit_price = rows[:, kernel.T_ENTRY_PRICE], rows[:, kernel.T_EXIT_PRICE]
    charges = rows[:, kernel.T_CHARGES]
    pnl = (exit_price - entry_price) * rows[:, kernel.T_QTY] - charges
    return TradeTape(
        keys=panel.keys,
        sectors=panel.sectors,
        exit_names=names,
        symbol=symbol,
        entry_date=days[entry],
        exit_date=days[exit_],
        entry_price=entry_price,
        exit_price=exit_price,
        quantity=quantity,
        pnl=pnl,
        pnl_pct=pnl / (entry_price * rows[:, kernel.T_QTY]) * 100.0,
        charges=charges,
        reason=reason,
        conviction=rows[:, kernel.T_CONVICTION],
        addons=addons,
        bars_held=exit_ - entry,
    )


def _numpy_drawdown(equity: FloatArray) -> FloatArray:
    if equity.size == 0:
        return equity.copy()
    peak = np.maximum.accumulate(equity)
    return (equity / peak - 1.0) * 100.0


def _numpy_summary(  # noqa: PLR0913 - `summarize`'s arguments
    days: npt.NDArray[np.datetime64],
    equity: FloatArray,
    positions: npt.NDArray[np.int64],
    tape: TradeTape,
    starting_capital: float,
    benchmark: FloatArray | None,
) -> dict[str, object]:
    """`summarize` as it was, one NumPy call per step."""
    final = float(equity[-1]) if equity.size else starting_capital
    span = (days[-1] - days[0]).astype("timedelta64[D]").astype(np.int64) if days.size > 1 else 0
    years = float(span) / 365.25
    curve = np.concatenate(([starting_capital], equity))
    returns = np.diff(curve) / curve[:-1]
    std = _std(returns) if returns.size > 1 else 0.0
    below = np.minimum(returns, 0.0)
    downside = math.sqrt(_mean(below * below)) if returns.size else 0.0
    mean = _mean(returns) if returns.size else 0.0
    annual = math.sqrt(252)
    cagr = _cagr(starting_capital, final, years)
    max_dd = float(_numpy_drawdown(curve).min())
    closed = tape.closed
    n_closed = int(np.count_nonzero(closed))
    pnl = tape.pnl[closed]
    wins, losses = pnl[pnl > 0], pnl[pnl <= 0]
    gross_loss = -sum(losses.tolist())
    bench_return = bench_cagr = None
    if benchmark is not None:
        known = benchmark[~np.isnan(benchmark)]
        if known.size >= 2:
            bench_return = (float(known[-1]) / float(known[0]) - 1.0) * 100.0
            bench_cagr = _cagr(float(known[0]), float(known[-1]), years)
    sharpe, sortino = _ratio(mean, std), _ratio(mean, downside)
    held_days = (tape.exit_date[closed] - tape.entry_date[closed]).astype(np.int64).tolist()
    invested = int(np.count_nonzero(positions > 0))
    return {
        "cagr": cagr,
        "total_return": (final / starting_capital - 1.0) * 100.0,
        "win_rate": wins.size / n_closed * 100.0 if n_closed else 0.0,
        "total_trades": n_closed,
        "open_trades": len(tape) - n_closed,
        "profit_factor": _ratio(sum(wins.tolist()), gross_loss),
        "max_drawdown": max_dd,
        "sharpe": sharpe * annual if sharpe is not None else None,
        "sortino": sortino * annual if sortino is not None else None,
        "calmar": _ratio(cagr, -max_dd),
        "avg_hold_days": float(sum(held_days)) / n_closed if n_closed else 0.0,
        "exposure_pct": invested / positions.size * 100.0 if positions.size else 0.0,
        "final_equity": final,
        "total_charges": sum(tape.charges.tolist()),
        "avg_win": _mean(wins) if wins.size else 0.0,
        "avg_loss": _mean(losses) if losses.size else 0.0,
        "expectancy": _mean(pnl) if n_closed else 0.0,
        "benchmark_return": bench_return,
        "benchmark_cagr": bench_cagr,
    }


def _panel(days: int, symbols: int) -> Panel:
    closes = {f"S{j:02d}": [100.0 + t for t in range(days)] for j in range(symbols)}
    return make_panel(closes, start=date(2023, 1, 2))


def _rows(rng: np.random.Generator, n: int, days: int, symbols: int) -> FloatArray:
    """Trade rows as the kernel records them (in exit order), with ties in every sort key."""
    rows = np.zeros((n, kernel.TRADE_COLUMNS))
    entry = rng.integers(0, max(1, days // 2), n)
    rows[:, kernel.T_ENTRY] = entry
    rows[:, kernel.T_EXIT] = np.minimum(entry + rng.integers(0, 6, n), days - 1)
    rows[:, kernel.T_SYMBOL] = rng.integers(0, symbols, n)
    rows[:, kernel.T_QTY] = rng.integers(1, 500, n)
    rows[:, kernel.T_ENTRY_PRICE] = np.round(rng.uniform(10, 3000, n), 2)
    rows[:, kernel.T_EXIT_PRICE] = rows[:, kernel.T_ENTRY_PRICE] * rng.uniform(0.8, 1.2, n)
    rows[:, kernel.T_CHARGES] = rng.uniform(0, 40, n) * rng.integers(0, 2, n)
    rows[:, kernel.T_REASON] = rng.choice([0, 1, kernel.MAX_HOLD, kernel.END_OF_DATA], n)
    rows[:, kernel.T_CONVICTION] = rng.normal(0, 50, n)
    rows[:, kernel.T_ADDONS] = rng.integers(0, 3, n)
    return rows[np.argsort(rows[:, kernel.T_EXIT], kind="stable")]


def _same(a: object, b: object) -> bool:
    """Equal to the bit (``repr`` tells -0.0 from 0.0 and round-trips every float)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and repr(a) == repr(b)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 40, 400])
def test_tape_columns_are_numpys(n: int):
    rng = np.random.default_rng(n)
    panel = _panel(60, 4)
    for _ in range(20):
        rows = _rows(rng, n, 60, 4)
        fast, slow = _tape(rows, panel, ("a", "b")), _numpy_tape(rows, panel, ("a", "b"))
        for name in TradeTape.__dataclass_fields__:
            assert _same(getattr(fast, name), getattr(slow, name)), name


@pytest.mark.parametrize("days", [0, 1, 2, 3, 9, 130, 300])
def test_summary_is_the_numpy_formulas(days: int):
    rng = np.random.default_rng(days)
    panel = _panel(max(days, 1), 3)
    for trial in range(30):
        equity = np.cumprod(1.0 + rng.normal(0.0005, 0.02, days), dtype=np.float64) * 1e6
        if trial % 5 == 0:
            equity[:] = 1e6  # a flat curve: no deviation, no drawdown
        positions = rng.integers(0, 3, days)
        tape = _tape(_rows(rng, int(rng.integers(0, 12)), max(days, 1), 3), panel, ("a", "b"))
        benchmark = None if trial % 2 else rng.uniform(90, 110, days)
        if benchmark is not None and days > 2:
            benchmark[rng.integers(0, days, 2)] = np.nan
        fast: Summary = summarize(
            days=panel.days[:days],
            equity=equity,
            positions=positions,
            tape=tape,
            starting_capital=1e6,
            benchmark=benchmark,
            label=DataLabel.of(panel.sources),
        )
        slow = _numpy_summary(panel.days[:days], equity, positions, tape, 1e6, benchmark)
        for key, value in slow.items():
            assert _same(fast[key], value), key  # type: ignore[literal-required]


@pytest.mark.parametrize("size", [0, 1, 2, 50, 300])
def test_drawdown_is_the_numpy_formula(size: int):
    rng = np.random.default_rng(size)
    equity = np.cumprod(1.0 + rng.normal(0, 0.03, size), dtype=np.float64) * 1e5
    assert _same(drawdown(equity), _numpy_drawdown(equity))


@pytest.mark.parametrize(
    "curve",
    [
        [1e6, 0.0, 5e5, 5e5],  # ruined, then back: an infinite return, a zero peak ratio
        [1e6, np.nan, 1.1e6, 9e5],  # a NaN day poisons the returns and the peak, as in NumPy
        [1e6, 1e6, 1e6],  # flat: no deviation, no downside
        [2e6, 1.5e6, 1e6],  # only down
        [-1.0, -2.0, 0.0],  # (nonsense, but the same nonsense)
    ],
)
def test_summary_of_odd_curves_is_the_numpy_formulas(curve: list[float]):
    panel = _panel(len(curve), 2)
    equity = np.array(curve, dtype=np.float64)
    positions = np.array([0, 1, 2][: len(curve)] + [1] * (len(curve) - 3), dtype=np.int64)
    tape = _tape(_rows(np.random.default_rng(3), 5, len(curve), 2), panel, ("a", "b"))
    for capital in (1_000_000, 1e6):  # (an int, as settings may hold one)
        with np.errstate(all="ignore"):
            fast = summarize(
                days=panel.days,
                equity=equity,
                positions=positions,
                tape=tape,
                starting_capital=capital,
                benchmark=None,
                label=DataLabel.of(panel.sources),
            )
            slow = _numpy_summary(panel.days, equity, positions, tape, capital, None)
        for key, value in slow.items():
            assert _same(fast[key], value), (key, fast[key], value)  # type: ignore[literal-required]


def test_the_cached_data_label_follows_the_sources():
    """`engine._label` is cached by the sources themselves: other sources, another label."""
    assert _label(("synthetic", "synthetic"), None) == DataLabel("synthetic", True)
    assert _label(("import", "import"), None) == DataLabel("import", False)
    assert _label(("import", "import"), "synthetic") == DataLabel("mixed", True)
    assert _label(("import", None), None) == DataLabel("import", False)
