"""Watchlists: a user's named, ordered lists of instruments for the market watch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class Watchlist(Owned, Base):
    """One list; ``items`` are Kite instrument keys (``NSE:INFY``) in the user's order.

    The items live in the row: a list is always read and written whole, and at most 250 long.
    """

    __tablename__ = "watchlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    items: Mapped[list[str]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
