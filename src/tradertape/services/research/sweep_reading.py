"""A sweep's variants read as its page reads them: the best by a figure, and the heatmap of
a figure over two parameters (the other parameters averaged over, as the page's grid is).

The assistant's ``sweep`` tool answers these rather than every variant of a grid that may
hold thousands. Higher is better for every figure a sweep keeps (a drawdown is negative).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tradertape.backtest.sweep import METRICS
from tradertape.errors import InvalidField

Part = Literal["in_sample", "out_of_sample"]


def _figure(variant: dict[str, Any], part: Part, metric: str) -> float | None:
    figures = variant.get(part)
    value = figures.get(metric) if figures else None
    return float(value) if value is not None else None


def best(results: list[dict[str, Any]], *, part: Part, metric: str, count: int) -> list[Any]:
    """The `count` variants with the highest `metric` on `part`, best first (ties: the lower
    index); variants without the figure (refused, not run) are left out."""
    if metric not in METRICS:
        raise InvalidField("metric", f"one of {', '.join(METRICS)}")
    scored = [(v, _figure(v, part, metric)) for v in results]
    ranked = sorted(
        ((v, f) for v, f in scored if f is not None), key=lambda vf: (-vf[1], vf[0]["index"])
    )
    return [v for v, _ in ranked[:count]]


@dataclass(frozen=True, slots=True)
class HeatGrid:
    """``cells[j][i]``: the mean of the figure over the variants with ``xs[i]`` and ``ys[j]``
    (None: no variant there has it); ``averaged``: the sweep varied more than these two."""

    x: str
    y: str
    xs: list[float]
    ys: list[float]
    cells: list[list[float | None]]
    averaged: bool


def heat_grid(
    results: list[dict[str, Any]], *, x: str, y: str, part: Part, metric: str
) -> HeatGrid:
    """The figure over parameters `x` and `y` (paths the sweep varied)."""
    if metric not in METRICS:
        raise InvalidField("metric", f"one of {', '.join(METRICS)}")
    varied = {path for v in results for path in v["params"]}
    for name, path in (("x", x), ("y", y)):
        if path not in varied:
            raise InvalidField(name, f"the sweep varied {', '.join(sorted(varied))}")
    xs = sorted({float(v["params"][x]) for v in results if x in v["params"]})
    ys = sorted({float(v["params"][y]) for v in results if y in v["params"]})
    sums = [[[0.0, 0] for _ in xs] for _ in ys]
    for v in results:
        figure = _figure(v, part, metric)
        if figure is None or x not in v["params"] or y not in v["params"]:
            continue
        cell = sums[ys.index(float(v["params"][y]))][xs.index(float(v["params"][x]))]
        cell[0] += figure
        cell[1] += 1
    return HeatGrid(
        x=x,
        y=y,
        xs=xs,
        ys=ys,
        cells=[[total / n if n else None for total, n in line] for line in sums],
        averaged=len(varied) > 2,
    )
