"""The local agent's side of the cloud (seed 000): what it reported about signals, the
holdings and positions it synced, its heartbeat, and the Kite request-token relay."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned, OwnedByKey
from tradertape.db.models.trading import PRICE


class AgentSignalResult(Owned, Base):
    """One outcome the agent reported for a signal; a signal has each outcome at most once,
    so a repeated report changes nothing."""

    __tablename__ = "agent_signal_results"
    __table_args__ = (UniqueConstraint("signal_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("model_signals.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(12))  # placed | triggered | filled | ...
    broker: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(8))  # gtt | order
    order_id: Mapped[str | None] = mapped_column(String(64))  # the broker's
    gtt_id: Mapped[str | None] = mapped_column(String(64))  # the broker's
    fill_price: Mapped[Decimal | None] = mapped_column(PRICE)
    filled_quantity: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(400))
    reported_at: Mapped[datetime]


class AgentSnapshot(OwnedByKey, Base):
    """The latest holdings or positions (with margins) the agent synced from one broker."""

    __tablename__ = "agent_snapshots"
    __table_args__ = (UniqueConstraint("user_id", "kind", "broker"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # holdings | positions
    broker: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[datetime]  # when the agent read it from the broker
    received_at: Mapped[datetime]
    obfuscated: Mapped[bool]  # quantities and amounts scaled by the agent's secret factor
    rows: Mapped[list[dict[str, Any]]]
    margins: Mapped[dict[str, Any] | None]


class AgentHeartbeat(OwnedByKey, Base):
    """The last poll of the agent holding one key: when, which version, how it felt."""

    __tablename__ = "agent_heartbeats"
    __table_args__ = (UniqueConstraint("user_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("agent_keys.id", ondelete="CASCADE"))
    last_poll_at: Mapped[datetime]
    version: Mapped[str | None] = mapped_column(String(40))
    health: Mapped[str | None] = mapped_column(String(200))
    poll_interval: Mapped[int]  # seconds, as the agent said (30 when it did not)


class AgentTokenRelay(OwnedByKey, Base):
    """A broker login's request token handed to the agent, which exchanges it with the
    secret only it holds; ``consumed_at`` once the access token came back."""

    __tablename__ = "agent_token_relays"
    __table_args__ = (UniqueConstraint("user_id", "broker"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    request_token: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
