"""Compile a strategy document against a panel's indicators into arrays an engine can run.

Everything that does not read the open position is evaluated here, vectorized over the whole
(days × symbols) grid: the entry condition (a flat symbol's position fields are all 0), the
conviction score, and every market-only subtree of the exit and add-on rules. What is left —
the parts that read the position — becomes a short postfix program per rule, interpreted by
the backtest kernel (and, one bar at a time, by the scanner) with the position's state. The
backtest asks for its entry as the list of cells where it holds instead (`list_entries`),
found without grids of truth values.

The conviction score is summed by compiled kernels (`score_kernels`) and kept per
`IndicatorBook` and scoring, so the variants of a sweep that share a book and their scorers
compute it once. Grids keep the panel's layout (Fortran order: each symbol's days are
contiguous); the kernels read them symbol-major, through their transpose, without a copy.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, TypeAdapter

from tradertape.indicators import CATEGORY_LABELS, IndicatorBook
from tradertape.strategies import score_kernels
from tradertape.strategies.dsl import (
    AllOf,
    AnyOf,
    ArithmeticOperand,
    BucketScore,
    CategoryScore,
    Compare,
    Condition,
    ConditionScore,
    Cross,
    IndicatorOperand,
    LiteralOperand,
    Negation,
    Op,
    Operand,
    PositionField,
    PositionOperand,
    RandomOperand,
    ScoreEntry,
    StrategyDocument,
    ValueScore,
)
from tradertape.strategies.scoring import SCORER_PRESETS

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Opcodes of the position programs (postfix; operands pushed, operators pop).
SERIES, CONST, POS, ADD, SUB, MUL, DIV, CMP, AND, OR, NOT, FLAG = range(12)
OP_CODES = {Op.GT: 0, Op.GE: 1, Op.LT: 2, Op.LE: 3, Op.EQ: 4, Op.NE: 5}
POS_CODES = {f: i for i, f in enumerate(PositionField)}
_ARITH = {"add": ADD, "sub": SUB, "mul": MUL, "div": DIV}

_COMPARE: dict[Op, Callable[[Any, Any], BoolArray]] = {
    Op.GT: np.greater,
    Op.GE: np.greater_equal,
    Op.LT: np.less,
    Op.LE: np.less_equal,
    Op.EQ: np.equal,
    Op.NE: np.not_equal,
}


@dataclass(slots=True)
class Program:
    """Postfix code for one position-dependent rule: rows of (opcode, argument)."""

    code: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CompiledStrategy:
    """A strategy bound to one panel.

    ``entry`` and ``score`` are (days × symbols) grids; ``score`` is read-only (it may be
    shared with other compilations on the same book). ``series`` stacks the market-only
    values the programs read, symbol-major: (k, symbols, days), and ``flags`` the
    market-only conditions they read, likewise (a grid of booleans is an eighth of one of
    numbers). ``programs`` is every
    program's code concatenated, ``bounds[i]`` the rows of program i; ``exit_rules[i]`` gives
    (condition program, price program or -1, ignore_min_hold) in priority order, names in
    ``exit_names``; ``addon`` is a program index or -1. ``atr`` is ATR(14) when the document
    uses an ATR stop, else an empty (0, 0) array. ``score_weight`` is NaN, or (a compilation
    asked to ``weigh_in_kernel``) the one weighted scorer's weight, ``score`` then its
    values, unweighed: a cell's conviction is ``0.0 + nan_to_num(score × score_weight)``,
    worked out by the backtest's kernel for the cells it reads. ``entry_cells`` lists the
    cells where the entry holds (``symbol × days + day``, ascending) when the compilation
    was asked to ``list_entries``; ``entry`` is then an empty (0, 0) grid.
    """

    entry: BoolArray
    score: FloatArray
    series: FloatArray
    flags: BoolArray
    consts: FloatArray
    code: npt.NDArray[np.int64]
    bounds: npt.NDArray[np.int64]
    exit_rules: npt.NDArray[np.int64]
    exit_names: tuple[str, ...]
    addon: int
    atr: FloatArray
    score_weight: float = math.nan
    entry_cells: IntArray | None = None


def random_field(
    seed: int, day_numbers: npt.NDArray[np.int64], keys: tuple[str, ...]
) -> FloatArray:
    """Uniform [0, 1) per (day, symbol), fixed by the seed, the calendar day and the symbol.

    A hash (splitmix64), not a generator stream, so the same day and symbol draw the same
    number whatever the date range or universe of the run.
    """
    symbol_ids = np.array([_fnv1a(k) for k in keys], dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = (
            np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
            + day_numbers.astype(np.uint64)[:, None] * np.uint64(0xBF58476D1CE4E5B9)
            + symbol_ids[None, :]
        )
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _fnv1a(text: str) -> int:
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _lagged(values: FloatArray, lag: int) -> FloatArray:
    if lag == 0:
        return values
    out = np.full_like(values, np.nan)
    out[lag:] = values[:-lag]
    return out


def _truth(mask: BoolArray) -> FloatArray:
    return mask.astype(np.float64)


def symbol_major(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A (days × symbols) grid as a C-contiguous (symbols × days) array: the transpose of a
    Fortran-ordered grid, a copy of any other."""
    return np.ascontiguousarray(values.T)


# The entry grid of a compilation that lists its entries instead (`compile_strategy`).
_NO_ENTRY = np.zeros((0, 0), dtype=np.bool_)
_NO_ENTRY.flags.writeable = False

# Scores already summed, per book and scoring (the book's lifetime bounds the entries').
_SCORES: weakref.WeakKeyDictionary[IndicatorBook, dict[tuple[Any, ...], FloatArray]] = (
    weakref.WeakKeyDictionary()
)


def _score_key(document: StrategyDocument) -> tuple[Any, ...]:
    items = tuple(
        entry if isinstance(entry, str) else entry.model_dump_json()
        for entry in document.conviction_scoring
    )
    return (document.config.seed, items)


class _Compiler:
    def __init__(self, book: IndicatorBook, random: Callable[[], FloatArray]) -> None:
        self.book = book
        self.shape = book.shape
        self._random = random
        self.series: list[FloatArray] = []
        self.flags: list[BoolArray] = []  # market-only conditions, pushed as 1.0 or 0.0
        self.consts: list[float] = []
        self._series_ids: dict[int, int] = {}
        self._flag_ids: dict[int, int] = {}
        self._reads: dict[int, bool] = {}  # by node id: the document outlives the compiler

    def reads_position(self, node: object) -> bool:
        """`tradertape.strategies.dsl.uses_position`, remembered per node for this
        compilation (programs are emitted top-down, asking again at every level)."""
        known = self._reads.get(id(node))
        if known is None:
            known = isinstance(node, PositionOperand)
            for value in vars(node).values():
                for child in value if isinstance(value, list) else (value,):
                    if not known and isinstance(child, BaseModel):
                        known = self.reads_position(child)
            self._reads[id(node)] = known
        return known

    # -- market-only values, whole grid -----------------------------------------------------

    def value(self, operand: Operand) -> FloatArray | float:
        """A position-free operand over the grid (a scalar for a literal)."""
        match operand:
            case IndicatorOperand(name=name, lag=lag):
                return _lagged(self.book.get(name), lag)
            case LiteralOperand(value=float() | int() as number):
                return float(number)
            case RandomOperand():
                return self._random()
            case ArithmeticOperand(type=kind, left=left, right=right):
                a, b = self.value(left), self.value(right)
                with np.errstate(divide="ignore", invalid="ignore"):
                    match kind:
                        case "add":
                            return np.add(a, b)
                        case "sub":
                            return np.subtract(a, b)
                        case "mul":
                            return np.multiply(a, b)
                        case _:
                            return np.divide(a, np.where(np.equal(b, 0), np.nan, b))
            case PositionOperand():
                return 0.0  # a flat symbol's position fields
            case _:
                raise TypeError(f"{operand!r} has no value (a label needs its indicator)")

    def _side(self, operand: Operand, other: Operand) -> FloatArray | float:
        if isinstance(operand, LiteralOperand) and isinstance(operand.value, str):
            assert isinstance(other, IndicatorOperand)  # the DSL checked this
            return float(CATEGORY_LABELS[other.name][operand.value])
        return self.value(operand)

    def truth(self, condition: Condition) -> BoolArray:
        """A condition over the grid with every position field at 0 (a flat symbol)."""
        match condition:
            case Compare(left=left, op=op, right=right):
                a, b = self._side(left, right), self._side(right, left)
                hit = _COMPARE[op](a, b)  # (NumPy does not warn on comparing NaN)
                if op is Op.NE:  # the one comparison a NaN makes true
                    hit &= ~(np.isnan(a) | np.isnan(b))
                return np.asarray(hit, dtype=np.bool_)
            case Cross(type=kind, left=left, right=right):
                return crosses(self.value(left), self.value(right), above=kind == "crosses_above")
            case AllOf(conditions=parts):
                # pairwise, not `np.logical_and.reduce` (which stacks the grids, in C order)
                return functools.reduce(np.logical_and, [self.truth(c) for c in parts])
            case AnyOf(conditions=parts):
                return functools.reduce(np.logical_or, [self.truth(c) for c in parts])
            case Negation(condition=inner):
                return ~self.truth(inner)
        raise TypeError(f"unknown condition {condition!r}")

    def cells_where(self, condition: Condition, cells: IntArray | None) -> IntArray:
        """The cells (``symbol × days + day``, ascending) of ``cells`` (None: every cell)
        where `truth` holds: the cell-for-cell answer of `truth`. The conditions of an
        `AllOf` narrow the list in turn, and a comparison on a list reads its operands at
        those cells only (`_at`); anything else is taken from its `truth` grid."""
        if isinstance(condition, AllOf) and condition.conditions:
            first, *rest = condition.conditions
            listed = self.cells_where(first, cells)
            for part in rest:
                listed = self.cells_where(part, listed)
            return listed
        if cells is not None and isinstance(condition, Compare):
            a = self._at(condition.left, condition.right, cells)
            b = self._at(condition.right, condition.left, cells)
            hit = _COMPARE[condition.op](a, b)
            if condition.op is Op.NE:  # (as `truth`)
                hit = hit & ~(np.isnan(a) | np.isnan(b))
            return cells[np.broadcast_to(hit, cells.shape)]  # (two numbers: one truth)
        truth = np.broadcast_to(self.truth(condition), self.shape)
        flat = truth.T.reshape(-1)  # (a Fortran-ordered grid's: a view, symbol-major)
        return np.flatnonzero(flat) if cells is None else cells[flat[cells]]

    def _at(self, operand: Operand, other: Operand, cells: IntArray) -> FloatArray | float:
        """`_side`'s values at ``cells``: an indicator's from the book (`IndicatorBook.at`,
        which need not compute a simple moving average whole), the rest read from the
        grid (or the number) `_side` gives."""
        if isinstance(operand, IndicatorOperand) and operand.lag == 0:
            return self.book.at(operand.name, cells)
        side = self._side(operand, other)
        if isinstance(side, float):
            return side
        return np.broadcast_to(side, self.shape).T.reshape(-1)[cells]

    # -- position programs ------------------------------------------------------------------

    def _push_series(self, program: Program, values: FloatArray | float) -> None:
        if isinstance(values, float):
            program.code.append((CONST, len(self.consts)))
            self.consts.append(values)
            return
        key = id(values)
        if key not in self._series_ids:
            self._series_ids[key] = len(self.series)
            self.series.append(np.broadcast_to(values, self.shape))
        program.code.append((SERIES, self._series_ids[key]))

    def _push_flag(self, program: Program, truth: BoolArray) -> None:
        key = id(truth)
        if key not in self._flag_ids:
            self._flag_ids[key] = len(self.flags)
            self.flags.append(np.broadcast_to(truth, self.shape))
        program.code.append((FLAG, self._flag_ids[key]))

    def emit_operand(self, program: Program, operand: Operand, other: Operand | None) -> None:
        if not self.reads_position(operand):
            side = self._side(operand, other) if other is not None else self.value(operand)
            self._push_series(program, side)
        elif isinstance(operand, PositionOperand):
            program.code.append((POS, POS_CODES[operand.field]))
        else:
            assert isinstance(operand, ArithmeticOperand)
            self.emit_operand(program, operand.left, None)
            self.emit_operand(program, operand.right, None)
            program.code.append((_ARITH[operand.type], 0))

    def emit(self, program: Program, condition: Condition) -> None:
        if not self.reads_position(condition):
            self._push_flag(program, self.truth(condition))
            return
        match condition:
            case Compare(left=left, op=op, right=right):
                self.emit_operand(program, left, right)
                self.emit_operand(program, right, left)
                program.code.append((CMP, OP_CODES[op]))
            case AllOf(conditions=parts) | AnyOf(conditions=parts):
                for part in parts:
                    self.emit(program, part)
                program.code.append((AND if isinstance(condition, AllOf) else OR, len(parts)))
            case Negation(condition=inner):
                self.emit(program, inner)
                program.code.append((NOT, 0))
            case _:
                raise TypeError(f"{condition!r} cannot read the position")

    # -- conviction ---------------------------------------------------------------------

    def weighed_score(self, document: StrategyDocument) -> tuple[FloatArray, float] | None:
        """(values, weight) of the document's one scorer when it weighs a grid laid out as
        the book's (read-only, Fortran order): what the kernel weighs cell by cell; None
        for any other scoring (`score` then sums the grid)."""
        scoring = document.conviction_scoring
        if len(scoring) != 1:
            return None
        item = preset(scoring[0]) if isinstance(scoring[0], str) else scoring[0]
        if not isinstance(item, ValueScore):
            return None
        values = self.value(item.operand)
        if not (
            isinstance(values, np.ndarray)
            and values.dtype == np.float64
            and values.shape == self.shape
            and values.flags.f_contiguous  # (its transpose a view, as the score grid's)
        ):
            return None
        values = values.view()
        values.flags.writeable = False  # (one build of the kernel, as for the score grid)
        return values, float(item.weight)

    def score(self, document: StrategyDocument) -> FloatArray:
        """The document's conviction score over the grid (read-only; once per book and
        scoring: see `_SCORES`)."""
        scores = _SCORES.setdefault(self.book, {})
        key = _score_key(document)
        if key not in scores:
            days, symbols = self.shape
            total = np.empty((days, symbols), order="F")
            unset = True  # until the first scorer has written every cell
            for entry in document.conviction_scoring:
                self._add_score(total.T, preset(entry) if isinstance(entry, str) else entry, unset)
                unset = False
            if unset:
                total.fill(0.0)
            total.flags.writeable = False
            scores[key] = total
        return scores[key]

    def _grid(self, values: npt.NDArray[Any] | float) -> npt.NDArray[Any]:
        """``values`` over the whole grid, symbol-major (a view of a Fortran-ordered grid),
        read-only (so a kernel reads one type of array whatever made the values)."""
        if not isinstance(values, np.ndarray) or values.shape != self.shape:
            values = np.broadcast_to(values, self.shape)  # (not free: skipped when whole)
        grid = symbol_major(values)
        grid.flags.writeable = False  # (a copy, when the values were laid out by days)
        return grid

    def _add_score(self, total: FloatArray, item: object, unset: bool) -> None:
        """Add one scorer's points into ``total`` (symbol-major); ``unset``: it holds nothing
        yet and counts as zeros (a weighted series writes it whole, as ``0.0 + points``)."""
        if unset and not isinstance(item, ValueScore):
            total.fill(0.0)
        match item:
            case ValueScore(operand=operand, weight=weight):
                values = self.value(operand)
                if isinstance(values, float):
                    if unset:
                        total.fill(0.0)
                    total += np.nan_to_num(np.multiply(values, weight))
                else:
                    score_kernels.add_weighted(total, self._grid(values), float(weight), unset)
            case BucketScore(operand=operand, buckets=buckets):
                bounds = np.array([(b.min or 0.0, b.max or 0.0) for b in buckets], dtype=float)
                limited = np.array([(b.min is not None, b.max is not None) for b in buckets])
                points = np.array([b.points for b in buckets], dtype=float)
                values = self._grid(self.value(operand))
                score_kernels.add_buckets(total, values, bounds, limited, points)
            case CategoryScore(indicator=name, points=table):
                labels = np.array([CATEGORY_LABELS[name][label] for label in table], dtype=float)
                points = np.array(list(table.values()), dtype=float)
                codes = symbol_major(self.book.get(name))
                score_kernels.add_categories(total, codes, labels, points)
            case ConditionScore(condition=condition, points=value):
                truth = self._grid(self.truth(condition))
                score_kernels.add_when(total, truth, float(value))
            case _:
                raise TypeError(f"unknown scorer {item!r}")


@cache
def preset(name: str) -> object:
    """A named scorer as its validated node (once per process, not per run)."""
    return TypeAdapter(ScoreEntry).validate_python(SCORER_PRESETS[name])


def crosses(a: FloatArray | float, b: FloatArray | float, *, above: bool) -> BoolArray:
    """``a`` crosses ``b`` on day t: strictly on the new side on t, and on the old side on the
    last earlier day they differed (ties carry the previous side; NaN days carry nothing)."""
    diff = np.subtract(a, b)
    diff = np.atleast_2d(diff)
    side = np.sign(np.nan_to_num(diff, nan=0.0))
    rows = np.arange(side.shape[0])[:, None]
    last = np.where(side != 0, rows, -1)
    np.maximum.accumulate(last, axis=0, out=last)
    carried = np.where(last >= 0, np.take_along_axis(side, np.maximum(last, 0), axis=0), 0.0)
    before = np.zeros_like(carried)
    before[1:] = carried[:-1]
    if above:
        return np.asarray((side > 0) & (before < 0), dtype=np.bool_)
    return np.asarray((side < 0) & (before > 0), dtype=np.bool_)


def compile_strategy(
    document: StrategyDocument,
    book: IndicatorBook,
    *,
    day_numbers: npt.NDArray[np.int64],
    keys: tuple[str, ...],
    weigh_in_kernel: bool = False,
    list_entries: bool = False,
) -> CompiledStrategy:
    """Bind ``document`` to the indicators of one panel.

    ``weigh_in_kernel``: a caller whose kernel reads the conviction only where the entry
    holds (the backtest's, a few cells in a hundred) takes one weighted scorer's values and
    weight (``score_weight``) rather than the whole grid of points, a pass over the grid
    that cost a run more than the cells it reads. ``list_entries``: a caller that reads the
    entry only where it holds (the backtest's kernel) takes the list of those cells
    (``entry_cells``), found without (days × symbols) grids of truth values, or of a simple
    moving average the entry alone reads."""
    cached: list[FloatArray] = []

    def random() -> FloatArray:
        if not cached:
            cached.append(random_field(document.config.seed, day_numbers, keys))
        return cached[0]

    compiler = _Compiler(book, random)
    programs: list[Program] = []

    def condition_program(condition: Condition) -> int:
        program = Program()
        compiler.emit(program, condition)
        programs.append(program)
        return len(programs) - 1

    def operand_program(operand: Operand) -> int:
        program = Program()
        compiler.emit_operand(program, operand, None)
        programs.append(program)
        return len(programs) - 1

    rules = sorted(document.exit_rules, key=lambda r: r.priority)  # stable: ties keep order
    table = [
        (
            condition_program(rule.condition),
            operand_program(rule.exit_price) if rule.exit_price is not None else -1,
            int(rule.ignore_min_hold),
        )
        for rule in rules
    ]
    addon = document.addon_rules
    addon_index = (
        condition_program(addon.condition) if addon.enabled and addon.condition is not None else -1
    )
    shape = book.shape
    # An entry that reads no market series (a position field is 0 when flat, a literal is
    # a literal) is one truth value; the kernel reads the entry day by day and symbol by symbol.
    cells = None
    if list_entries:
        cells = compiler.cells_where(document.entry_rules, None)
        entry = _NO_ENTRY
    else:
        entry = compiler.truth(document.entry_rules)
        if entry.shape != shape:
            entry = np.asfortranarray(np.broadcast_to(entry, shape))
    weighed = compiler.weighed_score(document) if weigh_in_kernel else None
    score, weight = weighed or (compiler.score(document), math.nan)
    code = np.array([row for p in programs for row in p.code] or [(0, 0)], dtype=np.int64)
    spans, start = [], 0  # in Python: a few rows, where NumPy's per-call cost would dominate
    for p in programs:
        spans.append((start, start + len(p.code)))
        start += len(p.code)
    bounds = np.array(spans or [(0, 0)], dtype=np.int64)
    # (no program reads an empty stack: a one-cell one keeps the kernel's types)
    series = np.stack([v.T for v in compiler.series]) if compiler.series else np.zeros((1, 1, 1))
    flags = (
        np.stack([truth.T for truth in compiler.flags])
        if compiler.flags
        else np.zeros((1, 1, 1), dtype=np.bool_)
    )
    return CompiledStrategy(
        entry=entry,
        score=score,
        series=np.ascontiguousarray(series),
        flags=np.ascontiguousarray(flags),
        consts=np.array(compiler.consts or [0.0]),
        code=code,
        bounds=bounds,
        exit_rules=np.array(table or [(-1, -1, 0)], dtype=np.int64).reshape(-1, 3)[: len(table)],
        exit_names=tuple(r.name for r in rules),
        addon=addon_index,
        atr=book.get("atr14") if document.config.atr_stop_mult > 0 else np.empty((0, 0)),
        score_weight=weight,
        entry_cells=cells,
    )


def condition_truth(condition: Condition, book: IndicatorBook) -> BoolArray:
    """A position-free condition over a book's whole grid (days × instruments), as an entry
    rule is evaluated: what an alert asks of its bars. A random operand is refused (an
    alert has no seed)."""

    def no_random() -> FloatArray:
        raise ValueError("an alert's condition cannot draw a random number")

    truth = _Compiler(book, no_random).truth(condition)
    return np.asarray(np.broadcast_to(truth, book.shape), dtype=np.bool_)


def last_truths(
    condition: Condition,
    book: IndicatorBook,
    columns: npt.NDArray[np.intp],
    levels: dict[int, FloatArray],
    rows: int = 16,
) -> tuple[BoolArray, BoolArray]:
    """A position-free condition on the last bar of many columns in one pass: answer ``j``
    is `condition` on the book's column ``columns[j]``, each numeric literal whose node id
    is in `levels` reading ``levels[id][j]`` (many alerts of one shape at different levels,
    judged together). The indicators are the book's, over all its bars; only the last
    `rows` bars are compared, so a cross whose earlier side lies before them is flagged
    unsure (the second array) for the caller to judge on the whole column."""

    def no_random() -> FloatArray:
        raise ValueError("an alert's condition cannot draw a random number")

    compiler = _LastBars(book, no_random, columns, levels, min(rows, book.shape[0]))
    truth = np.broadcast_to(compiler.truth(condition), compiler.shape)
    return np.array(truth[-1], dtype=np.bool_), compiler.unsure


class _LastBars(_Compiler):
    """`_Compiler`'s market-only values on the last rows of chosen columns of a book."""

    def __init__(
        self,
        book: IndicatorBook,
        random: Callable[[], FloatArray],
        columns: npt.NDArray[np.intp],
        levels: dict[int, FloatArray],
        rows: int,
    ) -> None:
        super().__init__(book, random)
        self.shape = (rows, len(columns))
        self._columns = columns
        self._levels = levels
        self._tails: dict[tuple[str, int], FloatArray] = {}
        self._whole = rows >= book.shape[0]  # every bar compared: a cross is never unsure
        self.unsure = np.zeros(len(columns), dtype=np.bool_)

    def value(self, operand: Operand) -> FloatArray | float:
        if isinstance(operand, IndicatorOperand):
            key = (operand.name, operand.lag)
            if key not in self._tails:
                self._tails[key] = self._tail(self.book.get(operand.name), operand.lag)
            return self._tails[key]
        if isinstance(operand, LiteralOperand) and id(operand) in self._levels:
            return self._levels[id(operand)]
        return super().value(operand)

    def _tail(self, values: FloatArray, lag: int) -> FloatArray:
        """Rows [T - rows, T) of ``values`` lagged by `lag`, in the chosen columns."""
        days = values.shape[0]
        rows = self.shape[0]
        out = np.full(self.shape, np.nan)
        low, high = days - rows - lag, days - lag
        if high > 0:
            part = values[max(low, 0) : high][:, self._columns]
            out[rows - part.shape[0] :] = part
        return out

    def truth(self, condition: Condition) -> BoolArray:
        if isinstance(condition, Cross) and not self._whole:
            diff = np.broadcast_to(
                np.subtract(self.value(condition.left), self.value(condition.right)),
                self.shape,
            )
            side = np.sign(np.nan_to_num(diff, nan=0.0))
            self.unsure |= (side[-1] != 0) & ~(side[:-1] != 0).any(axis=0)
        return super().truth(condition)
