"""The equity chart labels its axis in rupees grouped the Indian way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt

from tradertape.backtest.plot import equity_figure, rupee_tick

if TYPE_CHECKING:
    from tradertape.backtest.engine import BacktestResult

LABEL = re.compile(r"^−?₹(?:\d{1,3}|\d{1,2}(?:,\d{2})*,\d{3})$")


@dataclass
class _Run:
    """What the chart reads of a run."""

    days: npt.NDArray[np.datetime64]
    equity: npt.NDArray[np.float64]
    benchmark: npt.NDArray[np.float64] | None
    drawdown: npt.NDArray[np.float64]
    summary: dict[str, object] = field(default_factory=dict)


def test_rupee_tick_examples():
    assert rupee_tick(1_013_418.76) == "₹10,13,419"
    assert rupee_tick(-3_672.67) == "−₹3,673"
    assert rupee_tick(0.0) == "₹0"


def test_equity_axis_shows_indian_rupees():
    import matplotlib.pyplot as plt

    days = np.arange("2024-01-01", "2024-04-01", dtype="datetime64[D]")
    equity = np.linspace(1_000_000.0, 1_450_000.0, days.size)
    run = _Run(days, equity, equity * 0.9, np.zeros(days.size))
    figure = equity_figure(cast("BacktestResult", run), title="t")
    try:
        figure.canvas.draw()
        labels = [t.get_text() for t in figure.axes[0].get_yticklabels() if t.get_text()]
    finally:
        plt.close(figure)
    assert labels
    assert all(LABEL.match(label) for label in labels), labels
    assert any(label.startswith("₹1") and label.count(",") == 2 for label in labels), labels
