"""Imports of public market files a user keeps for themselves: AMFI NAVs (wealth), index
closes (the journal's benchmark) and 31-Jan-2018 fair market values (tax grandfathering).

Each file is read whole before anything is stored: a bad file is a 4xx naming the field
``file`` and the line, and nothing changes. A value already stored for the same key (a
scheme-day, an index-day, an ISIN) is replaced by the newer file's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import CasHoldingRow, FairValue, FundNav, IndexClose, UploadedTrade
from tradertape.errors import InvalidField
from tradertape.journal.benchmark import BadIndexFile, parse_index_closes
from tradertape.journal.fmv import BadFmvFile, parse_fmv_rows
from tradertape.journal.navs import BadNavFile, parse_navs

MAX_FILE_BYTES = 50 * 1024 * 1024
GRANDFATHER_DAY = date(2018, 1, 31)


def _text(content: bytes, *, max_bytes: int) -> str:
    if not content:
        raise InvalidField("file", "the file is empty")
    if len(content) > max_bytes:
        raise InvalidField("file", f"the file is past {max_bytes // 1_048_576} MB")
    if b"\x00" in content[:65536]:
        raise InvalidField("file", "not a text file (CSV or TXT)")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            raise InvalidField("file", "not a text file (CSV or TXT)") from None


@dataclass(frozen=True, slots=True)
class NavReport:
    rows_read: int
    rows_added: int
    skipped: int
    days: list[date]
    matched: int
    unmatched: list[str]


def import_navs(db: Session, content: bytes, *, user_id: int, max_bytes: int) -> NavReport:
    """AMFI's ``NAVAll.txt`` into the user's NAVs (commits)."""
    try:
        navs, skipped = parse_navs(_text(content, max_bytes=max_bytes))
    except BadNavFile as problem:
        raise InvalidField("file", str(problem)) from None
    if not navs:
        raise InvalidField("file", "no NAV rows: is this AMFI's NAVAll.txt?")
    days = sorted({n.day for n in navs})
    kept = {
        (row.amfi, row.day): row
        for row in db.scalars(
            select(FundNav).where(FundNav.user_id == user_id, FundNav.day.in_(days))
        )
    }
    added = 0
    for nav in navs:
        row = kept.get((nav.amfi, nav.day))
        if row is None:
            row = FundNav(user_id=user_id, amfi=nav.amfi, day=nav.day, nav=nav.nav, scheme="")
            kept[nav.amfi, nav.day] = row
            db.add(row)
            added += 1
        row.isin, row.isin_reinvest, row.scheme, row.nav = (
            nav.isin,
            nav.isin_reinvest,
            nav.scheme,
            nav.nav,
        )
    db.commit()
    known = {n.amfi for n in navs} | {n.isin for n in navs if n.isin}
    known |= {n.isin_reinvest for n in navs if n.isin_reinvest}
    funds = db.execute(
        select(CasHoldingRow.name, CasHoldingRow.amfi, CasHoldingRow.isin).where(
            CasHoldingRow.user_id == user_id, CasHoldingRow.kind == "mf"
        )
    ).all()
    schemes = {name: (amfi in known or isin in known) for name, amfi, isin in funds}
    return NavReport(
        rows_read=len(navs) + skipped,
        rows_added=added,
        skipped=skipped,
        days=days,
        matched=sum(schemes.values()),
        unmatched=sorted(name for name, ok in schemes.items() if not ok),
    )


@dataclass(frozen=True, slots=True)
class IndexReport:
    names: list[str]
    rows_read: int
    rows_added: int
    first: date
    last: date


def import_index_closes(
    db: Session, content: bytes, *, user_id: int, name: str | None, max_bytes: int
) -> IndexReport:
    """An index's (or a fund's) daily closes (commits): NSE's historical index CSV, the
    daily ``ind_close_all`` bhavcopy (every index of a day), or ``date,close``."""
    try:
        rows = parse_index_closes(_text(content, max_bytes=max_bytes), name=name)
    except BadIndexFile as problem:
        raise InvalidField("file", str(problem)) from None
    except ValueError as problem:  # the name is needed and missing
        raise InvalidField("name", str(problem)) from None
    names = sorted({r[0] for r in rows})
    kept = {
        (row.name, row.day): row
        for row in db.scalars(
            select(IndexClose).where(IndexClose.user_id == user_id, IndexClose.name.in_(names))
        )
    }
    added = 0
    for index, day, close in rows:
        row = kept.get((index, day))
        if row is None:
            row = IndexClose(user_id=user_id, name=index, day=day, close=close)
            kept[index, day] = row
            db.add(row)
            added += 1
        row.close = close
    db.commit()
    return IndexReport(names, len(rows), added, min(r[1] for r in rows), max(r[1] for r in rows))


def index_names(db: Session, *, user_id: int) -> list[tuple[str, date, date, int]]:
    """The user's imported series: name, first and last day, count."""
    from sqlalchemy import func

    query = (
        select(IndexClose.name, func.min(IndexClose.day), func.max(IndexClose.day), func.count())
        .where(IndexClose.user_id == user_id)
        .group_by(IndexClose.name)
        .order_by(IndexClose.name)
    )
    return [(n, a, b, c) for n, a, b, c in db.execute(query).all()]


def index_closes(db: Session, *, user_id: int, name: str) -> list[tuple[date, Decimal]]:
    query = (
        select(IndexClose.day, IndexClose.close)
        .where(IndexClose.user_id == user_id, IndexClose.name == name)
        .order_by(IndexClose.day)
    )
    return [(d, c) for d, c in db.execute(query).all()]


@dataclass(frozen=True, slots=True)
class FmvReport:
    rows_read: int
    rows_added: int
    rows_updated: int
    needed: int
    unmatched: list[str]


def user_fmv(db: Session, *, user_id: int) -> dict[str, Decimal]:
    """The user's imported FMVs, ISIN → value."""
    query = select(FairValue.isin, FairValue.fmv).where(FairValue.user_id == user_id)
    found: dict[str, Decimal] = {}
    for isin, fmv in db.execute(query):
        found[isin] = fmv
    return found


def needed_isins(db: Session, *, user_id: int) -> set[str]:
    """ISINs of equity the user bought on or before 31 January 2018 (their sale needs the
    FMV)."""
    query = (
        select(UploadedTrade.isin)
        .where(
            UploadedTrade.user_id == user_id,
            UploadedTrade.segment == "EQ",
            UploadedTrade.side == "buy",
            UploadedTrade.trade_date <= GRANDFATHER_DAY,
            UploadedTrade.isin.is_not(None),
        )
        .distinct()
    )
    return {isin for (isin,) in db.execute(query).all() if isin}


def import_fmv(
    db: Session, content: bytes, *, user_id: int, shipped: Iterable[str], max_bytes: int
) -> FmvReport:
    """A 31-Jan-2018 FMV file, ``isin,symbol,fmv`` (commits). The report names the ISINs
    your pre-2018 buys need that neither this file, an earlier one, nor the shipped file
    covers."""
    try:
        rows = parse_fmv_rows(_text(content, max_bytes=max_bytes), source="file")
    except BadFmvFile as problem:
        raise InvalidField("file", str(problem)) from None
    if not rows:
        raise InvalidField("file", "no rows: the header is isin,symbol,fmv")
    kept = {
        row.isin: row for row in db.scalars(select(FairValue).where(FairValue.user_id == user_id))
    }
    added = updated = 0
    for isin, symbol, fmv in rows:
        row = kept.get(isin)
        if row is None:
            row = FairValue(user_id=user_id, isin=isin, symbol=symbol, fmv=fmv)
            kept[isin] = row
            db.add(row)
            added += 1
        else:
            updated += row.fmv != fmv
            row.fmv, row.symbol = fmv, symbol or row.symbol
    db.commit()
    needed = needed_isins(db, user_id=user_id)
    covered = set(kept) | set(shipped)
    return FmvReport(len(rows), added, updated, len(needed), sorted(needed - covered))


@dataclass(frozen=True, slots=True)
class FmvStatus:
    imported: int
    needed: int
    unmatched: list[str]


def fmv_status(db: Session, *, user_id: int, shipped: Iterable[str]) -> FmvStatus:
    """The user's FMVs and the ISINs their pre-2018 buys still need."""
    mine = user_fmv(db, user_id=user_id)
    needed = needed_isins(db, user_id=user_id)
    return FmvStatus(len(mine), len(needed), sorted(needed - set(mine) - set(shipped)))
