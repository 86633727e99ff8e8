"""What a basket owes after it halted: the durable mark the trading loop's unwind reads.

A basket that halts (a leg refused, rejected or cancelled unfilled) cancels its partners
still working and exits what they filled. When a cancel fails (the broker did not answer)
the partner may fill later, and a gate's refusal stores nothing at the broker to hear of:
this row is what tells the loop's next pass, in this process or after a restart, that the
basket still owes an unwind (`services.baskets.unwind`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, OwnedByKey


class BasketUnwind(OwnedByKey, Base):
    """A halted basket's unwind: open (``done_at`` None) while a leg may still trade or a
    fill is not yet exited; one row per basket key of a user."""

    __tablename__ = "basket_unwinds"
    __table_args__ = (
        UniqueConstraint("user_id", "basket"),
        # The loop reads the open ones on every timer pass: only those are indexed.
        Index(
            "ix_basket_unwinds_open",
            "id",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basket: Mapped[str] = mapped_column(String(160))  # the legs' key prefix, `<basket>:<i>`
    broker: Mapped[str] = mapped_column(String(20))  # where its legs went (paper included)
    reason: Mapped[str] = mapped_column(Text)  # why it halted, as its answer said
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
