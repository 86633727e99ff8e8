"""Strategy and backtest bodies. A strategy body is the DSL document plus library flags."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradertape.api.schemas.money_out import PaiseNumber, TickNumber
from tradertape.api.schemas.open_models import JsonNumber, OpenModel
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import Flag
from tradertape.services.research.strategies import count_rules
from tradertape.strategies.dsl import (
    AddonRules,
    BaseModelId,
    Condition,
    ExitRule,
    ScoreEntry,
    StrategyConfig,
    StrategyDocument,
    from_read_shape,
)


class StrategyCreate(StrategyDocument):
    """A new strategy: a DSL document (``version`` is ignored: the server numbers saves).

    A strategy exactly as ``GET`` returned it is accepted too: the fields the server sets
    (``id`` aside) are ignored and the ``document`` is the body.
    """

    id: int | None = Field(
        default=None, description="ignored on create; on replace it must be the path's id"
    )
    is_public: Flag = False
    is_active: Flag = True

    @model_validator(mode="before")
    @classmethod
    def _read_shape(cls, data: object) -> object:
        return from_read_shape(data, keep=frozenset({"id"}))

    def document(self) -> StrategyDocument:
        """The DSL part of the body."""
        return StrategyDocument.model_validate(
            self.model_dump(exclude={"id", "is_public", "is_active"})
        )


class StrategyReplace(StrategyCreate):
    """A full replacement (PUT): every part of the document is required; ``is_public`` may
    only repeat the current value (``POST …/share`` changes it)."""

    base_model: BaseModelId | None
    entry_rules: Condition
    exit_rules: list[ExitRule] = Field(max_length=20)
    addon_rules: AddonRules
    conviction_scoring: list[ScoreEntry] = Field(max_length=20)
    config: StrategyConfig
    is_active: Flag | None = None  # type: ignore[assignment]
    is_public: Flag | None = None  # type: ignore[assignment]


class StrategyFork(BaseModel):
    """Optional name of the copy."""

    name: str | None = Field(default=None, min_length=1, max_length=120)


class StrategyShare(BaseModel):
    """Set ``is_public``; without it the flag toggles."""

    is_public: Flag | None = None


class StrategyOut(BaseModel):
    """A strategy as the library shows it, with its whole current document."""

    id: int
    name: str
    version: int
    base_model: str | None
    description: str
    is_template: bool
    is_builtin: bool
    is_public: bool
    is_active: bool
    is_owner: bool
    forked_from: int | None
    last_backtest_id: int | None
    entry_rule_count: int
    exit_rule_count: int
    addon_rule_count: int
    document: dict[str, Any]
    created_at: UtcDateTime
    updated_at: UtcDateTime


class StrategyVersionOut(BaseModel):
    """One saved version of a strategy's document."""

    strategy_id: int
    version: int
    document: dict[str, Any]
    created_at: UtcDateTime


class BacktestRunBrief(BaseModel):
    """A run in the history list."""

    id: int
    strategy_id: int | None
    strategy_version: int | None
    strategy_name: str
    status: str
    config: dict[str, Any]
    summary: dict[str, Any]
    duration_ms: float
    created_at: UtcDateTime
    provisional_calendar: bool = Field(
        default=False,
        description="true when its days reach past the NSE holiday list, where every weekday "
        "is assumed to trade (a guess until `tradertape calendar import` loads that year)",
    )
    stage: str | None = Field(
        default=None, description="a run started with progress: where it is (or ended)"
    )
    error: str | None = Field(default=None, description="why a failed run failed")
    sweep_id: int | None = Field(
        default=None, description="the sweep whose variant this run is (null: none)"
    )
    sweep_variant: int | None = Field(
        default=None, description="which of the sweep's variants (its `index`)"
    )


def strategy_out(row: Any, *, user_id: int) -> StrategyOut:
    """A strategy row (`db.models.Strategy`) in the response shape, seen by `user_id`."""
    entries, exits, addons = count_rules(row.document)
    return StrategyOut(
        id=row.id,
        name=row.name,
        version=row.version,
        base_model=row.base_model,
        description=row.document.get("description", ""),
        is_template=row.is_template,
        is_builtin=row.builtin_key is not None,
        is_public=row.is_public,
        is_active=row.is_active,
        is_owner=row.user_id == user_id,
        forked_from=row.forked_from_id,
        last_backtest_id=row.last_backtest_id,
        entry_rule_count=entries,
        exit_rule_count=exits,
        addon_rule_count=addons,
        document=row.document,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def run_brief(row: Any) -> BacktestRunBrief:
    """A stored run (`db.models.BacktestRun`) as the history lists it."""
    return BacktestRunBrief.model_validate(
        {name: getattr(row, name) for name in BacktestRunBrief.model_fields}
    )


class BacktestDay(OpenModel):
    """The run's book at one day's close (an intraday run's: at its session's last bar,
    ``positions`` the most it held during the session)."""

    date: str
    equity: PaiseNumber
    drawdown: JsonNumber = Field(description="below the running peak, as a fraction (0.05: 5 %)")
    positions: int
    benchmark: JsonNumber | None = Field(
        default=None,
        description="the benchmark's buy-and-hold equity from the same starting equity "
        "(null on a day without its close, and in runs stored before it was kept)",
    )


class BacktestTrade(OpenModel):
    """One round trip; ``exit_reason`` ``end_of_data``: still open, marked at the last close."""

    symbol: str
    sector: str | None
    entry_date: str
    entry_price: TickNumber = Field(description="the average, add-ons included")
    exit_date: str
    exit_price: TickNumber
    quantity: int
    pnl: PaiseNumber = Field(description="after every charge of the round trip")
    pnl_pct: JsonNumber
    charges: PaiseNumber
    exit_reason: str = Field(
        description="an exit rule's name, or max_hold, atr_stop, gap_down, square_off (an "
        "MIS run's broker square-off) or end_of_data"
    )
    conviction: JsonNumber | None
    addons: int
    bars_held: int = Field(description="days, or an intraday run's bars")
    entry_time: str | None = Field(
        default=None,
        description="an intraday run's entry bar (its start), IST: 2026-01-05T09:20:00+05:30; "
        "absent for a day run",
    )
    exit_time: str | None = Field(
        default=None, description="an intraday run's exit bar (its start), IST"
    )


class BacktestDayColumns(OpenModel):
    """`BacktestDay`'s fields as columns: a list per field, an item per day."""

    date: list[str]
    equity: list[PaiseNumber]
    drawdown: list[JsonNumber]
    positions: list[int]
    benchmark: list[JsonNumber | None]


class BacktestTradeColumns(OpenModel):
    """`BacktestTrade`'s fields as columns: a list per field, an item per trade."""

    symbol: list[str]
    sector: list[str | None]
    entry_date: list[str]
    entry_price: list[TickNumber]
    exit_date: list[str]
    exit_price: list[TickNumber]
    quantity: list[int]
    pnl: list[PaiseNumber]
    pnl_pct: list[JsonNumber]
    charges: list[PaiseNumber]
    exit_reason: list[str]
    conviction: list[JsonNumber | None]
    addons: list[int]
    bars_held: list[int]
    entry_time: list[str] | None = Field(default=None, description="an intraday run's only")
    exit_time: list[str] | None = Field(default=None, description="an intraday run's only")


COLUMNS_NOTE = (
    "only with `?columns=true`, which sends the days and trades as columns (a list per "
    "field: a third of the size, no object per row) and `equity_curve` and `trades` empty"
)


class BacktestRunOut(BacktestRunBrief):
    """A run with its curves, per-trade detail and where the time went."""

    strategy: dict[str, Any]
    timings_ms: dict[str, float]
    equity_curve: list[BacktestDay]
    trades: list[BacktestTrade]
    equity_columns: BacktestDayColumns | None = Field(default=None, description=COLUMNS_NOTE)
    trade_columns: BacktestTradeColumns | None = Field(default=None, description=COLUMNS_NOTE)


class IndicatorForm(OpenModel):
    """An indicator a strategy may name."""

    form: str = Field(description="how it is written, e.g. `sma<n>`")
    description: str


class StrategyDraftOut(BaseModel):
    """Where a new strategy starts: a draft document, not yet valid."""

    document: dict[str, Any] = Field(
        description="every part at its default; no name and no entry condition yet (the "
        "first thing the editor asks for): POST it to /api/strategies once it has both"
    )


class StrategySchemaOut(OpenModel):
    """The JSON Schema (draft 2020-12) of a strategy document, with what an editor needs
    beside it: the indicators, each category indicator's labels, the scorer presets."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    dialect: str = Field(alias="$schema")
    title: str
    description: str
    type: str
    properties: dict[str, Any]
    required: list[str]
    additionalProperties: bool  # noqa: N815 - JSON Schema's own keyword
    defs: dict[str, Any] = Field(alias="$defs")
    indicators: list[IndicatorForm] = Field(alias="x-indicators")
    category_labels: dict[str, list[str]] = Field(alias="x-category-labels")
    scorer_presets: dict[str, Any] = Field(alias="x-scorer-presets")
