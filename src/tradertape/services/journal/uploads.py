"""Uploads: broker statements and CAS PDFs read into the journal, each file all or nothing.

A request's files are all read first. A file that is no statement at all (not a
spreadsheet, a layout we do not know, larger than `MAX_FILE_BYTES`, a CAS whose password
is wrong) refuses the whole request with a 4xx naming the file, and nothing is stored. A
statement whose rows have problems is reported ``rejected`` with each row's number and
reason, and none of its rows is stored; the request's other files are still imported. An
imported file's rows already stored (by an earlier upload, or an earlier file of this one)
are counted as duplicates and skipped, so uploading the same files again adds nothing.

A CAS PDF is read in memory by casparser and dropped; only what it holds is stored.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db import journal_version
from tradertape.db.models.journal import (
    CasHoldingRow,
    FundTransaction,
    LedgerLine,
    TradeUpload,
    UploadedTrade,
)
from tradertape.domain.calendar import IST
from tradertape.errors import Conflict, InvalidField, TraderTapeError
from tradertape.journal.cas import CasStatement, from_casparser
from tradertape.journal.sheets import NotASpreadsheet, SheetTooLarge, read_sheet
from tradertape.journal.statements import (
    TRADEBOOK,
    RowError,
    Statement,
    WrongLayout,
    parse_statement,
)
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.journal import cas_child

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FILES = 50
MAX_CAS_PAGES = 300
"""A CAS of a family's every folio runs to tens of pages; casparser reads each (about a
millisecond a page), so the page count bounds the time a PDF may take."""
_IN_CHUNK = 500
IMPORTED = "imported"
REJECTED = "rejected"
CAS = "cas"


class FileTooLarge(TraderTapeError):
    """A file past `MAX_FILE_BYTES`."""

    status_code = 413


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file as the request carried it."""

    filename: str
    content: bytes


@dataclass(slots=True)
class UploadReport:
    """What became of one file."""

    filename: str
    kind: str
    status: str
    broker: str
    upload: TradeUpload | None = None
    account_code: str | None = None
    segment: str | None = None
    rows_read: int = 0
    rows_added: int = 0
    duplicates: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


CasReader = Callable[[io.BytesIO, str], Any]
_T = TypeVar("_T")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_size(field_name: str, upload: UploadedFile, limit: int) -> None:
    if len(upload.content) > limit:
        raise FileTooLarge(
            f"{field_name}: {upload.filename} is {len(upload.content) / 1_048_576:.2f} MB; "
            f"a file may be at most {limit / 1_048_576:g} MB"
        )


def _read(field_name: str, upload: UploadedFile, kind: str, limit: int, clock: Clock) -> Statement:
    _check_size(field_name, upload, limit)
    try:
        return parse_statement(
            read_sheet(upload.content),
            kind=kind,
            filename=upload.filename,
            today=clock.now().astimezone(IST).date(),
        )
    except NotASpreadsheet as problem:
        raise InvalidField(
            field_name, f"{upload.filename} is {problem}; upload the XLSX or CSV export"
        ) from None
    except (SheetTooLarge, WrongLayout) as problem:
        raise InvalidField(field_name, f"{upload.filename}: {problem}") from None


def _once(db: Session, store: Callable[[], _T]) -> _T:
    """`store` and commit; when a concurrent upload of the same rows committed first (a
    dedupe key's unique index refuses ours), once more, now counting those rows as
    duplicates; a third writer in between is a 409 to retry, never a 500."""
    for attempt in range(2):
        try:
            done = store()
            db.commit()
        except IntegrityError:
            db.rollback()
            if attempt:
                raise Conflict(
                    "the same rows were being uploaded at the same time; send the file again"
                ) from None
        else:
            return done
    raise AssertionError("unreachable")  # pragma: no cover


def _existing(db: Session, model: Any, user_id: int, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        query = select(model.key).where(model.user_id == user_id, model.key.in_(chunk))
        found.update(db.scalars(query))
    return found


def _new_upload(
    statement: Statement | CasStatement,
    *,
    user_id: int,
    filename: str,
    kind: str,
    broker: str,
    obfuscated: bool,
    clock: Clock,
) -> TradeUpload:
    return TradeUpload(
        user_id=user_id,
        kind=kind,
        broker=broker,
        filename=filename[:255],
        account_code=getattr(statement, "account_code", None),
        segment=getattr(statement, "segment", None),
        date_from=statement.date_from,
        date_to=statement.date_to,
        rows_read=0,
        rows_added=0,
        duplicates=0,
        skipped=0,
        obfuscated=obfuscated,
        warnings=list(getattr(statement, "warnings", [])),
        created_at=clock.now(),
    )


def _store_statement(
    db: Session,
    statement: Statement,
    upload: UploadedFile,
    *,
    user_id: int,
    obfuscated: bool,
    clock: Clock,
) -> UploadReport:
    report = UploadReport(
        filename=upload.filename,
        kind=statement.kind,
        status=REJECTED if statement.errors else IMPORTED,
        broker=statement.broker,
        account_code=statement.account_code,
        segment=statement.segment,
        rows_read=statement.rows_read,
        skipped=statement.skipped,
        errors=statement.errors,
    )
    if statement.errors:
        return report
    row = _new_upload(
        statement,
        user_id=user_id,
        filename=upload.filename,
        kind=statement.kind,
        broker=statement.broker,
        obfuscated=obfuscated,
        clock=clock,
    )
    db.add(row)
    db.flush()
    if statement.kind == TRADEBOOK:
        added = _add_trades(db, row, statement)
    else:
        added = _add_ledger(db, row, statement)
    row.rows_read = statement.rows_read
    row.rows_added = added
    row.skipped = statement.skipped
    row.duplicates = statement.rows_read - statement.skipped - added
    report.upload = row
    report.rows_added = added
    report.duplicates = row.duplicates
    return report


def _add_trades(db: Session, upload: TradeUpload, statement: Statement) -> int:
    seen = _existing(db, UploadedTrade, upload.user_id, [t.key for t in statement.trades])
    rows: list[dict[str, Any]] = []
    for trade in statement.trades:
        if trade.key in seen:
            continue
        seen.add(trade.key)
        rows.append(
            {
                "user_id": upload.user_id,
                "upload_id": upload.id,
                "key": trade.key,
                "broker": trade.broker,
                "account_code": statement.account_code,
                "exchange": trade.exchange[:8],
                "segment": trade.segment[:8],
                "symbol": trade.symbol[:64],
                "isin": trade.isin[:16] if trade.isin else None,
                "trade_date": trade.trade_date,
                "executed_at": trade.executed_at,
                "side": trade.side,
                "quantity": trade.quantity,
                "price": trade.price,
                "trade_id": trade.trade_id[:40],
                "order_id": trade.order_id[:40],
                "expiry": trade.expiry,
                "instrument_type": trade.instrument_type,
            }
        )
    if rows:  # one Core executemany (no ORM bookkeeping): a tradebook is thousands of rows
        db.connection().execute(insert(UploadedTrade), rows)
    return len(rows)


def _add_ledger(db: Session, upload: TradeUpload, statement: Statement) -> int:
    account = statement.account_code or ""
    keyed = [(_digest(f"{account}|{entry.key}"), entry) for entry in statement.entries]
    seen = _existing(db, LedgerLine, upload.user_id, [key for key, _ in keyed])
    added = 0
    for key, entry in keyed:
        if key in seen:
            continue
        seen.add(key)
        db.add(
            LedgerLine(
                user_id=upload.user_id,
                upload_id=upload.id,
                key=key,
                account_code=statement.account_code,
                posting_date=entry.posting_date,
                particulars=entry.particulars,
                cost_center=(entry.cost_center or "")[:40] or None,
                voucher_type=(entry.voucher_type or "")[:40] or None,
                debit=entry.debit,
                credit=entry.credit,
                net_balance=entry.net_balance,
            )
        )
        added += 1
    return added


def import_statements(
    db: Session,
    files: Sequence[UploadedFile],
    *,
    kind: str,
    field_name: str,
    user_id: int,
    obfuscated: bool,
    clock: Clock,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> list[UploadReport]:
    """Read every file of `kind` (`TRADEBOOK` or `LEDGER`), then store those without errors."""
    if not files:
        raise InvalidField(field_name, "no file was sent")
    if len(files) > MAX_FILES:
        raise InvalidField(field_name, f"{len(files)} files; at most {MAX_FILES} at once")
    statements = [
        _read(field_name, upload, kind, max_file_bytes, clock) for upload in files
    ]  # all, before storing

    def store() -> list[UploadReport]:
        reports = [
            _store_statement(
                db, statement, upload, user_id=user_id, obfuscated=obfuscated, clock=clock
            )
            for statement, upload in zip(statements, files, strict=True)
        ]
        journal_version.bump(db, [user_id])  # the journal's kept book is computed anew
        return reports

    return _once(db, store)


# ----------------------------------------------------------------------------- CAS


def read_cas_pdf(content: io.BytesIO, password: str) -> Any:
    """casparser's reader (its dict), in a child process bounded in CPU time and memory
    (`cas_child`): a crafted PDF costs that child, not the server."""
    return cas_child.read_bounded(
        content,
        password,
        cpu_s=cas_child.CAS_CPU_SECONDS,  # read when called: an operator (or test) sets them
        memory_bytes=cas_child.CAS_MEMORY_BYTES,
    )


def _page_count(content: bytes, password: str) -> int | None:
    """The PDF's pages as PDFium counts them (the page tree only, no page read); None when
    PDFium cannot open it, for casparser to say why (a wrong password, a damaged file)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(content, password=password or None)
    except pdfium.PdfiumError:
        return None
    try:
        return len(document)
    finally:
        document.close()


def _read_cas(upload: UploadedFile, password: str, reader: CasReader, limit: int) -> CasStatement:
    _check_size("file", upload, limit)
    if not upload.content.startswith(b"%PDF"):
        raise InvalidField("file", f"{upload.filename} is not a PDF; upload the CAS PDF itself")
    pages = _page_count(upload.content, password)
    if pages is not None and pages > MAX_CAS_PAGES:
        raise InvalidField(
            "file", f"{upload.filename} has {pages:,} pages; a CAS may have at most {MAX_CAS_PAGES}"
        )
    import pypdfium2 as pdfium
    from casparser.exceptions import CASParseError, IncorrectPasswordError  # a heavy import

    try:
        data = reader(io.BytesIO(upload.content), password)
    except IncorrectPasswordError:
        raise InvalidField(
            "password", f"the password does not open {upload.filename} (usually your PAN)"
        ) from None
    except CASParseError as problem:
        log.info("CAS %s refused by the reader: %s", upload.filename, problem)
        raise InvalidField("file", _not_a_cas(upload.filename, str(problem))) from None
    except cas_child.CasTooCostly:
        log.info("CAS %s ran past its bounds", upload.filename)
        raise InvalidField(
            "file",
            f"{upload.filename} took more than {cas_child.CAS_CPU_SECONDS} s of CPU or "
            f"{cas_child.CAS_MEMORY_BYTES >> 20:,} MB of memory to read, which no CAS "
            "statement needs; "
            "upload the CAS as CAMS, KFintech, NSDL or CDSL sent it",
        ) from None
    except pdfium.PdfiumError as problem:  # opened, then a page failed (a cyclic page tree)
        log.info("CAS %s refused by PDFium: %s", upload.filename, problem)
        raise InvalidField("file", _not_a_cas(upload.filename, f"PDFium: {problem}")) from None
    return from_casparser(data)


def _not_a_cas(filename: str, problem: str) -> str:
    """Why a PDF is refused, in our words: the reader's own (casparser's, PDFium's) are for
    the log, not for the person who uploaded it."""
    if "PDFium" in problem or "opening PDF" in problem:
        return (
            f"{filename} could not be opened as a PDF (it may be damaged or cut short); "
            "upload the CAS as CAMS, KFintech, NSDL or CDSL sent it"
        )
    return (
        f"{filename} is not a CAS statement we can read "
        "(a PDF that is not a CAMS, KFintech, NSDL or CDSL CAS)"
    )


def import_cas(
    db: Session,
    upload: UploadedFile,
    *,
    password: str,
    user_id: int,
    obfuscated: bool,
    clock: Clock,
    reader: CasReader = read_cas_pdf,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> UploadReport:
    """A CAS PDF's holdings and transactions, stored; the PDF is never kept."""
    statement = _read_cas(upload, password, reader, max_file_bytes)
    report = UploadReport(
        filename=upload.filename,
        kind=CAS,
        status=REJECTED if statement.errors else IMPORTED,
        broker=statement.file_type,
        rows_read=len(statement.transactions) + len(statement.errors),
        errors=statement.errors,
    )
    if statement.errors:
        return report
    return _once(
        db,
        lambda: _store_cas(
            db, statement, upload, report, user_id=user_id, obfuscated=obfuscated, clock=clock
        ),
    )


def _store_cas(
    db: Session,
    statement: CasStatement,
    upload: UploadedFile,
    report: UploadReport,
    *,
    user_id: int,
    obfuscated: bool,
    clock: Clock,
) -> UploadReport:
    row = _new_upload(
        statement,
        user_id=user_id,
        filename=upload.filename,
        kind=CAS,
        broker=statement.file_type,
        obfuscated=obfuscated,
        clock=clock,
    )
    db.add(row)
    db.flush()
    keyed = [(_digest(t.key), t) for t in statement.transactions]
    seen = _existing(db, FundTransaction, user_id, [key for key, _ in keyed])
    added = 0
    for key, txn in keyed:
        if key in seen:
            continue
        seen.add(key)
        added += 1
        db.add(
            FundTransaction(
                user_id=user_id,
                upload_id=row.id,
                key=key,
                folio=txn.folio[:40],
                amc=txn.amc[:120],
                scheme=txn.scheme,
                isin=txn.isin,
                amfi=txn.amfi,
                day=txn.day,
                description=txn.description,
                type=txn.type[:32],
                amount=txn.amount,
                units=txn.units,
                nav=txn.nav,
                balance=txn.balance,
            )
        )
    held = {
        (h.kind, h.folio, h.isin, h.name, h.as_of, h.units)
        for h in db.scalars(owned(CasHoldingRow, user_id=user_id))
    }
    for holding in statement.holdings:
        folio = (holding.folio or "")[:40] or None
        same = (holding.kind, folio, holding.isin, holding.name, holding.as_of, holding.units)
        if same in held:  # the same statement again: its holdings are already here
            continue
        held.add(same)
        db.add(
            CasHoldingRow(
                user_id=user_id,
                upload_id=row.id,
                kind=holding.kind,
                name=holding.name,
                isin=holding.isin,
                amfi=holding.amfi,
                folio=folio,
                units=holding.units,
                price=holding.price,
                value=holding.value,
                cost=holding.cost,
                as_of=holding.as_of,
            )
        )
    row.rows_read = report.rows_read
    row.rows_added = added
    row.duplicates = report.rows_read - added
    report.upload = row
    report.rows_added = added
    report.duplicates = row.duplicates
    return report


# ----------------------------------------------------------------------------- reads


def listing(db: Session, *, user_id: int, limit: int, offset: int) -> list[TradeUpload]:
    """The user's uploads, newest first."""
    query = (
        owned(TradeUpload, user_id=user_id)
        .order_by(TradeUpload.created_at.desc(), TradeUpload.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(query))


def get(db: Session, upload_id: int, *, user_id: int) -> TradeUpload:
    """One of the user's uploads (404 for anyone else's)."""
    return get_owned(db, TradeUpload, upload_id, user_id=user_id, label="upload")


_CHILDREN: Iterable[Any] = (UploadedTrade, LedgerLine, FundTransaction, CasHoldingRow)


def remove(db: Session, upload_id: int, *, user_id: int) -> None:
    """Delete an upload and every row it brought."""
    row = get(db, upload_id, user_id=user_id)
    for model in _CHILDREN:  # explicit: SQLite enforces no foreign key unless told to
        db.execute(delete(model).where(model.upload_id == row.id, model.user_id == user_id))
    db.delete(row)
    journal_version.bump(db, [user_id])
    db.commit()
