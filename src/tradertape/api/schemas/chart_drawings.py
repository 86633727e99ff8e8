"""Chart drawing bodies and answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.money_out import TickPrice
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import PLAIN

DrawingKind = Literal["trend", "horizontal", "fibonacci"]
ChartPrice = Annotated[Decimal, Field(gt=0, le=100_000_000, max_digits=14, decimal_places=4), PLAIN]
ChartSeconds = Annotated[
    int,
    Field(
        strict=True,
        ge=0,
        le=4_102_444_800,
        description="the chart's time of the point, in seconds (IST shifted, as the chart "
        "counts it; a day candle's is its date at 00:00 UTC)",
    ),
]


class AnchorIn(Strict):
    """One point of a drawing."""

    time: ChartSeconds
    price: ChartPrice


class DrawingIn(Strict):
    """A new drawing: one point for a horizontal level, two for a trend line or a Fibonacci
    retracement (from the first to the second)."""

    symbol: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    kind: DrawingKind
    points: Annotated[list[AnchorIn], Field(min_length=1, max_length=2)]


class AnchorOut(BaseModel):
    """One point of a drawing."""

    time: int
    price: TickPrice


class DrawingOut(BaseModel):
    """A stored drawing."""

    id: int
    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    kind: DrawingKind
    points: list[AnchorOut]
    created_at: UtcDateTime
