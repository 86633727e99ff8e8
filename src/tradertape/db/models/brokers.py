"""Per-user broker credentials; secrets and access tokens are Fernet-encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class BrokerCredential(Owned, Base):
    """One user's connection details for one broker (a `domain.brokers.BrokerName`)."""

    __tablename__ = "broker_credentials"
    __table_args__ = (UniqueConstraint("user_id", "broker"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    api_key: Mapped[str] = mapped_column(String(200))
    api_secret_enc: Mapped[str | None] = mapped_column(Text)
    secret_last4: Mapped[str | None] = mapped_column(String(4))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None]
    broker_user_id: Mapped[str | None] = mapped_column(String(64))
    # "waiting" while a browser login is in flight; see services.brokers.
    login_state: Mapped[str | None] = mapped_column(String(20))
    # The static IP the user registered with this broker (SEBI: orders only from it).
    static_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
