"""The journal's trade ledger, P&L and tax P&L of one user, from the database.

The ledger is the user's uploaded tradebook rows and the fills TraderTape booked for them
(paper, and live at a broker), merged by `journal.trades.merge`. Charges are a fill's own
where we booked it, else the uploaded ledger's where it settles the day, else priced by the
charges schedule (`journal.costs`). Corporate actions
and FMVs are the shipped files with the operator's own over them, in the data directory
(``journal/corporate_actions.csv``, ``journal/fmv_2018.csv``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tradertape import __version__
from tradertape.candles import CandleStore
from tradertape.candles.fo_store import FoStore
from tradertape.db import journal_version
from tradertape.db.models.journal import KeptBook, LedgerLine, UploadedTrade
from tradertape.db.models.trading import Trade
from tradertape.domain.calendar import IST
from tradertape.errors import ServiceUnavailable
from tradertape.journal import analytics, costs, packed, tax_answers, trip_table
from tradertape.journal.actions import Action, BadActionsFile, load_actions
from tradertape.journal.expiry import Expiring
from tradertape.journal.fmv import BadFmvFile, load_fmv
from tradertape.journal.pnl import Book, OpenPosition, RoundTrip, fifo
from tradertape.journal.statements import ZERODHA
from tradertape.journal.tax import TaxYear, tax_year
from tradertape.journal.trades import LIVE, PAPER, JournalTrade, merge
from tradertape.oms import LastTick
from tradertape.services.journal import expiries
from tradertape.services.journal.loading import DERIVATIVE_EXCHANGES, uploaded_trades
from tradertape.services.portfolios.dashboard import last_prices
from tradertape.services.wealth.imports import user_fmv

# instrument keys (``NSE:INFY``, ``NFO:NIFTY24DEC24000CE``) → their prices now
Marks = Callable[[list[str]], Mapping[str, Decimal]]


@dataclass(frozen=True, slots=True)
class Reference:
    """The files the journal reads: corporate actions, 31-Jan-2018 FMVs and the imported F&O
    bhavcopies (expired contracts' settlement prices)."""

    actions: list[Action]
    fmv: dict[str, Decimal]
    fo: FoStore | None = None

    @classmethod
    def load(cls, data_dir: Path) -> Reference:
        folder = data_dir.expanduser() / "journal"
        try:
            return cls(
                actions=load_actions(folder / "corporate_actions.csv"),
                fmv=load_fmv(folder / "fmv_2018.csv"),
                fo=FoStore.in_data_folder(data_dir),
            )
        except (BadActionsFile, BadFmvFile, ValueError) as problem:  # the operator's file
            raise ServiceUnavailable(
                f"the journal's reference file is unreadable: {problem}"
            ) from None


def _booked(row: Trade) -> JournalTrade:
    return JournalTrade(
        source=PAPER if row.broker == "paper" else LIVE,
        broker=row.broker,
        account=row.broker,
        exchange=row.exchange,
        segment="FO" if row.exchange in DERIVATIVE_EXCHANGES else "EQ",
        symbol=row.tradingsymbol,
        isin=None,
        day=date.fromisoformat(row.trade_date),
        at=row.filled_at,
        side=row.transaction_type.lower(),
        quantity=Decimal(row.quantity),
        price=row.price,
        trade_id=row.broker_trade_id or "",
        order_id=str(row.order_pk),
        product=row.product,
        charges=row.charges,
        charges_note=row.charges_note,
    )


def journal_trades(db: Session, *, user_id: int) -> list[JournalTrade]:
    """Every trade of the user, in time order, each marked with its source."""
    booked = db.scalars(select(Trade).where(Trade.user_id == user_id))
    return merge(uploaded_trades(db, user_id=user_id), [_booked(r) for r in booked])


def settlements(db: Session, *, user_id: int) -> list[costs.Settlement]:
    """The user's uploaded ledger lines that settle a trade day."""
    query = select(
        LedgerLine.account_code,
        LedgerLine.particulars,
        LedgerLine.cost_center,
        LedgerLine.voucher_type,
        LedgerLine.debit,
        LedgerLine.credit,
    ).where(LedgerLine.user_id == user_id)
    found = []
    for account, particulars, centre, voucher, debit, credit in db.execute(query):
        line = costs.settlement(account or ZERODHA, particulars, centre, voucher, debit - credit)
        if line is not None:
            found.append(line)
    return found


class _Books:
    """The last books computed, per user, with what they were computed from.

    Every journal page starts from the same FIFO book; recomputing it is most of a page's
    time on a long history. A book is reused while its user's rows are unchanged (their
    counts and newest ids: an upload, a delete or a fill changes them), the day and the
    corporate actions are the same. Marks are applied to a copy, never the kept book.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.kept: OrderedDict[int, tuple[str, Book]] = OrderedDict()
        # the analytics' trades of a kept book (Edge Finder, Patterns), made once
        self.closes: dict[int, tuple[str, list[analytics.Trade]]] = {}
        # the kept tax years' bytes of a book (`journal.tax_answers`), read once
        self.years: dict[int, tuple[str, bytes]] = {}
        # what the P&L page reads of a book (`Pages`), read once
        self.pages: dict[int, tuple[str, Pages]] = {}
        self.lock = threading.Lock()

    def get(self, user_id: int, stamp: str) -> Book | None:
        with self.lock:
            found = self.kept.get(user_id)
            if found is None or found[0] != stamp:
                return None
            self.kept.move_to_end(user_id)
            return found[1]

    def put(self, user_id: int, stamp: str, book: Book) -> None:
        with self.lock:
            self.kept[user_id] = (stamp, book)
            self.kept.move_to_end(user_id)
            while len(self.kept) > self.size:
                gone, _ = self.kept.popitem(last=False)
                self.closes.pop(gone, None)
                self.years.pop(gone, None)
                self.pages.pop(gone, None)

    def get_years(self, user_id: int, stamp: str) -> bytes | None:
        with self.lock:
            found = self.years.get(user_id)
            return found[1] if found is not None and found[0] == stamp else None

    def put_years(self, user_id: int, stamp: str, data: bytes) -> None:
        """Keep a user's tax years' bytes, as many users' as books."""
        with self.lock:
            self.years.pop(user_id, None)
            self.years[user_id] = (stamp, data)
            while len(self.years) > self.size:
                self.years.pop(next(iter(self.years)))

    def get_pages(self, user_id: int, stamp: str) -> Pages | None:
        with self.lock:
            found = self.pages.get(user_id)
            return found[1] if found is not None and found[0] == stamp else None

    def put_pages(self, user_id: int, stamp: str, made: Pages) -> None:
        """Keep what a user's P&L page reads, as many users' as books."""
        with self.lock:
            self.pages.pop(user_id, None)
            self.pages[user_id] = (stamp, made)
            while len(self.pages) > self.size:
                self.pages.pop(next(iter(self.pages)))

    def get_closes(self, user_id: int, stamp: str) -> list[analytics.Trade] | None:
        with self.lock:
            found = self.closes.get(user_id)
            return found[1] if found is not None and found[0] == stamp else None

    def put_closes(self, user_id: int, stamp: str, made: list[analytics.Trade]) -> None:
        """Keep a user's analytics' trades (read from the database without their book,
        or made from it), as many users' as books."""
        with self.lock:
            self.closes.pop(user_id, None)
            self.closes[user_id] = (stamp, made)
            while len(self.closes) > self.size:
                self.closes.pop(next(iter(self.closes)))


# per database engine: two databases (tests, a second server) never share a book
_BOOKS: WeakKeyDictionary[Any, _Books] = WeakKeyDictionary()
_BOOKS_LOCK = threading.Lock()


def _books(db: Session) -> _Books:
    engine = db.get_bind()
    with _BOOKS_LOCK:
        books = _BOOKS.get(engine)
        if books is None:
            books = _BOOKS[engine] = _Books()
        return books


def forget_kept() -> None:
    """Drop every kept book and priced day, as a fresh process starts (benchmarks)."""
    with _BOOKS_LOCK:
        _BOOKS.clear()
    costs.forget_priced()


def _stamp(
    db: Session,
    user_id: int,
    reference: Reference,
    today: date,
    expiring: Mapping[str, Expiring],
) -> str:
    """What a user's book depends on, as a digest, read without touching their trades: the
    user's journal version (`db.journal_version`: bumped with every change to their
    uploaded trades and ledger lines and every fill taken back) and newest fill's id (fills
    are only ever added otherwise), two index reads; the code's version and the book's
    packed format too, so a book kept by an older release is never read; and the
    settlement prices of its expired contracts (one entered or imported settles them)."""
    parts: list[Any] = [__version__, packed.FORMAT, today, tuple(reference.actions)]
    parts.append(sorted((symbol, str(e.close)) for symbol, e in expiring.items()))
    parts.extend(journal_version.current(db, user_id))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _stamp_today(db: Session, user_id: int, reference: Reference, today: date) -> str:
    """`_stamp` with the user's contracts expiring by `today` read here (the kept pages'
    lookups, which need nothing else of them)."""
    expiring = expiries.expiring(db, user_id=user_id, today=today, fo=reference.fo)
    return _stamp(db, user_id, reference, today, expiring)


def _kept_data(db: Session, user_id: int, stamp: str) -> bytes | None:
    """The bytes kept in the database under `stamp`, if any (another process computed it)."""
    query = select(KeptBook.book).where(KeptBook.user_id == user_id, KeptBook.stamp == stamp)
    data: bytes | None = db.scalar(query)
    return data


def _kept(db: Session, user_id: int, stamp: str) -> Book | None:
    """The book kept in the database under `stamp`, if any (another process computed it)."""
    data = _kept_data(db, user_id, stamp)
    if data is None:
        return None
    try:
        return packed.unpack(data)
    except ValueError:  # another format: recompute
        return None


def _kept_closes(db: Session, user_id: int, stamp: str) -> list[analytics.Trade] | None:
    """The analytics' trades kept with the book under `stamp`, read without building the
    book (the Edge Finder and Patterns need none of its trips); None when none are kept."""
    data = _kept_data(db, user_id, stamp)
    if data is None:
        return None
    try:
        return packed.unpack_closes(data)
    except ValueError:  # another format: recompute
        return None


def _keep(
    db: Session,
    user_id: int,
    stamp: str,
    computed: Book,
    closes: list[analytics.Trade] | None = None,
    years: bytes | None = None,
) -> None:
    """File the book (and its analytics' trades: made here when not given; and its tax
    years' bytes, when given) in the database under `stamp`, and commit: called only where
    the session holds nothing else uncommitted (`refresh`, after the upload committed; a
    page)."""
    made = analytics.trades_of(computed.trips) if closes is None else closes
    sums = trip_table.pack_sums(trip_table.sums_of(computed.trips))
    data = packed.pack(computed, made, years, sums)
    try:
        db.execute(delete(KeptBook).where(KeptBook.user_id == user_id))
        db.execute(insert(KeptBook).values(user_id=user_id, stamp=stamp, book=data))
        db.commit()
    except (IntegrityError, OperationalError):
        # another process filed the same book first (or holds the write lock): theirs
        # serves as well, and the page needs none of it
        db.rollback()


def book(
    db: Session,
    *,
    user_id: int,
    reference: Reference,
    today: date,
    marks: Marks | None = None,
    keep: bool = False,
) -> Book:
    """Round trips and open positions, open ones marked by `marks` (symbols → prices).

    The book is kept in this process and, with `keep`, in the database (committed: only
    for a session with nothing else uncommitted), where a fresh process finds it."""
    expiring = expiries.expiring(db, user_id=user_id, today=today, fo=reference.fo)
    stamp = _stamp(db, user_id, reference, today, expiring)
    books = _books(db)
    kept = books.get(user_id, stamp)
    if kept is None:
        kept = _kept(db, user_id, stamp)
        if kept is None:
            trades = journal_trades(db, user_id=user_id)
            estimated = costs.estimate(trades)
            trades = [
                replace(t, charges_note=e.note) if (e := estimated.get(i)) and e.note else t
                for i, t in enumerate(trades)
            ]
            charges = {i: e.charges for i, e in estimated.items()}
            lines = settlements(db, user_id=user_id)
            charges.update(costs.from_ledger(trades, lines, estimated))  # the ledger wins
            # STT is statutory: the schedule's stands where the ledger settles the day
            stt = {i: e.stt for i, e in estimated.items()}
            kept = fifo(
                trades,
                actions=reference.actions,
                charges=charges,
                stt=stt,
                until=today,
                expiring=expiring,
            )
            # filed only when the ledger did not move while it was read (READ COMMITTED)
            if keep and _stamp(db, user_id, reference, today, expiring) == stamp:
                made = analytics.trades_of(kept.trips)
                books.put_closes(user_id, stamp, made)
                years = _years_kept(kept, fmv_of(db, user_id=user_id, reference=reference))
                books.put_years(user_id, stamp, years)
                _keep(db, user_id, stamp, kept, made, years)
        books.put(user_id, stamp, kept)
    result = Book(trips=list(kept.trips), open=list(kept.open), applied=list(kept.applied))
    result.open = _marked(db, user_id, result.open, marks)
    return result


def _marked(
    db: Session, user_id: int, held: list[OpenPosition], marks: Marks | None
) -> list[OpenPosition]:
    """Open positions marked by `marks` (copies; an expired contract's never)."""
    marked = [p for p in held if p.expired_on is None]
    if marks is None or not marked:
        return list(held)
    keys = _mark_keys(db, user_id, marked)
    prices = marks(sorted(set(keys.values())))
    return [
        p
        if p.expired_on is not None
        else replace(p, mark=prices.get(keys.get((p.segment, p.symbol), "")))
        for p in held
    ]


@dataclass(frozen=True, slots=True)
class Pages:
    """What the P&L page reads of a book: its round trips as columns (a page of them is
    built, not all), its open positions, the corporate actions applied, and the trips'
    sums (`journal.trip_table.Sums`) its totals are read from."""

    trips: trip_table.Trips
    open: list[OpenPosition]
    applied: list[str]
    sums: trip_table.Sums


def _kept_pages(db: Session, user_id: int, stamp: str) -> Pages | None:
    """The P&L page's reading of the book kept in the database under `stamp`, if any."""
    data = _kept_data(db, user_id, stamp)
    if data is None:
        return None
    try:
        found = packed.unpack_pages(data)
        if found is None:
            return None
        trips, held, applied, sums = found
        return Pages(trips, held, applied, trip_table.unpack_sums(sums))
    except ValueError:  # another format: recompute
        return None


def pages(
    db: Session,
    *,
    user_id: int,
    reference: Reference,
    today: date,
    marks: Marks | None = None,
) -> Pages:
    """The book as the P&L page reads it, open positions marked by `marks`: from this
    process's book, or the database's kept one (no round trip built), else computed and
    kept (`book`, committed: call it with nothing else of the session uncommitted)."""
    stamp = _stamp_today(db, user_id, reference, today)
    books = _books(db)
    found = books.get_pages(user_id, stamp)
    if found is None:
        if books.get(user_id, stamp) is None:  # not computed here: kept by another process?
            found = _kept_pages(db, user_id, stamp)
        if found is None:
            computed = book(db, user_id=user_id, reference=reference, today=today, keep=True)
            found = Pages(
                trip_table.ListTrips(computed.trips),
                computed.open,
                computed.applied,
                trip_table.sums_of(computed.trips),
            )
        books.put_pages(user_id, stamp, found)
    return replace(found, open=_marked(db, user_id, found.open, marks))


def _mark_keys(
    db: Session, user_id: int, held: Sequence[OpenPosition]
) -> dict[tuple[str, str], str]:
    """(segment, symbol) → the instrument key an open position is marked by: ``NSE:`` for
    shares; a derivative's own exchange (``NFO:``, ``BFO:``…) as its trades name it."""
    keys = {("EQ", p.symbol): f"NSE:{p.symbol}" for p in held if p.segment == "EQ"}
    derivatives = sorted({p.symbol for p in held if p.segment != "EQ"})
    if derivatives:
        venues = set(DERIVATIVE_EXCHANGES)
        for symbol_of, exchange_of, owner in (
            (UploadedTrade.symbol, UploadedTrade.exchange, UploadedTrade.user_id),
            (Trade.tradingsymbol, Trade.exchange, Trade.user_id),
        ):
            query = select(symbol_of, exchange_of).where(
                owner == user_id, symbol_of.in_(derivatives), exchange_of.in_(sorted(venues))
            )
            for symbol, exchange in db.execute(query.distinct()):
                keys.setdefault(("FO", symbol), f"{exchange}:{symbol}")
    return keys


def closes(
    db: Session, *, user_id: int, reference: Reference, today: date, keep: bool = False
) -> list[analytics.Trade]:
    """The book's round trips as the analytics' trades (one per closing trade), kept with
    the book: the Edge Finder and Patterns pages group them once, not per request."""
    stamp = _stamp_today(db, user_id, reference, today)
    books = _books(db)
    found = books.get_closes(user_id, stamp)
    if found is not None:
        return found
    if books.get(user_id, stamp) is None:  # not computed here: kept by another process?
        found = _kept_closes(db, user_id, stamp)
        if found is not None:
            books.put_closes(user_id, stamp, found)
            return found
    computed = book(db, user_id=user_id, reference=reference, today=today, keep=keep)
    found = books.get_closes(user_id, stamp)  # made as it was kept
    if found is not None:
        return found
    made = analytics.trades_of(computed.trips)
    books.put_closes(user_id, stamp, made)
    return made


def closes_of(
    db: Session,
    *,
    user_ids: Sequence[int],
    reference: Reference,
    today: date,
    keep: bool = False,
) -> list[analytics.Trade]:
    """The analytics' trades of several people (a family view), in time order. Each
    person's accounts stay theirs: two members' paper books are two accounts."""
    if len(user_ids) == 1:
        return closes(db, user_id=user_ids[0], reference=reference, today=today, keep=keep)
    found = [
        replace(t, account=f"{user_id}:{t.account}")
        for user_id in user_ids
        for t in closes(db, user_id=user_id, reference=reference, today=today, keep=keep)
    ]
    found.sort(key=lambda t: (t.closed, t.closed_at.timestamp() if t.closed_at else 0.0))
    return found


def refresh(db: Session, *, user_id: int, reference: Reference, today: date) -> None:
    """Compute the user's book and its analytics' trades now, and keep the book in the
    database too (committed): called after an upload committed, so the journal's first
    page, in this process or another (after a restart), reads a kept book instead of
    paying for the FIFO replay."""
    closes(db, user_id=user_id, reference=reference, today=today, keep=True)


def is_paper(trip: RoundTrip) -> bool:
    """Whether a round trip was simulated: opened or closed on the paper account."""
    return PAPER in (trip.open_source, trip.close_source)


def is_paper_account(account: str) -> bool:
    """Whether an account (a family view's ``<user>:<account>`` too) is the paper one."""
    return account.rsplit(":", 1)[-1] == PAPER


def counted(result: Book, *, include_paper: bool) -> Book:
    """The book as the journal's figures count it: real trades only (as Kite's Console,
    Wealth and the tax P&L count), the paper account's too with `include_paper`."""
    if include_paper:
        return result
    return replace(
        result,
        trips=[t for t in result.trips if not is_paper(t)],
        open=[p for p in result.open if not is_paper_account(p.account)],
    )


def fmv_of(db: Session, *, user_id: int, reference: Reference) -> dict[str, Decimal]:
    """The 31-Jan-2018 FMVs a user's long-term gains take: their imported ones over the
    shipped file's."""
    return {**reference.fmv, **user_fmv(db, user_id=user_id)}


def _years_kept(computed: Book, fmv: Mapping[str, Decimal]) -> bytes:
    """Each year's tax P&L of the book's real trades, as kept beside it."""
    real = [t for t in computed.trips if not is_paper(t)]
    paper = len(real) < len(computed.trips)
    return tax_answers.pack_years(tax_answers.years_of(real, fmv), fmv, paper=paper)


def tax_years(
    db: Session,
    *,
    user_id: int,
    reference: Reference,
    today: date,
    fmv: Mapping[str, Decimal],
    include_paper: bool = False,
) -> dict[str, TaxYear] | None:
    """Each financial year with a counted close, its tax P&L without its lines, as kept
    beside the book (in this process, or in the database by another): no round trip is
    built. None when none is kept under the book's stamp for these FMVs (or paper trades
    are asked for and the book has some): the caller computes from the book."""
    stamp = _stamp_today(db, user_id, reference, today)
    books = _books(db)
    data = books.get_years(user_id, stamp)
    try:
        if data is None:
            kept = _kept_data(db, user_id, stamp)
            data = None if kept is None else packed.kept_years(kept)
            if data is None:
                return None
            books.put_years(user_id, stamp, data)
        return tax_answers.unpack_years(data, fmv, include_paper=include_paper)
    except ValueError:  # another format: computed from the book
        return None


def tax(
    db: Session,
    *,
    user_id: int,
    reference: Reference,
    fy: str,
    today: date,
    keep: bool = False,
    include_paper: bool = False,
    lines: bool = True,
) -> TaxYear:
    """The tax P&L of a financial year (``2024-25``). Paper trades are simulated, not
    income: they are left out (as Wealth leaves paper out) unless `include_paper`. Without
    `lines` (a page that shows no round trip), the year may come without them, as kept
    beside the book (`tax_years`)."""
    fmv = fmv_of(db, user_id=user_id, reference=reference)
    if not lines:
        years = tax_years(
            db,
            user_id=user_id,
            reference=reference,
            today=today,
            fmv=fmv,
            include_paper=include_paper,
        )
        if years is not None:
            return tax_answers.year_from(years, fy, fmv)
    result = book(db, user_id=user_id, reference=reference, today=today, keep=keep)
    trips = [t for t in result.trips if include_paper or not is_paper(t)]
    return tax_year(trips, fy, fmv=fmv)


def ist_today(now: datetime) -> date:
    """The IST date of an aware datetime."""
    return now.astimezone(IST).date()


def candle_marks(store: CandleStore, last_tick: LastTick, day: date) -> Marks:
    """Marks as Positions marks (`last_tick`: the paper account's price source, which
    prices an index option from its index when no tick of it came): shares at that tick,
    else the last daily close the candle store has; a future or option at that tick alone,
    so the journal's mark of an open derivative is the Positions page's."""

    def marks(keys: list[str]) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for key in keys:
            if key.partition(":")[0] in DERIVATIVE_EXCHANGES:
                tick = last_tick(key)
                price = tick.last_price if tick is not None else None
            else:
                try:
                    price = last_prices(store, last_tick, [key], day).get(key)
                except (LookupError, ValueError, OSError):  # a symbol the store does not know
                    price = None
            if price is not None:
                found[key] = price
        return found

    return marks


def markets(store: CandleStore, trades: list[Any], today: date) -> dict[str, Any]:
    """Symbol → `analytics.Market` of the journal's equity symbols, from the candle store's
    imported or broker series (a synthetic series is never used: a trade is judged by the
    market it met)."""
    from tradertape.journal.analytics import Market

    symbols = sorted({t.symbol for t in trades})
    opened = [t.opened for t in trades if t.opened is not None]
    if not symbols or not opened:
        return {}
    start = max(min(opened) - timedelta(days=220), store.calendar.first_day)
    end = min(max(opened), today)
    if end < start:
        return {}
    try:
        panel = store.load_panel([f"NSE:{s}" for s in symbols], start, end)
    except (LookupError, ValueError, OSError):
        return {}
    days = [d.astype("datetime64[D]").item() for d in panel.days]
    found: dict[str, Any] = {}
    for j, key in enumerate(panel.keys):
        if panel.sources[j] in (None, "synthetic"):
            continue
        column = panel.close[:, j]
        kept = [(d, float(c)) for d, c in zip(days, column, strict=True) if c == c]
        if kept:
            found[key.split(":", 1)[1]] = Market(
                [d for d, _ in kept], [c for _, c in kept], panel.sectors[j]
            )
    return found
