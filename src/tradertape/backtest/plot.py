"""Equity and drawdown chart of a run, as a PNG (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tradertape.backtest.metrics import data_warning
from tradertape.domain.money import inr

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from tradertape.backtest.engine import BacktestResult


def rupee_tick(value: float, _position: object = None) -> str:
    """An equity axis label: whole rupees, grouped the Indian way (₹10,00,000)."""
    return inr(value, places=0)


def equity_figure(result: BacktestResult, *, title: str) -> Figure:
    """Equity on top (₹, with the index bought and held), drawdown below (percent)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    days = result.days.astype("datetime64[D]")
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot(days, result.equity, color="#1f6feb", linewidth=1.2, label="strategy")
    bench = result.benchmark
    if bench is not None and bench.size and not np.isnan(bench[0]):
        scaled = bench / bench[0] * result.equity[0]
        top.plot(days, scaled, color="#8c959f", linewidth=1.0, label="index buy & hold")
    top.legend(loc="upper left", frameon=False)
    top.yaxis.set_major_formatter(FuncFormatter(rupee_tick))
    top.set_ylabel("equity")
    label = result.summary.get("data_source")
    if result.summary.get("synthetic"):
        title = f"{title} · {data_warning(label)}"
        top.text(
            0.5,
            0.5,
            "SYNTHETIC DATA",
            transform=top.transAxes,
            fontsize=36,
            color="#d1242f",
            alpha=0.15,
            ha="center",
            va="center",
            rotation=20,
        )
    top.set_title(title)
    top.grid(alpha=0.3)
    bottom.fill_between(days, result.drawdown, 0, color="#d1242f", alpha=0.4, linewidth=0)
    bottom.set_ylabel("drawdown %")
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def plot_equity(result: BacktestResult, path: Path, *, title: str) -> None:
    """Write `equity_figure` to `path` as a PNG."""
    import matplotlib.pyplot as plt

    figure = equity_figure(result, title=title)
    figure.savefig(path, dpi=110)
    plt.close(figure)
