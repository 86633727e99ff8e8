"""Parameter sweeps: a grid of variants of one strategy, each run in- and out-of-sample.

A sweep parameter is a *path* into what a backtest runs: into the strategy document
(``config.min_hold``, ``entry_rules.conditions.1.right.value`` for a threshold,
``entry_rules.conditions.1.left.name`` for the length of the indicator named there, so
``rsi14`` becomes ``rsi10``) or into the portfolio settings (``settings.max_positions``).
The grid is the product of the parameters' values, in the order given.

Every variant runs twice over one panel and one `IndicatorBook` (each indicator length is
computed once per process, whatever the number of variants reading it): in-sample from the
start to the day before the split, out-of-sample from the split to the end, each with its
own starting capital and no position carried across. Indicators are causal (row ``t`` reads
rows up to ``t``), so the out-of-sample run's warm-up reads only earlier bars.

No database, no HTTP: the service runs chunks of variants here, in this process, in a
process pool or on Ray (`tradertape.backtest.executors`).
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.candles.panel import Panel
from tradertape.indicators import IndicatorBook
from tradertape.indicators.names import UnknownIndicator, parse_indicator
from tradertape.indicators.words import indicator_words
from tradertape.strategies.dsl import StrategyDocument

FloatArray = npt.NDArray[np.float64]
SETTINGS = "settings."
# Portfolio settings a sweep may vary: whether each is a whole number, and its bounds (as a
# backtest request's).
SWEEPABLE_SETTINGS = {
    "position_size_pct": False,
    "max_positions": True,
    "max_per_sector": True,
    "slippage_bps": False,
}
_SETTING_BOUNDS = {
    "position_size_pct": (1e-9, 100.0),
    "max_positions": (1.0, 500.0),
    "max_per_sector": (1.0, 500.0),
    "slippage_bps": (0.0, 1000.0),
}
# The figures kept per variant and part (a sweep keeps no curves or trades).
METRICS = (
    "cagr",
    "total_return",
    "max_drawdown",
    "sharpe",
    "sortino",
    "calmar",
    "win_rate",
    "profit_factor",
    "expectancy",
    "total_trades",
    "exposure_pct",
    "final_equity",
)


class ChunkMarket(Protocol):
    """What a job's chunks run over (an equity panel, an options run's chains): picklable,
    sent to each place once; `shared` is what every chunk in one process reads and builds
    once (an equity panel's `IndicatorBook`, an options run's chain source)."""

    def shared(self) -> Any:
        """The state this process's chunks share, built once per job and process."""
        ...


class ChunkWork(Protocol):
    """What an executor runs in chunks of indices over one market (a sweep's variants, a
    walk-forward's fold-variants): picklable, so a pool's processes read it once."""

    def run_chunk(self, market: Any, shared: Any, indices: list[int]) -> list[dict[str, Any]]:
        """The rows of ``indices``, sharing ``shared`` (the market's `ChunkMarket.shared`)."""
        ...


class GridWork(ChunkWork, Protocol):
    """A sweep's work: a grid of `size` variants (an equity `SweepSpec`, an options one)."""

    @property
    def size(self) -> int:
        """How many variants the grid holds."""
        ...


class BadParameter(ValueError):
    """A path that names nothing sweepable, or a value the strategy refuses."""


@dataclass(frozen=True, slots=True)
class SweepMarket:
    """The panel (warm-up included) and the three days that cut it into the two parts."""

    panel: Panel
    benchmark: FloatArray | None
    benchmark_source: str | None
    start: date
    split: date  # first out-of-sample day
    end: date

    def shared(self) -> IndicatorBook:
        """Each indicator length computed once per process, whatever the variants."""
        return IndicatorBook.from_panel(self.panel)


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """What varies: the base document (JSON), the base settings and the grid's axes."""

    document: dict[str, Any]
    settings: BacktestSettings
    axes: tuple[tuple[str, tuple[float, ...]], ...]

    @property
    def size(self) -> int:
        """How many variants the grid holds."""
        return math.prod(len(values) for _, values in self.axes)

    def variant(self, index: int) -> dict[str, float]:
        """The parameter values of variant ``index`` (row-major: the last axis varies
        fastest)."""
        values: dict[str, float] = {}
        for path, choices in reversed(self.axes):
            index, at = divmod(index, len(choices))
            values[path] = choices[at]
        return dict(reversed(values.items()))

    def run_chunk(
        self, market: SweepMarket, book: IndicatorBook, indices: list[int]
    ) -> list[dict[str, Any]]:
        """The rows of the variants ``indices`` (`run_chunk`)."""
        return run_chunk(market, book, self, indices)


def grid(axes: tuple[tuple[str, tuple[float, ...]], ...]) -> list[dict[str, float]]:
    """Every variant of ``axes`` in order (for listings; runs use `SweepSpec.variant`)."""
    paths = [path for path, _ in axes]
    return [
        dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))
    ]


def _step_into(node: Any, part: str, path: str) -> Any:
    if isinstance(node, list):
        if not part.isdecimal() or int(part) >= len(node):
            raise BadParameter(f"{path}: no item {part} here")
        return node[int(part)]
    if isinstance(node, dict) and part in node:
        return node[part]
    raise BadParameter(f"{path}: the strategy has no {part!r} here")


def _whole(value: float, path: str) -> int:
    if not float(value).is_integer():
        raise BadParameter(f"{path}: {value} is not a whole number")
    return int(value)


def _renamed(name: str, value: float, path: str) -> str:
    """The indicator ``name`` with its first parameter (its length) set to ``value``."""
    try:
        spec = parse_indicator(name)
    except UnknownIndicator as exc:
        raise BadParameter(f"{path}: {exc}") from None
    if not spec.params:
        raise BadParameter(f"{path}: {name} has no length to vary")
    renamed = replace(spec, params=(_whole(value, path), *spec.params[1:]))
    try:
        return parse_indicator(renamed.name).name
    except UnknownIndicator as exc:
        raise BadParameter(f"{path}: {exc}") from None


WHOLE_WHEN_UNSET = ("max_hold",)  # config limits a document may leave unset (null)


def set_value(document: dict[str, Any], path: str, value: float) -> None:
    """Put ``value`` at ``path`` of a document's JSON, in place: the length of the indicator
    named there, a number (whole where the document's is whole), or a limit left unset."""
    parts = path.split(".")
    parent: Any = document
    for part in parts[:-1]:
        parent = _step_into(parent, part, path)
    leaf = parts[-1]
    key: int | str
    if isinstance(parent, list):
        _step_into(parent, leaf, path)
        key = int(leaf)
    elif isinstance(parent, dict) and leaf in parent:
        key = leaf
    else:
        raise BadParameter(f"{path}: the strategy has no {leaf!r} here")
    current = parent[key]
    named = isinstance(parent, dict) and (key == "indicator" or parent.get("type") == "indicator")
    if isinstance(current, str) and named:
        parent[key] = _renamed(current, value, path)
    elif isinstance(current, bool) or not isinstance(current, int | float | None):
        raise BadParameter(f"{path}: not a number or an indicator's length")
    elif isinstance(current, int) or (current is None and key in WHOLE_WHEN_UNSET):
        parent[key] = _whole(value, path)
    else:
        parent[key] = float(value)


def inputs_of(
    spec: SweepSpec, values: dict[str, float]
) -> tuple[StrategyDocument, BacktestSettings]:
    """The document and settings of one variant; `BadParameter` if the strategy refuses it."""
    document = copy.deepcopy(spec.document)
    settings = spec.settings
    for path, value in values.items():
        if path.startswith(SETTINGS):
            name = path.removeprefix(SETTINGS)
            whole = SWEEPABLE_SETTINGS.get(name)
            if whole is None:
                known = ", ".join(SETTINGS + s for s in SWEEPABLE_SETTINGS)
                raise BadParameter(f"{path}: not a sweepable setting ({known})")
            low, high = _SETTING_BOUNDS[name]
            if not low <= value <= high:
                raise BadParameter(f"{path}: must be from {low:g} to {high:g}")
            changed: dict[str, Any] = {name: _whole(value, path) if whole else float(value)}
            settings = replace(settings, **changed)
        else:
            set_value(document, path, value)
    try:
        return StrategyDocument.model_validate(document), settings
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadParameter(f"{where}: {first['msg']}") from None


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


def run_part(
    market: SweepMarket,
    book: IndicatorBook,
    document: StrategyDocument,
    settings: BacktestSettings,
    *,
    start: date,
    until: date | None,
) -> BacktestResult:
    """One part's run (``start`` up to the day before ``until``)."""
    return run_backtest(
        document,
        market.panel,
        settings,
        benchmark=market.benchmark,
        benchmark_source=market.benchmark_source,
        book=book,
        trade_from=start,
        trade_until=until,
    )


def part_metrics(
    market: SweepMarket,
    book: IndicatorBook,
    document: StrategyDocument,
    settings: BacktestSettings,
    *,
    start: date,
    until: date | None,
) -> dict[str, Any]:
    """The sweep's figures of one part (``start`` up to the day before ``until``)."""
    return figures_of(run_part(market, book, document, settings, start=start, until=until))


def figures_of(result: BacktestResult) -> dict[str, Any]:
    """The sweep's figures of a run (`METRICS`, its first and last day)."""
    summary: dict[str, Any] = dict(result.summary)
    figures = {key: _finite(summary[key]) for key in METRICS}
    days = result.days.astype("datetime64[D]").astype(object)
    figures["first_day"] = days[0].isoformat()
    figures["last_day"] = days[-1].isoformat()
    return figures


def run_variant(
    market: SweepMarket, book: IndicatorBook, spec: SweepSpec, index: int
) -> dict[str, Any]:
    """One variant's row: its values and each part's figures (or why it could not run)."""
    values = spec.variant(index)
    row: dict[str, Any] = {"index": index, "params": values}
    try:
        document, settings = inputs_of(spec, values)
    except BadParameter as exc:
        return {**row, "in_sample": None, "out_of_sample": None, "error": str(exc)}
    row["in_sample"] = part_metrics(
        market, book, document, settings, start=market.start, until=market.split
    )
    row["out_of_sample"] = part_metrics(
        market, book, document, settings, start=market.split, until=None
    )
    row["error"] = None
    return row


def run_chunk(
    market: SweepMarket, book: IndicatorBook, spec: SweepSpec, indices: list[int]
) -> list[dict[str, Any]]:
    """Rows of the variants ``indices``, sharing ``book``."""
    return [run_variant(market, book, spec, i) for i in indices]


# -- what a page offers to sweep -------------------------------------------------------------

_PART_WORDS = {
    "entry_rules": "Entry",
    "exit_rules": "Exit",
    "addon_rules": "Add-on",
    "conviction_scoring": "Scoring",
    "config": "Config",
}
_CONFIG_WORDS = {
    "min_hold": ("Minimum hold (bars)", "holding"),
    "max_hold": ("Maximum hold (bars)", "holding"),
    "atr_stop_mult": ("ATR stop (× ATR 14)", "threshold"),
    "gap_down_exit_pct": ("Gap-down exit (%)", "threshold"),
    "exit_buffer_pct": ("Exit buffer (%)", "threshold"),
    "entry_buffer_pct": ("Entry buffer (%)", "threshold"),
}
_SETTING_WORDS = {
    "position_size_pct": "Position size (% of capital)",
    "max_positions": "Max positions",
    "max_per_sector": "Max per sector",
    "slippage_bps": "Slippage (bps)",
}


@dataclass(frozen=True, slots=True)
class Sweepable:
    """A value a sweep may vary: where it is, what to call it, what it is now."""

    path: str
    label: str
    kind: str  # indicator_length | threshold | holding | cap
    value: float | None
    whole: bool


# How a comparison reads in a parameter's label ("close > SMA 20", "RSI 14 ≤ 70").
_OPS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "is", "!=": "is not"}
_CROSSES = {"crosses_above": "crosses above", "crosses_below": "crosses below"}


def _literal_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("_", " ")


def _compare_text(node: dict[str, Any]) -> str:
    def side(operand: Any) -> str:
        if not isinstance(operand, dict):
            return "?"
        if operand.get("type") == "indicator":
            return indicator_words(str(operand.get("name")), mid_sentence=True)
        if operand.get("type") == "literal":
            return _literal_text(operand.get("value"))
        if operand.get("type") == "position":
            return str(operand.get("field")).replace("_", " ")
        return str(operand.get("type"))

    kind = str(node.get("type", ""))
    op = _CROSSES.get(kind) or _OPS.get(str(node.get("op")), str(node.get("op", kind)))
    return f"{side(node.get('left'))} {op} {side(node.get('right'))}"


def _node_choices(node: dict[str, Any], parts: list[str], where: str) -> list[Sweepable]:
    """An indicator operand's length or a literal's value, labelled with its rule."""
    if node.get("type") == "indicator" and isinstance(node.get("name"), str):
        try:
            spec = parse_indicator(node["name"])
        except UnknownIndicator:
            return []
        if not spec.params:
            return []
        return [
            Sweepable(
                path=".".join([*parts, "name"]),
                label=f"{where}: {indicator_words(node['name'])} length",
                kind="indicator_length",
                value=float(spec.params[0]),
                whole=True,
            )
        ]
    value = node.get("value")
    if node.get("type") == "literal" and isinstance(value, int | float):
        return [
            Sweepable(
                path=".".join([*parts, "value"]),
                label=f"{where}: threshold",
                kind="threshold",
                value=float(value),
                whole=False,
            )
        ]
    return []


def _rule_choices(node: Any, parts: list[str], where: str, rule: str = "") -> list[Sweepable]:
    """The choices under ``node``; ``where`` names the rule set, ``rule`` the comparison."""
    if isinstance(node, list):
        found = []
        for i, child in enumerate(node):
            inner = where
            if parts == ["exit_rules"] and isinstance(child, dict):
                inner = f"Exit {child.get('name', i + 1)}"
            found += _rule_choices(child, [*parts, str(i)], inner, rule)
        return found
    if not isinstance(node, dict):
        return []
    if node.get("type") in ("compare", "crosses_above", "crosses_below"):
        rule = f" ({_compare_text(node)})"
    found = [replace(c, label=c.label + rule) for c in _node_choices(node, parts, where)]
    for key, child in node.items():
        if isinstance(child, dict | list):
            found += _rule_choices(child, [*parts, key], where, rule)
    return found


def _config_choices(config: dict[str, Any]) -> list[Sweepable]:
    found = []
    for key, (label, kind) in _CONFIG_WORDS.items():
        value = config.get(key)
        if value is None and key not in WHOLE_WHEN_UNSET:
            continue
        found.append(
            Sweepable(
                path=f"config.{key}",
                label=label,
                kind=kind,
                value=None if value is None else float(value),
                whole=isinstance(value, int) or key in WHOLE_WHEN_UNSET,
            )
        )
    return found


def sweepables(document: dict[str, Any], settings: BacktestSettings) -> list[Sweepable]:
    """Indicator lengths, numeric thresholds, holding limits and the portfolio caps of a
    document's JSON, each with a label a person reads ("Entry: threshold (RSI 14 ≤ 70)")."""
    found: list[Sweepable] = []
    for part in ("entry_rules", "exit_rules", "addon_rules"):
        found += _rule_choices(document.get(part), [part], _PART_WORDS[part])
    found += _config_choices(document.get("config") or {})
    for name, label in _SETTING_WORDS.items():
        current = getattr(settings, name)
        found.append(
            Sweepable(
                path=SETTINGS + name,
                label=label,
                kind="cap",
                value=None if current is None else float(current),
                whole=SWEEPABLE_SETTINGS[name],
            )
        )
    return found
