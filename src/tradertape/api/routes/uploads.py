"""Uploads: broker tradebooks and ledgers, and CAS PDFs, into the journal
(`services.journal.uploads`). Multipart bodies: ``files[]`` for tradebooks, ``file`` for a
ledger or a CAS (with its ``password``); ``obfuscated`` marks an agent's scaled upload.

The three ``POST`` routes take the local agent's key as well as a browser session: the agent
forwards the files picked on its Uploads page (docs/agent-api.md, "Uploads through the
agent"). A scaled file from the agent must name its factor's fingerprint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, UploadFile, status
from sqlalchemy.orm import Session

from tradertape.api.deps import (
    CurrentUser,
    DbDep,
    PageDep,
    RuntimeDep,
    Uploader,
    UploaderDep,
    client_file_name,
)
from tradertape.api.job_slots import UploadSlot
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.uploads import (
    RowErrorOut,
    UploadBatchOut,
    UploadOut,
    UploadReportOut,
)
from tradertape.db.models.journal import TradeUpload
from tradertape.errors import InvalidField, ServiceUnavailable
from tradertape.journal.statements import LEDGER, TRADEBOOK
from tradertape.runtime import Runtime
from tradertape.services.agent import snapshots
from tradertape.services.journal import ledger, uploads

router = APIRouter(tags=["uploads"])

# Documented bounds (the server checks each file's size itself: `max_upload_file_bytes`).
_BINARY = {"type": "string", "format": "binary", "maxLength": uploads.MAX_FILE_BYTES}
Obfuscated = Annotated[
    bool, Form(description="the agent scaled the quantities; they are stored as sent")
]
Fingerprint = Annotated[
    str | None,
    Form(
        min_length=16,
        max_length=64,
        pattern=r"^[0-9a-f]+$",
        description="with obfuscated: the agent factor's fingerprint; the account keeps the "
        "first and refuses a file scaled with another factor (409)",
    ),
]


def _scaled(db: Session, who: Uploader, obfuscated: bool, fingerprint: str | None) -> bool:
    """An obfuscated upload that names its factor's fingerprint is checked against the
    account's (`snapshots.check_fingerprint`: the first is kept, another refused); the
    agent's must name it."""
    if obfuscated and fingerprint is None and who.agent is not None:
        raise InvalidField(
            "factor_fingerprint", "required with obfuscated=true (the agent factor's fingerprint)"
        )
    if obfuscated and fingerprint is not None:
        snapshots.check_fingerprint(db, user_id=who.user_id, fingerprint=fingerprint)
    return obfuscated


def _file(upload: UploadFile) -> uploads.UploadedFile:
    return uploads.UploadedFile(
        filename=client_file_name(upload.filename), content=upload.file.read()
    )


def _journal_after(
    background: BackgroundTasks,
    runtime: Runtime,
    user_id: int,
    reports: Sequence[uploads.UploadReport],
) -> None:
    """When the upload added rows, recompute the user's journal once the answer is sent: the
    Journal's first page then reads a kept book (`ledger.refresh`), and the upload's report
    does not wait for the FIFO replay (a page that comes first computes it itself)."""
    if any(r.rows_added for r in reports):
        background.add_task(_journal_now, runtime, user_id)


def _journal_now(runtime: Runtime, user_id: int) -> None:
    try:
        reference = ledger.Reference.load(runtime.settings.data_dir)
    except ServiceUnavailable:
        return  # the journal's pages say what is wrong with the operator's file
    today = ledger.ist_today(runtime.clock.now())
    with runtime.db.session() as db:
        ledger.refresh(db, user_id=user_id, reference=reference, today=today)


def _upload_out(row: TradeUpload) -> UploadOut:
    return UploadOut.model_validate(row, from_attributes=True)


def _report(report: uploads.UploadReport) -> UploadReportOut:
    return UploadReportOut(
        filename=report.filename,
        kind=report.kind,
        status=report.status,
        broker=report.broker,
        account_code=report.account_code,
        segment=report.segment,
        rows_read=report.rows_read,
        rows_added=report.rows_added,
        duplicates=report.duplicates,
        skipped=report.skipped,
        errors=[RowErrorOut(row=e.row, reason=e.reason) for e in report.errors],
        upload=_upload_out(report.upload) if report.upload is not None else None,
    )


@router.post(
    "/uploads/tradebook",
    response_model=UploadBatchOut,
    status_code=status.HTTP_201_CREATED,
    responses=HEAVY_JOB_RESPONSES,
)
def upload_tradebooks(
    files: Annotated[
        list[UploadFile],
        File(
            alias="files[]",
            description=f"XLSX or CSV files, at most {uploads.MAX_FILES}",
            json_schema_extra={"items": _BINARY, "maxItems": uploads.MAX_FILES},
        ),
    ],
    who: UploaderDep,
    runtime: RuntimeDep,
    _slot: UploadSlot,
    db: DbDep,
    background: BackgroundTasks,
    obfuscated: Obfuscated = False,
    factor_fingerprint: Fingerprint = None,
) -> UploadBatchOut:
    """Tradebooks (Zerodha Console EQ/FO, Upstox trade report, Groww order history), many at
    once, each imported whole or rejected with its rows' errors. A file that is no tradebook
    (not a spreadsheet, another layout, past 50 MB) is a 4xx naming it, and nothing is
    stored. The local agent sends them with its key (scaled when obfuscation is on)."""
    reports = uploads.import_statements(
        db,
        [_file(f) for f in files],
        kind=TRADEBOOK,
        field_name="files[]",
        user_id=who.user_id,
        obfuscated=_scaled(db, who, obfuscated, factor_fingerprint),
        clock=runtime.clock,
        max_file_bytes=runtime.settings.max_upload_file_bytes,
    )
    _journal_after(background, runtime, who.user_id, reports)
    return UploadBatchOut(files=[_report(r) for r in reports])


@router.post(
    "/uploads/ledger",
    response_model=UploadReportOut,
    status_code=status.HTTP_201_CREATED,
    responses=HEAVY_JOB_RESPONSES,
)
def upload_ledger(
    file: Annotated[
        UploadFile, File(description="Zerodha ledger, XLSX or CSV", json_schema_extra=_BINARY)
    ],
    who: UploaderDep,
    runtime: RuntimeDep,
    _slot: UploadSlot,
    db: DbDep,
    background: BackgroundTasks,
    obfuscated: Obfuscated = False,
    factor_fingerprint: Fingerprint = None,
) -> UploadReportOut:
    """A Zerodha ledger; lines already stored are skipped. The local agent sends it with
    its key (scaled when obfuscation is on)."""
    (report,) = uploads.import_statements(
        db,
        [_file(file)],
        kind=LEDGER,
        field_name="file",
        user_id=who.user_id,
        obfuscated=_scaled(db, who, obfuscated, factor_fingerprint),
        clock=runtime.clock,
        max_file_bytes=runtime.settings.max_upload_file_bytes,
    )
    _journal_after(background, runtime, who.user_id, [report])
    return _report(report)


@router.post(
    "/uploads/cas",
    response_model=UploadReportOut,
    status_code=status.HTTP_201_CREATED,
    responses=HEAVY_JOB_RESPONSES,
)
def upload_cas(
    file: Annotated[
        UploadFile,
        File(description="CAS PDF (CAMS, KFintech, NSDL, CDSL)", json_schema_extra=_BINARY),
    ],
    password: Annotated[str, Form(max_length=64, description="the PDF's password (often PAN)")],
    who: UploaderDep,
    runtime: RuntimeDep,
    _slot: UploadSlot,
    db: DbDep,
    obfuscated: Obfuscated = False,
    factor_fingerprint: Fingerprint = None,
) -> UploadReportOut:
    """A Consolidated Account Statement read by casparser: folios, schemes, transactions and
    holdings are kept; the PDF is not. A wrong password is a 422 naming ``password``."""
    report = uploads.import_cas(
        db,
        _file(file),
        password=password,
        user_id=who.user_id,
        obfuscated=_scaled(db, who, obfuscated, factor_fingerprint),
        clock=runtime.clock,
        max_file_bytes=runtime.settings.max_upload_file_bytes,
    )
    return _report(report)


@router.get("/uploads", response_model=list[UploadOut])
def list_uploads(user: CurrentUser, db: DbDep, page: PageDep) -> list[UploadOut]:
    """Your uploads, newest first."""
    rows = uploads.listing(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_upload_out(row) for row in rows]


@router.get("/uploads/{upload_id}", response_model=UploadOut)
def get_upload(upload_id: RowId, user: CurrentUser, db: DbDep) -> UploadOut:
    """One of your uploads."""
    return _upload_out(uploads.get(db, upload_id, user_id=user.id))


@router.delete("/uploads/{upload_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_upload(upload_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete an upload and every trade, ledger line and CAS row it brought."""
    uploads.remove(db, upload_id, user_id=user.id)
