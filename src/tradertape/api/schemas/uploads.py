"""Upload answers: what became of each file sent, and the uploads kept."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.times import UtcDateTime


class RowErrorOut(BaseModel):
    """A row that could not be read; ``row`` counts from 1 as a spreadsheet does."""

    row: int
    reason: str


class UploadOut(BaseModel):
    """An upload kept: the file's kind, source and what it added (the file is not kept)."""

    id: int
    kind: Literal["tradebook", "ledger", "cas", "simulation"]
    broker: str = Field(description="zerodha, upstox, groww; for a CAS: CAMS, KFINTECH, NSDL, CDSL")
    filename: str
    account_code: str | None
    segment: str | None = Field(description="EQ, FO, ... when the file says (tradebooks)")
    date_from: date | None
    date_to: date | None
    rows_read: int
    rows_added: int
    duplicates: int = Field(description="rows already stored (an earlier upload), skipped")
    skipped: int = Field(description="rows that are no trade: a cancelled order, a balance line")
    obfuscated: bool = Field(description="quantities scaled by the agent, stored as sent")
    warnings: list[str]
    created_at: UtcDateTime


class UploadReportOut(BaseModel):
    """One file's outcome: ``imported`` (``upload`` is what was kept) or ``rejected``
    (``errors`` says which rows and why; nothing of the file was stored)."""

    filename: str
    kind: Literal["tradebook", "ledger", "cas", "simulation"]
    status: Literal["imported", "rejected"]
    broker: str
    account_code: str | None
    segment: str | None
    rows_read: int
    rows_added: int
    duplicates: int
    skipped: int
    errors: list[RowErrorOut]
    upload: UploadOut | None


class UploadBatchOut(BaseModel):
    """A report per file, in the order sent."""

    files: list[UploadReportOut]
