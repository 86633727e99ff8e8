"""Outgoing e-mail, kept as an outbox so nothing is lost when SMTP is down or absent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base


class OutboxMessage(Base):
    """One e-mail; the body holds login secrets, so it is stored encrypted."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    transport: Mapped[str] = mapped_column(String(20))  # "smtp" or "log"
    error: Mapped[str | None] = mapped_column(Text)
