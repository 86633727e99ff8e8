"""The datetime every response model answers with (docs/api-conventions.md, "Time")."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from tradertape.domain.utc_times import as_utc
from tradertape.journal.bounds import EARLIEST, LATEST

UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""An instant, held in UTC so it is written ``…Z`` whatever offset it came with."""


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_day(value: object) -> object:
    """Only ``YYYY-MM-DD`` text (or a date): pydantic alone reads ``0`` as 1970-01-01."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise PydanticCustomError("day_format", "write a day as YYYY-MM-DD")
    return value


def _plausible(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError(
            "day_range", f"must be a day from {EARLIEST.isoformat()} to {LATEST.isoformat()}"
        )
    return day


Day = Annotated[date, BeforeValidator(_written_day), AfterValidator(_plausible)]
"""A day a request names (an IST day, YYYY-MM-DD): written as a day, never a number, and
between 1990 and 2099 (``9999-12-31`` has no next day to end a range at: a 500 before)."""
