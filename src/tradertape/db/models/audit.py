"""The order audit trail: one hash-chained row per decision the OMS recorded for a user, and
the ids of the keys that sign them (the keys themselves are never stored here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, OwnedByKey


class AuditKey(Base):
    """A key id issued for the trail (`services.audit.keys`): the newest signs new entries,
    every one ever issued still checks its own. The key is derived from the server secret,
    which lives outside the database; this row records only that the id exists, and when."""

    __tablename__ = "audit_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    issued_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))


class AuditEntry(OwnedByKey, Base):
    """One OMS event of the user's (`services.audit.trail`): ``seq`` counts from 1 per user,
    ``prev_hash`` is the previous entry's ``hash`` (``GENESIS`` for the first), and ``hash``
    covers every other column under the key ``key_id``, so a changed or removed row breaks
    the chain and a recomputed one needs a key the database does not hold."""

    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("user_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    at: Mapped[datetime]  # the event's time (UTC)
    kind: Mapped[str] = mapped_column(String(32))  # order.accepted, order.cancelled, gtt…
    source: Mapped[str] = mapped_column(String(32))  # api, worker, portfolio, gtt, …
    order_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]  # the event as `oms.events.to_message` writes it
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[int | None]  # the key its HMAC is under; None: written before keys (SHA-256)
