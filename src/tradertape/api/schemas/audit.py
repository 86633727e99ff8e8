"""The order audit trail's answers (`services.audit.trail`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tradertape.api.schemas.times import UtcDateTime


class AuditEntryOut(BaseModel):
    """One entry of your audit trail: what the OMS recorded, chained to the one before."""

    seq: int = Field(description="1, 2, 3 … per user, with no gaps")
    at: UtcDateTime
    kind: str = Field(description="order.accepted, order.rejected, order.modified, … gtt.triggered")
    source: str = Field(description="who decided: api, worker, portfolio, gtt, squareoff, …")
    order_id: str | None
    payload: dict[str, Any] = Field(description="the event as the OMS emitted it")
    prev_hash: str = Field(description="the previous entry's hash (64 zeros for the first)")
    hash: str = Field(description="SHA-256 of this entry's canonical JSON with prev_hash")


class AuditExportOut(BaseModel):
    """A day of the trail as a file to save: its name, type and text."""

    filename: str
    media_type: str
    content: str


class AuditVerifyOut(BaseModel):
    """Whether your trail is whole: every entry's hash recomputed, every link followed."""

    ok: bool
    entries: int
    first_bad_seq: int | None = Field(description="the first entry changed or removed")
    reason: str | None
