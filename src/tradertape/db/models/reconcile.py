"""The latest reconciliation of a user's live broker against our books (one row each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, OwnedByKey


class ReconcileReportRow(OwnedByKey, Base):
    """What the last reconciliation of one user's broker found (replaced by each run)."""

    __tablename__ = "reconcile_reports"
    __table_args__ = (UniqueConstraint("user_id", "broker"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    ran_at: Mapped[datetime]
    drift: Mapped[bool]  # something needs the user's eye (see oms.live_reconcile.ATTENTION)
    counts: Mapped[dict[str, Any]]  # name → count (orders at the broker, adopted, ...)
    items: Mapped[list[dict[str, Any]]]  # the drift items, as `DriftItem` fields
