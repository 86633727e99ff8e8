"""The order audit trail: your entries (a day at a time), as a file, its verification, and
its anchor (the signed head you keep, to check the trail against later)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.audit import (
    AuditAnchorIn,
    AuditAnchorOut,
    AuditEntryOut,
    AuditExportOut,
    AuditVerifyOut,
)
from tradertape.api.schemas.times import Day
from tradertape.domain.audit_chain import Anchor
from tradertape.errors import InvalidField
from tradertape.services.audit import anchors, trail

router = APIRouter(tags=["audit"])

AuditDay = Annotated[Day | None, Query(description="an IST day (YYYY-MM-DD); none: every entry")]


@router.get("/audit/entries", response_model=list[AuditEntryOut])
def audit_entries(user: CurrentUser, db: DbDep, day: AuditDay = None) -> list[AuditEntryOut]:
    """Your audit trail in sequence order: every order accepted, rejected, modified,
    cancelled or filled and every GTT fired, with who decided it (``source``), each entry
    carrying the previous one's hash."""
    rows = trail.entries(db, user_id=user.id, day=day)
    return [AuditEntryOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/audit/export", response_model=AuditExportOut)
def audit_export(
    user: CurrentUser,
    db: DbDep,
    day: AuditDay = None,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",  # noqa: A002 - the query's name
) -> AuditExportOut:
    """Your audit trail (a day, or all of it) as a CSV or JSON file to keep."""
    rows = trail.entries(db, user_id=user.id, day=day)
    name = f"audit-{day.isoformat() if day else 'all'}.{format}"
    if format == "csv":
        return AuditExportOut(filename=name, media_type="text/csv", content=trail.as_csv(rows))
    items = [
        AuditEntryOut.model_validate(row, from_attributes=True).model_dump(mode="json")
        for row in rows
    ]
    return AuditExportOut(
        filename=name, media_type="application/json", content=json.dumps(items, indent=1)
    )


def _verdict_out(verdict: trail.Verdict) -> AuditVerifyOut:
    broken, anchor = verdict.broken, verdict.anchor
    return AuditVerifyOut(
        ok=broken is None,
        entries=verdict.entries,
        first_bad_seq=broken.seq if broken and broken.seq else None,  # 0: no entry (the anchor)
        reason=broken.reason if broken else None,
        anchored_seq=anchor.seq if anchor else None,
        anchored_at=anchor.at if anchor else None,
    )


@router.get("/audit/verify", response_model=AuditVerifyOut)
def audit_verify(user: CurrentUser, db: DbDep, runtime: RuntimeDep) -> AuditVerifyOut:
    """Walk your whole trail: check every entry's signature and follow every link, and check
    that it still holds the entry the server last anchored; the first entry that was
    changed, removed or forged is named, or the end that was cut off."""
    return _verdict_out(
        anchors.verify_kept(
            db, user_id=user.id, keys=runtime.audit_keys, file=runtime.audit_anchors
        )
    )


@router.post("/audit/verify", response_model=AuditVerifyOut)
def audit_verify_anchor(
    body: AuditAnchorIn, user: CurrentUser, db: DbDep, runtime: RuntimeDep
) -> AuditVerifyOut:
    """Check your trail against an anchor you kept: whole, and still holding the anchored
    entry unchanged. An anchor this server did not sign for you is refused (422)."""
    anchor = Anchor(user.id, body.seq, body.hash, body.at, body.key_id)
    if not anchors.signed_by_us(anchor, body.mac, runtime.audit_keys):
        raise InvalidField("mac", "this anchor was not signed by this server for your trail")
    return _verdict_out(trail.verify(db, user_id=user.id, keys=runtime.audit_keys, anchor=anchor))


@router.get("/audit/anchor", response_model=AuditAnchorOut)
def audit_anchor(user: CurrentUser, db: DbDep, runtime: RuntimeDep) -> AuditAnchorOut:
    """Your trail's head now, signed: keep it off this server to check the trail later."""
    anchor = anchors.head(db, user_id=user.id, keys=runtime.audit_keys, clock=runtime.clock)
    mac = anchors.sign(anchor, runtime.audit_keys)
    return AuditAnchorOut(
        seq=anchor.seq, hash=anchor.hash, at=anchor.at, key_id=anchor.key_id, mac=mac
    )
