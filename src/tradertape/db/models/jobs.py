"""Background work that failed: one row per failing job or item (`background.guard`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base


class JobFailure(Base):
    """A job, or one item of a job (``gtt:12``), failing since `first_failed_at`.

    The row lives while the failures go on in a row: a success deletes it. An item with an
    owner is quarantined (`quarantined_at`) after a few failures and skipped from then on;
    the owner sees the row and can ask for a retry by deleting it. ``user_id`` is None for
    a whole job or a shared item (an instrument's matching), which is never quarantined.
    """

    __tablename__ = "job_failures"
    __table_args__ = (UniqueConstraint("job", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    job: Mapped[str] = mapped_column(String(40))  # gtt.fire | session.release_amos | ...
    item: Mapped[str] = mapped_column(String(80))  # gtt:12 | order:34 | "" (the whole job)
    failures: Mapped[int]  # in a row
    error: Mapped[str] = mapped_column(String(400))  # the latest one
    first_failed_at: Mapped[datetime]
    last_failed_at: Mapped[datetime]
    quarantined_at: Mapped[datetime | None]
