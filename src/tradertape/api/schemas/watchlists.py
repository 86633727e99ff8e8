"""Watchlist bodies and answers: a read (`WatchlistOut`) can be sent back as a write."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.times import UtcDateTime
from tradertape.services.market.watchlists import MAX_ITEMS

ListName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
InstrumentKey = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=80),
    Field(description="EXCHANGE:SYMBOL, as the instruments API spells it (NSE:INFY)"),
]
Items = Annotated[
    list[InstrumentKey],
    Field(max_length=MAX_ITEMS, description=f"instrument keys in order, at most {MAX_ITEMS}"),
]


class _ServerSet(Strict):
    """Fields the server sets: a list sent back as it was read is accepted, and they are
    ignored (an ``id`` in a PATCH must be the path's)."""

    id: int | None = None
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None


class WatchlistIn(_ServerSet):
    """A new list (a list as read makes a copy); ``items`` may be empty."""

    name: ListName
    items: Items = Field(default_factory=list)


class WatchlistPatch(_ServerSet):
    """Rename a list and/or replace its items (the whole list, in its new order)."""

    name: ListName | None = None
    items: Items | None = None


class WatchlistOut(BaseModel):
    """A stored list."""

    id: int
    name: str
    items: list[str]
    created_at: UtcDateTime
    updated_at: UtcDateTime
