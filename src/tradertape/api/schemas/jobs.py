"""Background job failure shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tradertape.api.schemas.times import UtcDateTime


class JobFailureOut(BaseModel):
    """One of your items a background job keeps failing on."""

    id: int
    job: str = Field(description="the job, e.g. gtt.fire, session.release_amos, portfolio.scan")
    item: str = Field(description="what it failed on, e.g. gtt:12, order:260105000001")
    failures: int = Field(description="failures in a row (a success clears the record)")
    error: str = Field(description="the latest error")
    first_failed_at: UtcDateTime
    last_failed_at: UtcDateTime
    quarantined_at: UtcDateTime | None = Field(
        description="when the job stopped trying it; null: it is still tried every pass"
    )
