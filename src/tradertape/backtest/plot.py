"""Equity and drawdown chart of a run, as a PNG (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tradertape.backtest.metrics import data_warning

if TYPE_CHECKING:
    from tradertape.backtest.engine import BacktestResult


def plot_equity(result: BacktestResult, path: Path, *, title: str) -> None:
    """Equity on top (₹ lakh, with the index bought and held), drawdown below (percent)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = result.days.astype("datetime64[D]")
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot(days, result.equity / 1e5, color="#1f6feb", linewidth=1.2, label="strategy")
    bench = result.benchmark
    if bench is not None and bench.size and not np.isnan(bench[0]):
        scaled = bench / bench[0] * result.equity[0] / 1e5
        top.plot(days, scaled, color="#8c959f", linewidth=1.0, label="index buy & hold")
    top.legend(loc="upper left", frameon=False)
    top.set_ylabel("equity (₹ lakh)")
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
    figure.savefig(path, dpi=110)
    plt.close(figure)
