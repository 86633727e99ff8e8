"""The chain simulator's sessions: a past day of one underlying played minute by minute,
with the legs traded in it (`services.options.simulator`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class SimulatorSession(Owned, Base):
    """One simulation: the day and expiry played, where it stands (``minute``, 0 = 09:15
    IST), where its data came from, and its legs with their entry and exit fills."""

    __tablename__ = "simulator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    underlying: Mapped[str] = mapped_column(String(20))
    day: Mapped[date]
    expiry: Mapped[date]
    source: Mapped[str] = mapped_column(String(12))  # minutes | bhavcopy | synthetic
    start_minute: Mapped[int]
    minute: Mapped[int]
    # [{id, expiry, strike, option_type, tradingsymbol, side, lots, lot_size,
    #   entry_minute, entry_price, exit_minute, exit_price}] (prices as text)
    legs: Mapped[list[dict[str, Any]]]
    upload_id: Mapped[int | None]  # the journal upload it was saved as (None: not saved)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
