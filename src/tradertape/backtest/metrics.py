"""Summary figures of a run, in the units users read: percentages as percents.

Conventions (docs/backtester.md): returns are daily, close to close, on the equity curve;
Sharpe and Sortino are annualised with √252 and a zero risk-free rate; CAGR uses calendar
days (365.25 a year); drawdowns are negative percents; trade statistics count closed trades,
and positions still open at the end are reported apart (``open_trades``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import numpy.typing as npt

from tradertape.backtest import kernel

if TYPE_CHECKING:
    from tradertape.backtest.engine import TradeTape
    from tradertape.candles.bars import DataLabel

FloatArray = npt.NDArray[np.float64]
TRADING_DAYS = 252


class Summary(TypedDict):
    """The keys seed 001 documents, plus the benchmark's and a few more."""

    cagr: float
    total_return: float
    win_rate: float
    total_trades: int
    open_trades: int
    profit_factor: float | None
    max_drawdown: float
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    avg_hold_days: float
    exposure_pct: float
    final_equity: float
    total_charges: float
    avg_win: float
    avg_loss: float
    expectancy: float
    benchmark_return: float | None
    benchmark_cagr: float | None
    data_source: str | None  # synthetic | import | broker | mixed: see `DataLabel`
    synthetic: bool  # any of the candles (the benchmark's too) is simulated


def data_warning(data_source: object) -> str:
    """What a table or chart of a run on simulated candles says about them."""
    if data_source == "mixed":
        return "MIXED DATA: some candles are synthetic (simulated, not real prices)"
    return "SYNTHETIC DATA: simulated prices, not real"


def drawdown(equity: FloatArray) -> FloatArray:
    """Percent below the running peak (0 at a new high, negative below it)."""
    if equity.size == 0:
        return equity.copy()
    relative = equity / np.maximum.accumulate(equity)
    relative -= 1.0  # (in place: the same arithmetic, fewer arrays)
    relative *= 100.0
    return relative


def _cagr(first: float, last: float, years: float) -> float:
    if years <= 0 or first <= 0 or last <= 0:
        return 0.0
    return float(((last / first) ** (1.0 / years) - 1.0) * 100.0)


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator == 0 or not math.isfinite(denominator):
        return None
    return numerator / denominator


_DATES = np.dtype("datetime64[D]")


def _years(days: npt.NDArray[np.datetime64]) -> float:
    if days.size < 2:
        return 0.0
    if days.dtype == _DATES:  # (a panel's days): `date` arithmetic, a third of NumPy's casts
        return float((days[-1].item() - days[0].item()).days) / 365.25
    span = (days[-1] - days[0]).astype("timedelta64[D]").astype(np.int64)
    return float(span) / 365.25


def _day_numbers(dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Whole days since the epoch (a view of dates: their int64 values)."""
    return dates.astype(_DATES, copy=False).view(np.int64)


def _mean(values: npt.NDArray[np.float64]) -> float:
    """``float(np.mean(values))`` of a non-empty 1-D array, to the last bit (NumPy's own
    pairwise sum and one division), without `np.mean`'s wrappers: a short run pays for
    them on every figure."""
    return float(np.add.reduce(values)) / values.size


def _std(values: npt.NDArray[np.float64]) -> float:
    """``float(np.std(values, ddof=1))`` of a 1-D array of at least two values, to the last
    bit: the steps of NumPy's ``_var`` (sum, divide, deviations squared, sum, divide), then
    the correctly rounded square root."""
    deviations = values - np.add.reduce(values) / values.size
    return math.sqrt(float(np.add.reduce(deviations * deviations)) / (values.size - 1))


def summarize(
    *,
    days: npt.NDArray[np.datetime64],
    equity: FloatArray,
    positions: npt.NDArray[np.int64],
    tape: TradeTape,
    starting_capital: float,
    benchmark: FloatArray | None,
    label: DataLabel,
) -> Summary:
    """Figures of one run. Sums of trades run left to right in trade order (Python's `sum`
    of the column as a list): the figures do not depend on how the trades are held. Means
    are NumPy's (pairwise sums), called through their ufuncs: a call's fixed cost.

    A short run pays NumPy's cost per call on every figure, so the element-wise steps run
    in two compiled calls (`kernel.curve_steps`, `kernel.closed_trades`) and the returns'
    sum serves their mean and their deviation; the drawdown's minimum is taken before
    scaling (``(x - 1) * 100`` is monotonic, so its minimum is the same bits).
    """
    final = float(equity[-1]) if equity.size else starting_capital
    years = _years(days)
    returns, below, lowest, invested = kernel.curve_steps(
        float(starting_capital), equity, positions
    )
    n_returns = returns.size
    mean = std = downside = 0.0
    if n_returns:
        mean = float(np.add.reduce(returns)) / n_returns
        downside = math.sqrt(_mean(below))
        if n_returns > 1:  # `_std`, its sum shared with the mean
            deviations = returns - mean
            deviations *= deviations
            std = math.sqrt(float(np.add.reduce(deviations)) / (n_returns - 1))
    annual = math.sqrt(TRADING_DAYS)
    cagr = _cagr(starting_capital, final, years)
    max_dd = (lowest - 1.0) * 100.0
    n_trades = len(tape)
    pnl, wins, losses, held_days = kernel.closed_trades(
        tape.reason, tape.pnl, _day_numbers(tape.entry_date), _day_numbers(tape.exit_date)
    )
    n_closed = pnl.size
    gross_loss = -sum(losses.tolist())
    bench_return = bench_cagr = None
    if benchmark is not None:
        known = benchmark[~np.isnan(benchmark)]
        if known.size >= 2:
            bench_return = (float(known[-1]) / float(known[0]) - 1.0) * 100.0
            bench_cagr = _cagr(float(known[0]), float(known[-1]), years)
    sharpe = _ratio(mean, std)
    sortino = _ratio(mean, downside)
    return Summary(
        cagr=cagr,
        total_return=(final / starting_capital - 1.0) * 100.0,
        win_rate=wins.size / n_closed * 100.0 if n_closed else 0.0,
        total_trades=n_closed,
        open_trades=n_trades - n_closed,
        profit_factor=_ratio(sum(wins.tolist()), gross_loss),
        max_drawdown=max_dd,
        sharpe=sharpe * annual if sharpe is not None else None,
        sortino=sortino * annual if sortino is not None else None,
        calmar=_ratio(cagr, -max_dd),
        avg_hold_days=float(held_days) / n_closed if n_closed else 0.0,  # (summed exactly)
        exposure_pct=invested / positions.size * 100.0 if positions.size else 0.0,
        final_equity=final,
        total_charges=sum(tape.charges.tolist()),
        avg_win=_mean(wins) if wins.size else 0.0,
        avg_loss=_mean(losses) if losses.size else 0.0,
        expectancy=_mean(pnl) if n_closed else 0.0,
        benchmark_return=bench_return,
        benchmark_cagr=bench_cagr,
        data_source=label.data_source,
        synthetic=label.synthetic,
    )
