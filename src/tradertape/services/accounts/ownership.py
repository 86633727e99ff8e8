"""Owner scoping: the one way routes load and list user-owned rows.

`get_owned` answers the same 404 for a row that does not exist and for a row that
belongs to someone else, so an answer never tells which ids exist
(docs/api-conventions.md); `owned` builds list queries that can only ever see the
caller's rows.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tradertape.db.base import Owned
from tradertape.errors import NotFound

OwnedT = TypeVar("OwnedT", bound=Owned)


def get_owned(db: Session, model: type[OwnedT], row_id: Any, *, user_id: int, label: str) -> OwnedT:
    """Load one row by primary key and check that `user_id` owns it."""
    row = db.get(model, row_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"{label} {row_id} not found")
    return row


def owned(model: type[OwnedT], *, user_id: int) -> Select[OwnedT]:
    """A SELECT over `model` already restricted to `user_id`'s rows."""
    return select(model).where(model.user_id == user_id)
