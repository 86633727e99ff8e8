"""Chart drawings: the lines a user draws on an instrument's chart (trend lines, levels,
Fibonacci retracements), kept per user and instrument."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, OwnedByKey


class ChartDrawing(OwnedByKey, Base):
    """One drawing; ``points`` are its anchors, ``[{"time": <chart time>, "price": "<₹>"}]``
    (one for a horizontal level, two for a trend line or a retracement)."""

    __tablename__ = "chart_drawings"
    __table_args__ = (Index("ix_chart_drawings_user_symbol", "user_id", "symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[list[dict[str, Any]]]
    created_at: Mapped[datetime]
