"""Each paper book of a user with its words and figures, and "All" as their sum.

A book's figures come from the same snapshot of the ledger the pages show
(`PaperPortfolio`'s, filtered to the book), marked to the same ticks, so the Funds page, the
book filter and the totals cannot disagree with Positions; they are summed as exact
decimals, not read back from the pages' float rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from tradertape.db.models.portfolios import ModelPortfolio
from tradertape.db.models.trading import Order
from tradertape.db.models.workers import WorkerRun
from tradertape.db.prepared import Prepared
from tradertape.db.rows import one_of, table_of
from tradertape.domain import books
from tradertape.domain.money import paise
from tradertape.domain.order_state import PENDING
from tradertape.oms import BROKER, LedgerSnapshot, PaperPortfolio

_ZERO = Decimal(0)
_PORTFOLIOS = table_of(ModelPortfolio)
_RUNS = table_of(WorkerRun)
_ORDERS = table_of(Order)
# Books holding margin with working orders only (a run's first LIMIT, before it fills).
_WORKING_BOOKS = (
    select(_ORDERS.c.book)
    .where(
        _ORDERS.c.user_id == bindparam("user_id"),
        _ORDERS.c.broker == BROKER,
        one_of(_ORDERS.c.status, PENDING),
    )
    .distinct()
)
# A user has a few portfolios (their books are labelled by name); runs may be many.
_PORTFOLIO_NAMES = Prepared(
    select(_PORTFOLIOS.c.id, _PORTFOLIOS.c.name).where(
        _PORTFOLIOS.c.user_id == bindparam("user_id")
    )
)


@dataclass(frozen=True, slots=True)
class BookSummary:
    """One book: its key and words, cash, open positions and today's P&L (money sums over
    the books into "All"; an instrument held in two books is one position of "All")."""

    book: str
    label: str
    kind: str  # manual | portfolio | run | all
    cash: Decimal
    opening_balance: Decimal
    open_positions: int
    positions_value: Decimal
    realised_today: Decimal
    pnl_today: Decimal  # realised and open, against the day's start (the top bar's figure)
    unrealised: Decimal  # open P&L against the average cost


def summaries(db: Session, paper: PaperPortfolio, *, user_id: int) -> list[BookSummary]:
    """The user's paper books (manual first, then portfolios and runs by id), then "All":
    each book with a trade, a cash entry or a working order (whose margin it holds)."""
    snapshot = paper.snapshot(db, user_id)
    working = set(db.scalars(_WORKING_BOOKS, {"user_id": user_id}))
    keys = sorted(snapshot.books | working | {books.MANUAL}, key=_order)
    labels = book_labels(db, user_id, keys)
    read = [_summary(paper, snapshot, key, labels.get(key, key)) for key in keys]
    rows = [summary for summary, _ in read]
    held: dict[str, int] = {}
    for _, holding in read:
        for instrument, quantity in holding.items():
            held[instrument] = held.get(instrument, 0) + quantity
    total = BookSummary(
        book=books.ALL,
        label="All books",
        kind="all",
        cash=sum((r.cash for r in rows), _ZERO),
        opening_balance=sum((r.opening_balance for r in rows), _ZERO),
        # one instrument held in two books is one open position of the account
        open_positions=sum(1 for q in held.values() if q),
        positions_value=sum((r.positions_value for r in rows), _ZERO),
        realised_today=sum((r.realised_today for r in rows), _ZERO),
        pnl_today=sum((r.pnl_today for r in rows), _ZERO),
        unrealised=sum((r.unrealised for r in rows), _ZERO),
    )
    return [*rows, total]


def account(db: Session, paper: PaperPortfolio, *, user_id: int) -> BookSummary:
    """The account's figures: "All", its books' added up (the risk page's P&L split)."""
    return summaries(db, paper, user_id=user_id)[-1]


def day_mtm(
    db: Session,
    paper: PaperPortfolio,
    *,
    user_id: int,
    live: Mapping[str, PaperPortfolio] | None = None,
) -> dict[str, Decimal]:
    """Each book's day P&L (``pnl_today``) by its key, "all" among them: what an mtm_exit
    rule watches, the figure the books table, Funds' M2M and Positions show. With `live`
    (each real broker's ledger by name), each live book the user traded in too
    (``live:kite``), by the same arithmetic on the trades we book of it ("all" stays the
    paper account's, as its pages have it), and each part of it a live portfolio or run
    traded (``live:kite/run:5``: its own trades there, `domain.books.part_of`)."""
    found = {row.book: row.pnl_today for row in summaries(db, paper, user_id=user_id)}
    for broker, ledger in (live or {}).items():
        key = books.live_book(broker)
        snapshot = ledger.snapshot(db, user_id)
        for book in sorted((snapshot.books & {key}) | snapshot.part_books):
            found[book] = paise(ledger.day_pnl_of(snapshot, book).total)
    return found


def _order(key: str) -> tuple[int, int, str]:
    portfolio, run = books.portfolio_of(key), books.run_of(key)
    if key == books.MANUAL:
        return (0, 0, key)
    if portfolio is not None:
        return (1, portfolio, key)
    if run is not None:
        return (2, run, key)
    return (3, 0, key)


def book_labels(db: Session, user_id: int, keys: list[str]) -> dict[str, str]:
    """Each book of `keys` in words: a portfolio's and a run's by its name ("Portfolio:
    Momentum"), a part of a live book by its owner's ("Worker run: Breakout (Live: Kite)"),
    any other as `domain.books.book_words` says it. What every page shows for a book (the
    book filter, the GTT list, the risk page's MTM exits), from here."""
    labels = {key: books.book_words(key) for key in keys}
    owners = {key: books.owner_of(key) for key in keys}
    portfolio_ids = {p for p in map(books.portfolio_of, owners.values()) if p is not None}
    run_ids = sorted({r for r in map(books.run_of, owners.values()) if r is not None})
    named: dict[str, str] = {}
    if portfolio_ids:
        for pid, name in _PORTFOLIO_NAMES.rows(db, {"user_id": user_id}):
            if pid in portfolio_ids:
                named[books.portfolio_book(pid)] = f"Portfolio: {name}"
    if run_ids:
        runs = db.execute(
            select(_RUNS.c.id, _RUNS.c.name, _RUNS.c.run_key).where(
                _RUNS.c.user_id == user_id, _RUNS.c.id.in_(run_ids)
            )
        ).all()
        shared = _shared_run_names(db, user_id, {name for _, name, _ in runs})
        for rid, name, run_key in runs:
            # two runs of one name (the template's, by default) are told apart by their keys
            told = f"{name} · {run_key}" if name in shared else name
            named[books.run_book(rid)] = f"Worker run: {told}"
    for key, owner in owners.items():
        if owner in named:
            parent = books.parent_of(key)
            where = "" if parent == key else f" ({books.book_words(parent)})"
            labels[key] = named[owner] + where
    return labels


def _shared_run_names(db: Session, user_id: int, names: set[str]) -> set[str]:
    """Which of `names` more than one of the user's worker runs bears."""
    if not names:
        return set()
    return set(
        db.scalars(
            select(_RUNS.c.name)
            .where(_RUNS.c.user_id == user_id, _RUNS.c.name.in_(names))
            .group_by(_RUNS.c.name)
            .having(func.count() > 1)
        )
    )


def _summary(
    paper: PaperPortfolio, snapshot: LedgerSnapshot, key: str, label: str
) -> tuple[BookSummary, dict[str, int]]:
    """One book's figures, and what it holds of each instrument (``NSE:INFY`` → quantity):
    the positions' and holdings' own exact figures, marked as their rows are."""
    flows = snapshot.cash_of(key)
    today = paper.day_pnl_of(snapshot, key)
    held: dict[str, int] = {}
    value = unrealised = _ZERO
    for lot in snapshot.net_of(key):
        if lot.product == "CNC":
            continue  # delivery bought or sold today is also in holdings (t1): counted there
        instrument = f"{lot.exchange}:{lot.tradingsymbol}"
        held[instrument] = held.get(instrument, 0) + lot.quantity
        tick = paper.last_tick(instrument)
        last = tick.last_price if tick is not None else _ZERO
        value += last * lot.quantity
        # a position's open P&L, as its row has it: its P&L less what it closed
        unrealised += lot.sell_value - lot.buy_value + lot.quantity * last - lot.realised()
    for (exchange, symbol, _), row in snapshot.holdings_of(key):
        instrument = f"{exchange}:{symbol}"
        held[instrument] = held.get(instrument, 0) + row.held  # settled and T+1
        tick = paper.last_tick(instrument)
        average = row.cost / row.held
        last = tick.last_price if tick is not None else average
        value += last * row.held
        unrealised += (last - average) * row.held
    summary = BookSummary(
        book=key,
        label=label,
        kind="manual" if key == books.MANUAL else key.split(":", 1)[0],
        cash=paise(flows.cash),
        opening_balance=paise(flows.opening),
        open_positions=sum(1 for q in held.values() if q),
        positions_value=paise(value),
        realised_today=paise(today.realised),
        pnl_today=paise(today.total),
        unrealised=paise(unrealised),
    )
    return summary, held
