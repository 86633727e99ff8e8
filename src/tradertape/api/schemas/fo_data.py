"""NSE F&O bhavcopies: what an upload stored, and what the install holds."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class FoImportOut(BaseModel):
    """What one uploaded file (a day's bhavcopy, or a zip of days) stored."""

    filename: str
    files: int = Field(description="CSV files read (a zip may hold many days)")
    days: list[date] = Field(description="trade dates stored")
    underlyings: list[str]
    rows: int = Field(description="contracts stored")
    replaced_days: int = Field(description="underlying-days stored before: replaced, never doubled")
    skipped: int = Field(description="rows of an instrument type other than OPTIDX/OPTSTK/FUT*")
    formats: dict[str, int] = Field(description="layout (udiff, legacy) → files")


class FoMonthOut(BaseModel):
    """Trading days of a month stored for an underlying."""

    month: str = Field(description="YYYY-MM")
    days: int


class FoUnderlyingOut(BaseModel):
    """One underlying's stored days and the expiries listed on them."""

    underlying: str
    days: int
    first: date
    last: date
    months: list[FoMonthOut]
    expiries: list[date]
    rows: int


class FoCoverageOut(BaseModel):
    """The F&O bhavcopies the install holds, by underlying."""

    days: list[date] = Field(description="every trade date stored, any underlying")
    underlyings: list[FoUnderlyingOut]
