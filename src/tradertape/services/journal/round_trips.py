"""The journal's P&L: FIFO round trips and open positions of the user (or their family
group's members), as ``GET /api/journal/pnl`` and the assistant's ``journal_pnl`` tool read
them, computed here once.

`pnl_books` answers the books as counted (real trades only unless asked), optionally
narrowed first by `TripFilter`: the assistant asks "what did my NIFTY options make this
expiry?" with an underlying and an expiry, and every figure, the paper trips left out
included, is of the narrowed books.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tradertape.domain.expiry import contract_of
from tradertape.domain.instrument_names import derivative_terms
from tradertape.journal import trip_table
from tradertape.journal.analytics import Trade
from tradertape.journal.pnl import Book, OpenPosition, RoundTrip
from tradertape.journal.tax import YearPnl
from tradertape.journal.trip_table import Totals, TripQuery
from tradertape.services.family import groups
from tradertape.services.journal import expiries, ledger

_BSE_UNDERLYINGS = ("SENSEX", "BANKEX")  # their monthly contracts expire on BSE's weekday
_HOLIDAY_SHIFT = timedelta(days=3)


def _expires_on(named: date, day: int | None, asked: date) -> bool:
    """Whether a contract whose symbol names `named` expires on `asked`: a weekly's symbol
    names its day; a monthly's is the month's last expiry weekday, which a holiday moves a
    day or two earlier (the round trip does not carry the day its tradebook gave)."""
    if day is not None:
        return named == asked
    return asked.month == named.month and timedelta(0) <= named - asked <= _HOLIDAY_SHIFT


@dataclass(frozen=True, slots=True)
class TripFilter:
    """Which round trips and open positions to keep (None: any).

    ``underlying``: an F&O contract's underlying (``NIFTY``) or a share's symbol;
    ``expiry``: an F&O contract's expiry day; ``start``/``end``: the IST day a trip closed
    (an open position is kept whatever the dates); ``segment``: ``EQ`` or ``FO``.
    """

    underlying: str | None = None
    expiry: date | None = None
    start: date | None = None
    end: date | None = None
    segment: str | None = None

    def keeps_symbol(self, symbol: str, segment: str) -> bool:
        """Whether a symbol of `segment` passes the underlying, expiry and segment tests."""
        if self.segment is not None and segment != self.segment:
            return False
        if self.underlying is None and self.expiry is None:
            return True
        terms = derivative_terms(symbol) if segment == "FO" else None
        if self.underlying is not None:
            named = terms.underlying if terms is not None else symbol.upper()
            if named != self.underlying.strip().upper():
                return False
        if self.expiry is not None:
            if terms is None:
                return False
            contract = contract_of(
                symbol,
                expiry=None,
                indices=expiries.index_names(),
                bse=terms.underlying in _BSE_UNDERLYINGS,
            )
            if contract is None or not _expires_on(contract.expiry, terms.day, self.expiry):
                return False
        return True

    def keeps_trip(self, trip: RoundTrip) -> bool:
        if self.start is not None and trip.closed < self.start:
            return False
        if self.end is not None and trip.closed > self.end:
            return False
        return self.keeps_symbol(trip.symbol, trip.segment)

    def keeps_open(self, position: OpenPosition) -> bool:
        return self.keeps_symbol(position.symbol, position.segment)

    def narrowed(self, book: Book) -> Book:
        """`book` with only what passes."""
        return replace(
            book,
            trips=[t for t in book.trips if self.keeps_trip(t)],
            open=[p for p in book.open if self.keeps_open(p)],
        )


@dataclass(frozen=True, slots=True)
class PnlBooks:
    """Each person's book as counted (``who`` names a family member, else None), and how
    many of the paper account's round trips were left out."""

    include_paper: bool
    books: list[tuple[str | None, Book]]
    paper_round_trips: int

    @property
    def trips(self) -> list[RoundTrip]:
        return [t for _, b in self.books for t in b.trips]


def pnl_books(
    db: Session,
    *,
    user_id: int,
    group_id: int | None,
    members: list[int] | None,
    reference: ledger.Reference,
    today: date,
    marks: ledger.Marks,
    include_paper: bool,
    only: TripFilter | None = None,
) -> PnlBooks:
    """The user's journal (with `group_id`, the chosen members' of their family group, each
    named), real trades only unless `include_paper`, narrowed by `only`. Committed: call it
    with nothing else of the session's uncommitted (the books are kept in the database)."""
    _, people = groups.visible_members(db, user_id=user_id, group_id=group_id, chosen=members)
    named = group_id is not None
    whole: list[tuple[str | None, Book]] = [
        (
            (p.name or p.email) if named else None,
            ledger.book(
                db,
                user_id=p.user_id,
                reference=reference,
                today=today,
                marks=marks,
                keep=True,
            ),
        )
        for p in people
    ]
    if only is not None:
        whole = [(who, only.narrowed(b)) for who, b in whole]
    counted = [(who, ledger.counted(b, include_paper=include_paper)) for who, b in whole]
    left_out = sum(len(b.trips) for _, b in whole) - sum(len(b.trips) for _, b in counted)
    return PnlBooks(include_paper=include_paper, books=counted, paper_round_trips=left_out)


@dataclass(frozen=True, slots=True)
class PnlPage:
    """The P&L page: the counted books' totals and years (from their kept sums), one page
    of round trips as `query` asks with the totals of all it keeps, and the open positions
    (``who`` names a family member, else None)."""

    include_paper: bool
    paper_round_trips: int
    whole: Totals
    years: list[YearPnl]
    query: TripQuery
    matched: Totals
    rows: list[tuple[str | None, RoundTrip]]
    open: list[tuple[str | None, OpenPosition]]
    applied: list[str]


def pnl_page(
    db: Session,
    *,
    user_id: int,
    group_id: int | None,
    members: list[int] | None,
    reference: ledger.Reference,
    today: date,
    marks: ledger.Marks | None,
    include_paper: bool,
    query: TripQuery,
) -> PnlPage:
    """The P&L page of the user's journal (with `group_id`, the chosen members' of their
    family group, each named), real trades only unless `include_paper`: the same figures as
    `pnl_books`, with only `query`'s page of round trips built. Committed, as
    `pnl_books`."""
    _, people = groups.visible_members(db, user_id=user_id, group_id=group_id, chosen=members)
    named = group_id is not None
    read = [
        (
            (p.name or p.email) if named else None,
            ledger.pages(db, user_id=p.user_id, reference=reference, today=today, marks=marks),
        )
        for p in people
    ]
    sums = [g for _, r in read for g in r.sums]
    counted = trip_table.counted(sums, include_paper=include_paper)
    listed = trip_table.page([r.trips for _, r in read], query, include_paper=include_paper)
    return PnlPage(
        include_paper=include_paper,
        paper_round_trips=trip_table.totals(sums).trips - trip_table.totals(counted).trips,
        whole=trip_table.totals(counted),
        years=trip_table.years_of(counted),
        query=query,
        matched=trip_table.totals(counted, query),
        rows=[(read[n][0], trip) for n, trip in listed.rows],
        open=[
            (who, p)
            for who, r in read
            for p in r.open
            if include_paper or not ledger.is_paper_account(p.account)
        ],
        applied=[a for _, r in read for a in r.applied],
    )


def closed_trades(
    db: Session,
    *,
    user_id: int,
    group_id: int | None,
    members: list[int] | None,
    reference: ledger.Reference,
    today: date,
    include_paper: bool,
) -> list[Trade]:
    """Every close of the user's journal (with `group_id`, the chosen members'), as the
    Edge Finder and Patterns judge them: real trades only unless `include_paper`."""
    _, people = groups.visible_members(db, user_id=user_id, group_id=group_id, chosen=members)
    found = ledger.closes_of(
        db, user_ids=[p.user_id for p in people], reference=reference, today=today, keep=True
    )
    return [t for t in found if include_paper or not ledger.is_paper_account(t.account)]
