"""Background jobs: what of yours they keep failing on (`background.guard`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep
from tradertape.api.schemas.jobs import JobFailureOut
from tradertape.api.schemas.numbers import RowId
from tradertape.services.background import failures as job_failures

router = APIRouter(tags=["jobs"])


@router.get("/jobs/failures", response_model=list[JobFailureOut])
def list_job_failures(user: CurrentUser, db: DbDep, page: PageDep) -> list[JobFailureOut]:
    """Your GTTs, orders, portfolios, runs and broker sessions that a background job failed
    on, the latest first. A quarantined one is skipped until you delete the object (a stuck
    GTT can always be deleted) or ask for a retry."""
    rows = job_failures.listing(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [JobFailureOut.model_validate(row, from_attributes=True) for row in rows]


@router.delete("/jobs/failures/{failure_id}", status_code=status.HTTP_204_NO_CONTENT)
def retry_job_failure(failure_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Clear the record: the job tries the item again on its next pass."""
    job_failures.retry(db, user_id=user.id, failure_id=failure_id)
