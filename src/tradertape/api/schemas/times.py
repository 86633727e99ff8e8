"""The datetime every response model answers with (docs/api-conventions.md, "Time")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

from tradertape.domain.utc_times import as_utc

UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""An instant, held in UTC so it is written ``…Z`` whatever offset it came with."""
