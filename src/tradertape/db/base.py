"""Declarative base, naming convention and shared column mixins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradertape.db.types import UTCDateTime

# Stable constraint names, so Alembic can alter them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[dict[str, Any]]: JSON,
    }


class Owned:
    """Mixin for rows that belong to one user (`services.accounts.ownership` scopes queries)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class OwnedByKey(Owned):
    """An `Owned` row with a unique key or index that starts with ``user_id``.

    That index already finds a user's rows, so a second index on ``user_id`` alone
    would only be one more B-tree page written by every insert (the paper ledger writes
    several such rows per fill).
    """

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
