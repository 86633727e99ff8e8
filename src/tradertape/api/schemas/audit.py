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
    hash: str = Field(
        description="HMAC-SHA256 of this entry's canonical JSON with prev_hash, under the "
        "server's key key_id (plain SHA-256 for entries written before keys)"
    )
    key_id: int | None = Field(description="the key the hash is under; none: before keys")


class AuditExportOut(BaseModel):
    """A day of the trail as a file to save: its name, type and text."""

    filename: str
    media_type: str
    content: str


class AuditVerifyOut(BaseModel):
    """Whether your trail is whole: every entry's hash recomputed, every link followed, and
    the anchored entry still there (the server's anchor, or the one you sent)."""

    ok: bool
    entries: int
    first_bad_seq: int | None = Field(description="the first entry changed or removed")
    reason: str | None
    anchored_seq: int | None = Field(
        default=None, description="the entry the trail was checked to still hold (anchor)"
    )
    anchored_at: str | None = Field(default=None, description="when that anchor was taken (UTC)")


class AuditAnchorOut(BaseModel):
    """Your trail's head, signed by the server: keep it anywhere (a file, a mail to
    yourself) and send it back to `POST /api/audit/verify` to check that nothing was cut
    from the trail's end, wiped or rebuilt since."""

    seq: int = Field(description="the last entry's number (0: an empty trail)")
    hash: str = Field(description="the last entry's hash")
    at: str = Field(description="when the anchor was taken (UTC, ISO 8601)")
    key_id: int = Field(description="the key the signature is under")
    mac: str = Field(description="the server's signature of the four fields above")


class AuditAnchorIn(BaseModel):
    """An anchor you kept (`GET /api/audit/anchor`), as it was handed out."""

    seq: int = Field(ge=0, le=2**53, strict=True)
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    at: str = Field(max_length=40)
    key_id: int = Field(ge=1, le=2**31, strict=True)
    mac: str = Field(pattern="^[0-9a-f]{64}$")
