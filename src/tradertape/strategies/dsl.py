"""The strategy DSL: a JSON document of condition trees over indicators and position fields.

One document drives the backtester, the daily scanner and paper/live portfolios, so it is
validated once, here, and every consumer compiles the same tree. Nodes are tagged by
``type``; an invalid document fails with the JSON path of the bad node
(``entry_rules.conditions[1].op``) because the union tags are dropped from error locations.

Semantics the engines rely on:

* an indicator's value on day ``t`` uses bars up to and including ``t``;
* a comparison with NaN (an indicator still warming up) is false;
* ``crosses_above(a, b)`` on day ``t`` means ``a > b`` on ``t`` and, on the last earlier day
  where ``a != b``, ``a < b`` — touching and bouncing back is not a cross, and a tie on
  ``t - 1`` after being below still crosses on ``t``;
* position fields read the open position of the symbol being evaluated (0 when flat).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from tradertape.indicators import CATEGORY_LABELS, UnknownIndicator, parse_indicator
from tradertape.indicators.words import indicator_words
from tradertape.strategies.ranges import Bound, contradiction, mirrored


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Op(StrEnum):
    """Comparison operators."""

    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EQ = "=="
    NE = "!="


class PositionField(StrEnum):
    """What a rule may ask of the open position (0 when flat)."""

    TOTAL_BARS_HELD = "total_bars_held"
    ENTRY_PRICE = "entry_price"  # average price, add-ons included
    UNREALIZED_PCT = "unrealized_pct"  # close against the average price, in percent
    BARS_SINCE_ADDON = "bars_since_addon"  # since the entry when there was no add-on
    ADDON_COUNT = "addon_count"
    HIGHEST_CLOSE = "highest_close"  # since entry: trailing stops


# -- operands ------------------------------------------------------------------------------


class IndicatorOperand(_Node):
    """A named indicator's value on the bar being evaluated (``close``, ``sma20``, ``rsi14``),
    or ``lag`` bars earlier (``high20`` with ``lag: 1`` is the prior 20-day high)."""

    type: Literal["indicator"]
    name: str = Field(min_length=1, max_length=40)
    lag: int = Field(default=0, ge=0, le=260)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        try:
            parse_indicator(name)
        except UnknownIndicator as exc:
            raise ValueError(str(exc)) from None
        return name


class LiteralOperand(_Node):
    """A number, or a label of a categorical indicator (``"fully_aligned"``)."""

    type: Literal["literal"]
    value: float | Annotated[str, Field(max_length=40)]

    @field_validator("value")
    @classmethod
    def _finite_or_label(cls, value: float | str) -> float | str:
        if isinstance(value, str):
            labels = {label for table in CATEGORY_LABELS.values() for label in table}
            if value not in labels:
                raise ValueError(
                    f"a text literal must be a category label, one of {sorted(labels)}"
                )
        elif value != value or value in (float("inf"), float("-inf")):
            raise ValueError("must be a finite number")
        return value


class PositionOperand(_Node):
    """A field of the open position in the symbol being evaluated."""

    type: Literal["position"]
    field: PositionField


class RandomOperand(_Node):
    """A uniform draw in [0, 1), fixed by ``config.seed``, the day and the symbol (V0)."""

    type: Literal["random"]


class ArithmeticOperand(_Node):
    """``left <op> right``: e.g. ``sma20 * 1.02``. Division by zero gives NaN (false)."""

    type: Literal["add", "sub", "mul", "div"]
    left: Operand
    right: Operand


Operand = Annotated[
    IndicatorOperand | LiteralOperand | PositionOperand | RandomOperand | ArithmeticOperand,
    Field(discriminator="type"),
]


# -- conditions ----------------------------------------------------------------------------


class Compare(_Node):
    """``left op right``."""

    type: Literal["compare"]
    left: Operand
    op: Op
    right: Operand

    @model_validator(mode="after")
    def _labels_meet_categories(self) -> Self:
        _check_labels(self.left, self.right)
        _check_labels(self.right, self.left)
        return self


class Cross(_Node):
    """``left`` crosses ``right`` from below (``crosses_above``) or above (``crosses_below``).

    Both sides are market series: a cross needs their history, which a position field lacks.
    """

    type: Literal["crosses_above", "crosses_below"]
    left: Operand
    right: Operand

    @field_validator("left", "right")
    @classmethod
    def _market_series(cls, operand: Operand) -> Operand:
        if uses_position(operand):
            raise ValueError("crosses compare indicators and numbers, not position fields")
        return operand


class AllOf(_Node):
    """True when every condition is."""

    type: Literal["and"]
    conditions: list[Condition] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _satisfiable(self) -> Self:
        found = contradiction(_bounds(self))
        if found is not None:
            first, second = found
            raise ValueError(
                f"{first.said} and {second.said} can never both be true; "
                "change or remove one of them"
            )
        return self


class AnyOf(_Node):
    """True when at least one condition is."""

    type: Literal["or"]
    conditions: list[Condition] = Field(min_length=1, max_length=50)


class Negation(_Node):
    """True when the condition is false (including a NaN comparison)."""

    type: Literal["not"]
    condition: Condition


Condition = Annotated[Compare | Cross | AllOf | AnyOf | Negation, Field(discriminator="type")]


def _bounds(node: AllOf) -> list[Bound]:
    """Each comparison of an indicator with a number in `node`, nested ``and`` included."""
    found: list[Bound] = []
    stack: list[Condition] = list(reversed(node.conditions))
    while stack:
        child = stack.pop()
        if isinstance(child, AllOf):
            stack.extend(reversed(child.conditions))
            continue
        if not isinstance(child, Compare) or child.op == Op.NE:
            continue
        series, op, number = child.left, child.op.value, child.right
        if isinstance(series, LiteralOperand):
            series, op, number = number, mirrored(op), series
        if not (isinstance(series, IndicatorOperand) and isinstance(number, LiteralOperand)):
            continue
        if isinstance(number.value, str):
            continue  # a category label: ``==`` two labels is a contradiction not judged here
        said = f"{_series_words(series)} {op} {_number_words(number.value)}"
        found.append(Bound((series.name, series.lag), op, number.value, len(found), said))
    return found


def _series_words(series: IndicatorOperand) -> str:
    """``rsi14`` with ``lag: 2`` as a trader reads it: "RSI 14 2 days ago"."""
    words = indicator_words(series.name)
    if series.lag:
        words += " a day ago" if series.lag == 1 else f" {series.lag} days ago"
    return words


def _number_words(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def uses_position(node: BaseModel) -> bool:
    """Whether a node reads the open position anywhere below it."""
    if isinstance(node, PositionOperand):
        return True
    children = (getattr(node, name) for name in type(node).model_fields)
    return any(
        uses_position(child)
        for value in children
        for child in (value if isinstance(value, list) else [value])
        if isinstance(child, BaseModel)
    )


def referenced_indicators(node: BaseModel) -> set[str]:
    """Every indicator name a document (or node) reads."""
    if isinstance(node, IndicatorOperand):
        return {node.name}
    if isinstance(node, CategoryScore):
        return {node.indicator}
    found: set[str] = set()
    for name in type(node).model_fields:
        value = getattr(node, name)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, BaseModel):
                found |= referenced_indicators(child)
    return found


def _check_labels(label_side: Operand, other: Operand) -> None:
    if not (isinstance(label_side, LiteralOperand) and isinstance(label_side.value, str)):
        return
    table = CATEGORY_LABELS.get(other.name) if isinstance(other, IndicatorOperand) else None
    if table is None or label_side.value not in table:
        raise ValueError(
            f"label {label_side.value!r} can only be compared with its categorical indicator"
        )


# -- rules, scoring, config ----------------------------------------------------------------


class ExitRule(_Node):
    """One exit; rules are checked by ascending ``priority`` and the first true one fires."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    priority: int = Field(default=0, ge=0, le=1000)
    ignore_min_hold: bool = False
    condition: Condition
    exit_price: Operand | None = None  # with ``fill_at: close``; default the close


class AddonRules(_Node):
    """Averaging into an open position: up to ``max_addons`` extra lots of ``size_pct`` of the
    original quantity, at least ``min_bars_between`` bars apart."""

    enabled: bool = False
    condition: Condition | None = None
    max_addons: int = Field(default=1, ge=1, le=20)
    size_pct: float = Field(default=100.0, gt=0, le=500)
    min_bars_between: int = Field(default=1, ge=1, le=1000)

    @model_validator(mode="after")
    def _condition_when_enabled(self) -> Self:
        if self.enabled and self.condition is None:
            raise ValueError("condition is required when add-ons are enabled")
        return self


class Bucket(_Node):
    """``points`` when ``min <= value < max`` (an open end is null)."""

    min: float | None = None
    max: float | None = None
    points: float


class ValueScore(_Node):
    """``weight × operand``: rank by the operand itself (``weight: -1`` ranks lowest first)."""

    type: Literal["weighted"]
    operand: Operand
    weight: float = 1.0


class BucketScore(_Node):
    """Points from the first bucket the operand falls in; none → 0."""

    type: Literal["bucket"]
    operand: Operand
    buckets: list[Bucket] = Field(min_length=1, max_length=20)


class CategoryScore(_Node):
    """Points per label of a categorical indicator (``vol_regime``, ``trend_alignment``)."""

    type: Literal["category"]
    indicator: str = Field(max_length=40)
    points: dict[str, float]

    @model_validator(mode="after")
    def _labels(self) -> Self:
        table = CATEGORY_LABELS.get(self.indicator)
        if table is None:
            raise ValueError(f"indicator must be one of {sorted(CATEGORY_LABELS)}")
        unknown = sorted(set(self.points) - set(table))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; {self.indicator} has {sorted(table)}")
        return self


class ConditionScore(_Node):
    """``points`` when the condition holds."""

    type: Literal["when"]
    condition: Condition
    points: float


ScoreItem = Annotated[
    ValueScore | BucketScore | CategoryScore | ConditionScore, Field(discriminator="type")
]
PresetName = Literal[
    "rsi_band",
    "vol_regime",
    "sma20_distance",
    "trend_alignment",
    "volume_surge",
    "momentum",
    "lowest_rsi",
    "random",
]
"""Scorers listed by name (`tradertape.strategies.scoring.SCORER_PRESETS`)."""


def _score_kind(value: object) -> str | None:
    if isinstance(value, str):
        return "preset"
    if isinstance(value, dict):
        kind = value.get("type")
        return kind if isinstance(kind, str) else None
    return getattr(value, "type", None)


ScoreEntry = Annotated[
    Annotated[ValueScore, Tag("weighted")]
    | Annotated[BucketScore, Tag("bucket")]
    | Annotated[CategoryScore, Tag("category")]
    | Annotated[ConditionScore, Tag("when")]
    | Annotated[PresetName, Tag("preset")],
    Discriminator(
        _score_kind,
        custom_error_type="invalid_scorer",
        custom_error_message="a scorer is a preset name or an object with type "
        "weighted|bucket|category|when",
    ),
]


class StrategyConfig(_Node):
    """Runtime settings. Holding periods count bars (trading days)."""

    # Plain JSON numbers only (`Strict`): never ``true``, ``"5"`` or ``"1_000"``.
    min_hold: Annotated[int, Strict()] = Field(default=0, ge=0, le=1000)
    max_hold: Annotated[int, Strict()] | None = Field(default=None, ge=1, le=5000)
    # × ATR(14) below entry; 0 = off
    atr_stop_mult: Annotated[float, Strict()] = Field(default=0.0, ge=0, le=50)
    gap_down_exit_pct: Annotated[float, Strict()] | None = Field(default=None, gt=0, le=100)
    exit_buffer_pct: Annotated[float, Strict()] = Field(default=0.0, ge=0, le=20)
    entry_buffer_pct: Annotated[float, Strict()] = Field(default=0.0, ge=0, le=20)
    seed: Annotated[int, Strict()] = Field(default=0, ge=0, le=2**31 - 1)  # `random`'s stream


class BaseModelId(StrEnum):
    """The built-in models a strategy may name as its parent."""

    V0 = "v0_dart_monkey"
    V1 = "v1_momentum"
    V2 = "v2_breakout"
    V3 = "v3_dip_buyer"
    V4 = "v4_trend_rider"


MAX_NODES = 500
"""Nodes (conditions, operands, rules, scorers) a whole document may hold: 20 times the
largest built-in model, and few enough that compiling and evaluating one stays cheap."""
MAX_NODE_DEPTH = 24
"""Nodes a chain may nest (an ``and`` inside a ``not`` inside an exit rule is 3)."""

_PARTS = ("entry_rules", "exit_rules", "addon_rules", "conviction_scoring")


def extent(value: object) -> tuple[int, int]:
    """How many nodes `value` holds (a preset scorer's name is one) and how deep they nest.

    Iterative: the document may come from a file no HTTP limit has seen. Walked a level at
    a time (every item of a level at one depth: a list's items at its own), with no
    (item, depth) pair pushed per item: a request's body is walked ten times over, on the
    event loop, and the walk was two thirds of a strategy's validation. A model's fields
    are read from its ``__dict__`` (each of its fields, no extras: `_Node` forbids them),
    not by name through pydantic's class properties.
    """
    nodes, depth = 0, 0
    level: list[object] = [value]
    while level:
        below: list[object] = []
        reached = False
        for item in level:  # a list's items are appended to this level and walked in turn
            if isinstance(item, list):
                level.extend(item)
            elif isinstance(item, _NODES):
                nodes += 1
                reached = True
                if isinstance(item, BaseModel):  # its text fields are not nodes: lists are
                    below += [f for f in item.__dict__.values() if isinstance(f, _NESTED)]
        if reached:
            depth += 1
        level = below
    return nodes, depth


_NODES = (BaseModel, str)  # tuples: `isinstance` of a union (``A | B``) is slower
_NESTED = (BaseModel, list)


class StrategyDocument(_Node):
    """A whole strategy: what users write, store, fork and backtest."""

    name: str = Field(min_length=1, max_length=120)
    version: int = Field(default=1, ge=1)
    base_model: BaseModelId | None = None
    description: str = Field(default="", max_length=2000)
    entry_rules: Condition
    exit_rules: list[ExitRule] = Field(default_factory=list, max_length=20)
    addon_rules: AddonRules = Field(default_factory=AddonRules)
    conviction_scoring: list[ScoreEntry] = Field(default_factory=list, max_length=20)
    config: StrategyConfig = Field(default_factory=StrategyConfig)

    @field_validator(*_PARTS)
    @classmethod
    def _bounded(cls, part: object, info: ValidationInfo) -> object:
        nodes, depth = extent(part)
        if depth > MAX_NODE_DEPTH:
            raise ValueError(f"nodes nest {depth} deep here; at most {MAX_NODE_DEPTH}")
        earlier = sum(extent(info.data[name])[0] for name in _PARTS if name in info.data)
        if earlier + nodes > MAX_NODES:
            raise ValueError(
                f"the document reaches {earlier + nodes} nodes here (conditions, operands, "
                f"rules, scorers); at most {MAX_NODES}"
            )
        return part

    @field_validator("exit_rules")
    @classmethod
    def _unique_names(cls, rules: list[ExitRule]) -> list[ExitRule]:
        names = [r.name for r in rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"exit rule names must be unique; repeated: {twice}")
        return rules


_TAGS = frozenset(
    {
        *("indicator", "literal", "position", "random", "add", "sub", "mul", "div"),
        *("compare", "crosses_above", "crosses_below", "and", "or", "not"),
        *("weighted", "bucket", "category", "when", "preset"),
    }
)
_UNION_SLOTS = frozenset(
    {"entry_rules", "left", "right", "condition", "exit_price", "operand", "conviction_scoring"}
)


def json_path(loc: tuple[int | str, ...]) -> str:
    """An error location as a JSON path users can follow: ``entry_rules.conditions[1].op``.

    pydantic writes the chosen union member's tag after a union-valued slot
    (``left``, ``conditions[1]``…); those tags are not part of the document, so they go.
    """
    path = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "tagged-union[")):
            continue
        elif part in _TAGS and (isinstance(previous, int) or previous in _UNION_SLOTS):
            continue  # keep `previous`: a tag may be followed by another union's tag
        else:
            path += f".{part}" if path else part
        previous = part
    return path


#: What GET /api/strategies/{id} adds around a document: set by the server, ignored on a write.
SERVER_FIELDS = frozenset(
    {
        *("id", "version", "is_template", "is_builtin", "is_owner", "forked_from"),
        *("last_backtest_id", "entry_rule_count", "exit_rule_count", "addon_rule_count"),
        *("created_at", "updated_at"),
    }
)
#: Top-level copies of document fields in the read shape; they must agree with the document.
_COPIES = ("name", "base_model", "description")


#: The library flags of the read shape; a backtest of a file has no library to set them in.
LIBRARY_FLAGS = frozenset({"is_public", "is_active"})


def from_read_shape(
    data: object, *, keep: frozenset[str] = frozenset(), ignore: frozenset[str] = frozenset()
) -> object:
    """A strategy as GET answers it (flags around a ``document``) as the body a write takes.

    What was read can be written back unchanged (docs/api-conventions.md, "Read and write
    shapes"): fields the server sets are dropped, except those in `keep`, and so are those in
    `ignore` (what the caller has no use for); a top-level copy
    (``name``…) that disagrees with the document is a 422 naming it rather than one of the
    two edits being lost. A body without a ``document`` object is returned as it is.
    """
    if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
        return data
    merged = dict(data["document"])
    conflicts: list[InitErrorDetails] = []
    for key, value in data.items():
        if key == "document" or key in ignore or (key in SERVER_FIELDS and key not in keep):
            continue
        if key in _COPIES and key in merged and merged[key] != value:
            conflicts.append(
                InitErrorDetails(
                    type=PydanticCustomError(
                        "read_shape_conflict",
                        "differs from document.{key}; edit one of the two",
                        {"key": key},
                    ),
                    loc=(key,),
                    input=value,
                )
            )
        merged[key] = value
    if conflicts:
        raise ValidationError.from_exception_data("StrategyDocument", conflicts)
    return merged
