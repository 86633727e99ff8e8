"""Sweeps over an options strategy's leg parameters: a grid of one or two parameters, every
cell a whole backtest over the same chains, read as a heatmap (net P&L, drawdown, win rate).

A parameter names what it varies in words a trader uses, not a JSON path: ``strike`` (the
number of the leg's own strike rule: the ATM offset, the premium, the delta or the % of
spot), ``stop_loss`` and ``target`` (the amount's value, its unit kept; a leg without one
gets one in `unit`), ``trailing_every`` / ``trailing_by``, ``reentry_times``, ``lots``, and
the strategy's ``entry_time`` / ``exit_time`` ("09:20"). A leg parameter applies to the legs
listed (``legs: [0, 1]``), or to every option leg. Every cell is validated as a whole
document (a trailing stop without a stop-loss is refused naming the parameter and value).

`options_variants` expands a grid into documents for anything that wants them (a
walk-forward re-runs the same grid fold after fold); `OptionsSweepSpec` runs chunks of cells
on the research executors, over an `OptionsSweepMarket` whose chains each process builds
once. No database, no HTTP.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt, StrictStr, ValidationError, model_validator

from tradertape.backtest.options.chain import ChainSource, MinuteSource
from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.imported import ImportedChains
from tradertape.backtest.options.imported_minutes import ImportedMinutes
from tradertape.backtest.options.results import OptionResults, summarize
from tradertape.backtest.options.strategy import (
    MAX_LEGS,
    OptionStrategy,
    Unit,
    _Part,
    first_error,
)
from tradertape.backtest.options.synthetic import SyntheticChains
from tradertape.backtest.sweep import BadParameter
from tradertape.candles.fo_minutes import FoMinuteStore
from tradertape.candles.fo_store import FoStore

MAX_AXES = 2
MAX_VALUES = 25  # per parameter
MAX_CELLS = 200  # per sweep (each cell is a whole run)
MAX_NUMBER = 10**9  # larger than any value a document takes (its own bounds refuse less)

Parameter = Literal[
    "strike",
    "stop_loss",
    "target",
    "trailing_every",
    "trailing_by",
    "reentry_times",
    "lots",
    "entry_time",
    "exit_time",
]
TIMES = frozenset({"entry_time", "exit_time"})
# each parameter as a trader says it: what a heatmap, a cell and the web's form name it
NAMES: dict[str, str] = {
    "strike": "Strike",
    "stop_loss": "Stop-loss",
    "target": "Target",
    "trailing_every": "Trail every",
    "trailing_by": "Trail by",
    "reentry_times": "Re-entries",
    "lots": "Lots",
    "entry_time": "Entry time",
    "exit_time": "Exit time",
}
_WHOLE = frozenset({"reentry_times", "lots"})
_STRIKE_FIELD = {
    "atm": "offset",
    "closest_premium": "premium",
    "premium_gte": "premium",
    "premium_lte": "premium",
    "delta": "delta",
    "spot_pct": "pct",
}


class GridError(BadParameter):
    """A grid the strategy cannot run: `field` names where in the request (``parameters[1]``,
    ``parameters[0].legs``), `detail` why."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


class OptionsAxis(_Part):
    """One parameter of the grid and its values (numbers; times of day as ``"09:20"``)."""

    parameter: Parameter
    values: list[StrictInt | StrictFloat | StrictStr] = Field(min_length=1, max_length=MAX_VALUES)
    legs: list[Annotated[int, Field(ge=0, le=MAX_LEGS - 1, strict=True)]] | None = Field(
        default=None, min_length=1, max_length=MAX_LEGS
    )
    unit: Unit | None = None  # stop_loss / target: the unit of a leg that has none

    @model_validator(mode="after")
    def _coherent(self) -> OptionsAxis:
        timed = self.parameter in TIMES
        for i, value in enumerate(self.values):
            if isinstance(value, bool) or timed != isinstance(value, str):
                kind = 'a time of day ("09:20")' if timed else "a number"
                raise ValueError(f"values[{i}] must be {kind}")
            if isinstance(value, str):
                _time_of(value, i)
            elif isinstance(value, int) and abs(value) > MAX_NUMBER:
                raise ValueError(f"values[{i}] must be at most {MAX_NUMBER:,} either way")
            elif not math.isfinite(float(value)):
                raise ValueError(f"values[{i}] must be finite")
        if len(set(self.values)) != len(self.values):
            raise ValueError("values repeat")
        if timed and self.legs is not None:
            raise ValueError(f"{self.parameter} is the strategy's: leave legs out")
        if self.unit is not None and self.parameter not in ("stop_loss", "target"):
            raise ValueError("unit is for stop_loss and target")
        return self

    @property
    def label(self) -> str:
        """The axis as a path (``legs[0,1].stop_loss``, ``entry_time``): the key a cell's
        values and a walk-forward's chosen parameters are stored under."""
        if self.parameter in TIMES:
            return self.parameter
        which = "*" if self.legs is None else ",".join(str(i) for i in self.legs)
        return f"legs[{which}].{self.parameter}"

    @property
    def name(self) -> str:
        """The axis in words (`axis_name`)."""
        return axis_name(self.parameter, self.legs)


def axis_name(parameter: str, legs: list[int] | None) -> str:
    """An axis as a heatmap shows it: "Stop-loss, every leg", "Target, legs 1 and 2",
    "Entry time" (legs counted from 1, as the strategy builder shows them)."""
    said = NAMES.get(parameter, parameter)
    if parameter in TIMES:
        return said
    if legs is None:
        return f"{said}, every leg"
    shown = [str(i + 1) for i in legs]
    if len(shown) == 1:
        return f"{said}, leg {shown[0]}"
    return f"{said}, legs {', '.join(shown[:-1])} and {shown[-1]}"


def _time_of(value: str, i: int) -> str:
    try:
        at = dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f'values[{i}] must be a time of day ("09:20")') from None
    return at.isoformat()


def grid_size(grid: list[OptionsAxis]) -> int:
    """How many cells the grid holds."""
    return math.prod(len(axis.values) for axis in grid)


def cell_values(grid: list[OptionsAxis], index: int) -> list[int | float | str]:
    """The values of cell `index`, one per axis (row-major: the last axis varies fastest)."""
    out: list[int | float | str] = []
    for axis in reversed(grid):
        index, at = divmod(index, len(axis.values))
        out.append(axis.values[at])
    return out[::-1]


def _legs_of(document: dict[str, Any], axis: OptionsAxis, where: str) -> list[dict[str, Any]]:
    legs: list[dict[str, Any]] = document["legs"]
    if axis.legs is None:
        options = [leg for leg in legs if leg["option_type"] != "FUT"]
        if axis.parameter == "strike" and not options:
            raise GridError(f"{where}", "the strategy has no option leg to move the strike of")
        return options if axis.parameter == "strike" else legs
    picked = []
    for i in axis.legs:
        if not 0 <= i < len(legs):
            raise GridError(f"{where}.legs", f"the strategy has no leg {i} ({len(legs)} legs)")
        if axis.parameter == "strike" and legs[i]["option_type"] == "FUT":
            raise GridError(f"{where}.legs", f"leg {i} is a future: it has no strike")
        picked.append(legs[i])
    return picked


def _number(axis: OptionsAxis, value: float, where: str) -> float | int:
    whole = axis.parameter in _WHOLE
    if whole and float(value) != int(value):
        raise GridError(f"{where}", f"{axis.parameter} takes whole numbers, not {value}")
    return int(value) if whole else float(value)


def _set_amount(
    leg: dict[str, Any], name: str, axis: OptionsAxis, value: float, where: str
) -> None:
    had: dict[str, Any] | None = leg.get(name)
    if axis.unit is not None:
        unit = axis.unit.value
    elif had is not None:
        unit = had["unit"]
    else:
        raise GridError(f"{where}", f"a leg without a {name} needs unit (points, pct or rupees)")
    leg[name] = {"unit": unit, "value": value}


def _apply(
    document: dict[str, Any], axis: OptionsAxis, value: int | float | str, where: str
) -> None:
    if axis.parameter in TIMES:
        section = "entry" if axis.parameter == "entry_time" else "exit"
        document.setdefault(section, {})["time"] = _time_of(str(value), 0)
        return
    number = _number(axis, float(value), where)
    for leg in _legs_of(document, axis, where):
        if axis.parameter == "strike":
            strike = leg.setdefault("strike", {"type": "atm"})
            field = _STRIKE_FIELD[strike["type"]]
            strike[field] = int(number) if field == "offset" and number == int(number) else number
        elif axis.parameter in ("stop_loss", "target"):
            _set_amount(leg, axis.parameter, axis, float(number), where)
        elif axis.parameter in ("trailing_every", "trailing_by"):
            trailing = leg.get("trailing")
            if trailing is None:
                raise GridError(f"{where}", "a leg without a trailing stop: set one to sweep it")
            trailing[axis.parameter.removeprefix("trailing_")]["value"] = float(number)
        elif axis.parameter == "reentry_times":
            leg["reentry"] = {**(leg.get("reentry") or {}), "times": number}
        else:  # lots
            leg["lots"] = number


def options_variant(
    spec: OptionStrategy, grid: list[OptionsAxis], index: int, *, where: str = "parameters"
) -> OptionStrategy:
    """Cell `index` of the grid as a validated document; a value the strategy refuses is a
    `BadParameter` naming ``parameters[i]`` and the value."""
    document = spec.model_dump(mode="json")
    values = cell_values(grid, index)
    for i, (axis, value) in enumerate(zip(grid, values, strict=True)):
        _apply(document, axis, value, f"{where}[{i}]")
    try:
        return OptionStrategy.model_validate(document)
    except ValidationError as exc:
        path, message = first_error(exc)
        said = ", ".join(f"{a.label} = {v}" for a, v in zip(grid, values, strict=True))
        raise GridError(f"{where}", f"the strategy refuses {said} ({path}: {message})") from None


def options_variants(spec: OptionStrategy, grid: list[OptionsAxis]) -> list[OptionStrategy]:
    """Every cell of the grid over `spec` as a document, in row-major order (the last
    parameter varies fastest); an empty grid is the strategy itself."""
    return [options_variant(spec, grid, i) for i in range(grid_size(grid))]


def check_grid(spec: OptionStrategy, grid: list[OptionsAxis], *, limit: int = MAX_CELLS) -> None:
    """Refuse a grid of more than `MAX_AXES` parameters or `limit` cells, and one whose values
    the strategy refuses: each value checked with the others' first values, then every
    cell (a pairing refused alone)."""
    if not 1 <= len(grid) <= MAX_AXES:
        raise GridError("parameters", f"sweep 1 to {MAX_AXES} parameters")
    labels = [axis.label for axis in grid]
    if len(set(labels)) != len(labels):
        raise GridError("parameters", "a parameter of the same legs is named twice")
    if grid_size(grid) > limit:
        raise GridError(
            "parameters",
            f"the grid holds {grid_size(grid):,} cells, more than the limit of "
            f"{limit:,}; use fewer values",
        )
    for i in range(grid_size(grid)):
        options_variant(spec, grid, i)


def chains_for(
    strategy: OptionStrategy,
    start: date,
    end: date,
    *,
    data: str,
    seed: int,
    data_dir: Path | None,
) -> tuple[ChainSource, MinuteSource | None]:
    """The chains (and minute bars) a run of `strategy` reads (``import``: those imported
    into `data_dir`, checked whole by the caller first); one pair serves every cell of a
    sweep over the same underlying and range."""
    if data == "import":
        assert data_dir is not None, "an imported run reads its data folder"
        minutes: MinuteSource | None = None
        if strategy.resolution == "minute":
            minutes = ImportedMinutes(FoMinuteStore.in_data_folder(data_dir))
        return ImportedChains(FoStore.in_data_folder(data_dir)), minutes
    # the chains start earlier: the first day's open needs the previous close, and an
    # entry rule its indicators' history (a year and more)
    before = timedelta(days=400 if strategy.entry.rule is not None else 10)
    synthetic = SyntheticChains(start - before, end + timedelta(days=10), seed=seed)
    return synthetic, synthetic


def cell_figures(results: OptionResults) -> dict[str, Any]:
    """What a heatmap cell shows and sorts by: money a decimal string to the paisa."""
    return {
        "net": str(results.net),
        "gross": str(results.gross),
        "charges": str(results.charges),
        "slippage": str(results.slippage),
        "max_drawdown": results.max_drawdown,
        "win_rate": results.win_rate,
        "trade_sets": results.trade_sets,
        "return_pct": results.return_pct,
        "return_on_margin": results.return_on_margin,
        "margin_peak": str(results.margin_peak),
    }


Chains = tuple[ChainSource, MinuteSource | None]  # what a process's chunks share


@dataclass(frozen=True, slots=True)
class OptionsSweepMarket:
    """What every cell runs over: the chains of one underlying (synthetic by seed, or those
    imported into a data folder) from `start` to `end`; `shared` builds them once per
    process (`tradertape.backtest.executors`)."""

    strategy: OptionStrategy  # the base document: its underlying, resolution and rule
    start: date
    end: date
    data: str
    seed: int
    data_dir: Path | None

    def shared(self) -> tuple[ChainSource, MinuteSource | None]:
        """The chains, loaded as the cells read them (each source caches what it read)."""
        return chains_for(
            self.strategy,
            self.start,
            self.end,
            data=self.data,
            seed=self.seed,
            data_dir=self.data_dir,
        )


@dataclass(frozen=True, slots=True)
class OptionsSweepSpec:
    """What varies: the base document and the grid (checked by `check_grid` first)."""

    strategy: OptionStrategy
    grid: tuple[OptionsAxis, ...]

    @property
    def size(self) -> int:
        """How many cells the grid holds."""
        return grid_size(list(self.grid))

    def run_chunk(
        self,
        market: OptionsSweepMarket,
        shared: tuple[ChainSource, MinuteSource | None],
        indices: list[int],
    ) -> list[dict[str, Any]]:
        """The rows of cells `indices`: their values and figures (a cell whose chains lack
        a day says so in ``error``, the others run on)."""
        source, minutes = shared
        rows: list[dict[str, Any]] = []
        for index in indices:
            variant = options_variant(self.strategy, list(self.grid), index)
            row: dict[str, Any] = {
                "index": index,
                "values": cell_values(list(self.grid), index),
            }
            try:
                run = OptionsBacktester(variant, source, minutes).run(market.start, market.end)
            except ValueError as exc:  # NoData: a gap the cell's entries reach
                row["error"] = str(exc)[:300]
            else:
                row.update(cell_figures(summarize(run)))
            rows.append(row)
        return rows
