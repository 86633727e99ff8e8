"""NSE's F&O bhavcopies (`candles.fo_store`): an administrator uploads them (the data is the
install's, read by every user's backtests and journal), everyone sees what is held.

The upload takes one file a request (a day's ``.csv``, or a ``.zip`` of days, as NSE serves
them); the Uploads page sends a folder's files one by one and shows its progress. Each file is
read and checked whole before anything is stored; a day stored before is replaced."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status

from tradertape.api.deps import AdminUser, CurrentUser, RuntimeDep, client_file_name
from tradertape.api.job_slots import UploadSlot
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.fo_data import FoCoverageOut, FoImportOut, FoMonthOut, FoUnderlyingOut
from tradertape.candles.fo_bhavcopy import files_of_upload
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_store import FoStore
from tradertape.services.journal.uploads import MAX_FILE_BYTES, FileTooLarge

router = APIRouter(tags=["market"])

_BINARY = {"type": "string", "format": "binary", "maxLength": MAX_FILE_BYTES}


@router.post(
    "/uploads/fo-bhavcopy",
    response_model=FoImportOut,
    status_code=status.HTTP_201_CREATED,
    responses=HEAVY_JOB_RESPONSES,
)
def upload_fo_bhavcopy(
    file: Annotated[
        UploadFile,
        File(
            description="NSE F&O bhavcopy: BhavCopy_NSE_FO_…_F_0000.csv or fo<DD><MON><YYYY>"
            "bhav.csv, or a .zip of them",
            json_schema_extra=_BINARY,
        ),
    ],
    admin: AdminUser,
    runtime: RuntimeDep,
    _slot: UploadSlot,
) -> FoImportOut:
    """Import an NSE F&O bhavcopy (UDiFF or legacy layout, a CSV or a zip of days) into the
    install's F&O store (administrators). A day imported again replaces itself. A file that
    is no F&O bhavcopy, or has a bad row, is a 422 naming the row and column; past the size
    limit, a 413; nothing of it is stored."""
    limit = min(MAX_FILE_BYTES, runtime.settings.max_upload_file_bytes)
    content = file.file.read(limit + 1)
    name = client_file_name(file.filename)
    if len(content) > limit:
        raise FileTooLarge(f"file: {name} is larger than {limit / 1_048_576:g} MB")
    store = FoStore.in_data_folder(runtime.settings.data_dir)
    report = import_fo_bhavcopies(store, files_of_upload(name, content), whole=True)
    return FoImportOut(
        filename=name,
        files=report.files,
        days=list(report.days),
        underlyings=list(report.underlyings),
        rows=report.rows,
        replaced_days=report.replaced_days,
        skipped=report.skipped,
        formats=report.formats,
    )


@router.get("/market/fo/coverage", response_model=FoCoverageOut)
def fo_coverage(user: CurrentUser, runtime: RuntimeDep) -> FoCoverageOut:
    """Which trading days and expiries of each underlying's F&O bhavcopy are imported."""
    store = FoStore.in_data_folder(runtime.settings.data_dir)
    underlyings: list[FoUnderlyingOut] = []
    every: set[date] = set()
    for held in store.coverage():
        if not held.days:
            continue
        every.update(held.days)
        months: dict[str, int] = {}
        for day in held.days:
            months[f"{day:%Y-%m}"] = months.get(f"{day:%Y-%m}", 0) + 1
        underlyings.append(
            FoUnderlyingOut(
                underlying=held.underlying,
                days=len(held.days),
                first=held.days[0],
                last=held.days[-1],
                months=[FoMonthOut(month=m, days=n) for m, n in sorted(months.items())],
                expiries=list(held.expiries),
                rows=held.rows,
            )
        )
    return FoCoverageOut(days=sorted(every), underlyings=underlyings)
