"""The order audit trail: your entries (a day at a time), as a file, and its verification."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tradertape.api.deps import CurrentUser, DbDep
from tradertape.api.schemas.audit import AuditEntryOut, AuditExportOut, AuditVerifyOut
from tradertape.api.schemas.times import Day
from tradertape.services.audit import trail

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


@router.get("/audit/verify", response_model=AuditVerifyOut)
def audit_verify(user: CurrentUser, db: DbDep) -> AuditVerifyOut:
    """Walk your whole trail: recompute every entry's hash and follow every link; the first
    entry that was changed or removed is named."""
    verdict = trail.verify(db, user_id=user.id)
    broken = verdict.broken
    return AuditVerifyOut(
        ok=broken is None,
        entries=verdict.entries,
        first_bad_seq=broken.seq if broken else None,
        reason=broken.reason if broken else None,
    )
