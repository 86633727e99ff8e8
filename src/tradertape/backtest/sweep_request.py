"""What a parameter sweep is asked to do: a backtest request, the grid, the split, a limit.

The body of ``POST /api/backtest/sweeps``: every field of a backtest (`BacktestRequest`),
plus ``parameters`` (each a path with its values, listed or as a range), ``split_date``
(the first out-of-sample day) and ``max_variants`` (a grid holding more is refused, 422).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tradertape.backtest.request import BacktestRequest
from tradertape.domain.decimal_input import PLAIN, Count

MAX_VALUES = 100  # per parameter
MAX_PARAMETERS = 4
# Plain JSON numbers only (`PLAIN`): never ``true``, ``"5"`` or ``"1_000"``.
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e9, le=1e9), PLAIN]


class SweepParameter(BaseModel):
    """One axis of the grid: a ``path`` (``config.min_hold``,
    ``entry_rules.conditions.1.right.value``, ``entry_rules.conditions.1.left.name`` for
    the indicator's length, ``settings.max_positions``) and its ``values``, listed or as
    ``start``/``stop``/``step`` (both ends included)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
    label: str | None = Field(default=None, max_length=120, description="how the page names it")
    values: list[Finite] | None = Field(default=None, min_length=1, max_length=MAX_VALUES)
    start: Finite | None = None
    stop: Finite | None = None
    step: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False), PLAIN] | None = None

    def _range(self) -> tuple[float, float, float] | None:
        if self.start is None or self.stop is None or self.step is None:
            return None
        return self.start, self.stop, self.step

    @model_validator(mode="after")
    def _values_or_range(self) -> Self:
        bounds = self._range()
        if self.values is not None:
            if any(v is not None for v in (self.start, self.stop, self.step)):
                raise ValueError("give values or start/stop/step, not both")
            return self
        if bounds is None:
            raise ValueError("give values, or start, stop and step")
        start, stop, step = bounds
        if stop < start:
            raise ValueError("stop must not be below start")
        if math.floor((stop - start) / step + 1e-9) + 1 > MAX_VALUES:
            raise ValueError(f"a range may hold at most {MAX_VALUES} values")
        return self

    def expanded(self) -> tuple[float, ...]:
        """The values, a range spelled out (decimal steps: 0.1 steps land on 0.3, not
        0.30000000000000004), duplicates dropped, in order given."""
        if self.values is not None:
            return tuple(dict.fromkeys(self.values))
        bounds = self._range()
        assert bounds is not None, "checked when the request was read"
        start, stop, step = (Decimal(str(v)) for v in bounds)
        count = int((stop - start) / step) + 1
        return tuple(float(start + step * i) for i in range(count))


def distinct_paths(parameters: list[SweepParameter]) -> list[SweepParameter]:
    """``parameters`` when no path appears twice (a grid's axes; ValueError otherwise)."""
    paths = [p.path for p in parameters]
    if len(set(paths)) != len(paths):
        raise ValueError("each path may appear once")
    return parameters


class SweepRequest(BacktestRequest):
    """A sweep: the backtest every variant starts from, and what varies."""

    parameters: list[SweepParameter] = Field(min_length=1, max_length=MAX_PARAMETERS)
    split_date: date = Field(
        description="the first out-of-sample day: in-sample runs from start_date to the day "
        "before, out-of-sample from here to end_date"
    )
    max_variants: Count = Field(
        default=200, ge=1, le=100_000, description="refuse a grid holding more variants"
    )

    @field_validator("parameters")
    @classmethod
    def _distinct(cls, parameters: list[SweepParameter]) -> list[SweepParameter]:
        return distinct_paths(parameters)

    @field_validator("split_date")
    @classmethod
    def _inside(cls, split: date, info: ValidationInfo) -> date:
        start, end = info.data.get("start_date"), info.data.get("end_date")
        if start is not None and split <= start:
            raise ValueError(f"must be after start_date ({start})")
        if end is not None and split > end:
            raise ValueError(f"must be on or before end_date ({end})")
        return split
