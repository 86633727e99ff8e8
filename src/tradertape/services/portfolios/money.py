"""A model portfolio's money: the one writer of its capital columns, under its lock.

The portfolio's row keeps what its book holds (``portfolio:<id>`` for paper, docs/books.md):
free cash (``current_capital``), what entries waiting at the broker have earmarked
(``committed_capital``), the cost of what it holds (``deployed_capital``), the charges it
paid and its realised P&L. Every fill moves them by the figures the OMS's ledger booked for
it (price, quantity and charges), handed in by the one subscriber of the OMS's fill events
(`fills.PortfolioFills`, through `positions.fill_entry`/`fill_exit`), never by a second
charge figure of its own. A position's own charges and realised P&L are not kept at all:
they are read from the ledger's trades of its orders (`position_money`).

Each change happens in a transaction that first took the portfolio's lock (`hold`), before
any lock of the OMS's (the user's ledger lock), and read the row afresh under it: two
transactions that move one portfolio's money (a fill on a tick, a broker's report, an
agent's report, a reconciliation pass, a placement, the open's virtual fills) are
serialised, each on the other's figures, and the order portfolio lock → ledger lock is the
same everywhere (no deadlock). A fill (`positions.fill_entry`/`fill_exit`) asks for it
again, which costs nothing while it is held and takes it afresh after a live send committed
the transaction midway. `tests/unit/test_portfolio_money.py` holds that nothing else writes
these columns.

Why the row is kept and not read from the ledger each time: a paper portfolio's book (its
trades, walked by `book.holdings`, and its cash entries) holds its cash, cost, charges and
gross P&L, but a live portfolio's fills are in its broker's book (``live:<broker>``), shared
with the manual ticket and every other portfolio trading there, and an agent's fill may be
reported where no ledger is wired; what waiting entries have earmarked (``committed``) is no
ledger figure at all (a GTT at the broker holds no cash). Deriving the paper figures and
keeping the live ones would be two ways to one figure; keeping every portfolio's row by the
ledger's own figures for each fill, by one subscriber under one lock, is one. The paper book
is the check: the row, its positions and its book agree exactly
(`tests/integration/test_portfolio_book_money.py`: free + committed = the book's cash,
deployed = the cost of what it holds, charges paid = its trades' charges, realised = their
gross less the charges of the round trips closed), and an exit takes out of ``deployed`` the
cost the ledger booked for the position's buys (`position_money`). The one exception is an
order of the broker's still working part filled: its fills are booked to the row when it is
done (`fills`), so until then the book holds the part and the row does not.

Lock order, for every writer: the portfolio's lock (`hold`, the OMS's `hold_portfolio`)
first, then the user's ledger lock. Every fill is booked to the portfolio by one subscriber
of the OMS's fill events (`fills.PortfolioFills`, an `OrderEvents` watcher), which runs
inside the OMS's transaction while the ledger's lock is held; whoever recorded the fill took
the portfolio's lock up front, before the ledger's: the OMS, wherever it books a fill of an
order whose attribution names a portfolio (its external-fill command, a paper placement, the
paper matching on a tick and the session jobs, a cancel, a live broker's report:
`oms.portfolio_books`), and a virtual fill's caller (`money.hold` before
`fills.book_virtual`). So the watcher asks for a lock its transaction already holds, and the
order above holds there too (`tests/api/test_agent_fill_subscriber.py`,
`tests/integration/test_portfolio_book_money.py`).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio
from tradertape.db.prepared import Prepared
from tradertape.db.rows import loaded_columns, loaded_current, table_of
from tradertape.oms import hold_portfolio, portfolio_lock

ZERO = Decimal(0)
_FRESH = "tradertape.portfolio_money.fresh"  # db.info: the rows `hold` read in a transaction


def lock_name(portfolio_id: int) -> str:
    """The named lock (`db.locks`) a portfolio's money, signals and scans change under (the
    OMS's, `portfolio_lock`: its external-fill command takes it before the ledger's)."""
    return portfolio_lock(portfolio_id)


def hold(db: Session, portfolio: ModelPortfolio) -> ModelPortfolio:
    """Hold the portfolio's lock to the end of the transaction and read its row afresh
    (what this transaction changed already is flushed first, so it is kept).

    Asked again in the same (sub)transaction, the row is not read again: it was read under
    the lock, which is still held, so no one else changed it since, and this transaction's
    own changes are the object's (nothing writes these rows but through it). A placement's
    fill asks twice (the placement, then the fill's subscriber): a third of an auto-placed
    signal's reads. Nor is anything flushed then (a flush is for the read's sake): a run of
    placements in one transaction flushes as its statements need, not at every hold."""
    transaction = db.get_nested_transaction() or db.get_transaction()
    found = _fresh(db)
    read = (portfolio.id, id(portfolio))
    if (
        transaction is not None
        and found is not None
        and found[0] is transaction
        and read in found[1]
    ):
        hold_portfolio(db, portfolio.id)  # held: no statement (`db.locks`)
        return portfolio
    db.flush()
    hold_portfolio(db, portfolio.id)
    transaction = db.get_nested_transaction() or db.get_transaction()
    found = _fresh(db)
    if found is None or found[0] is not transaction:  # a transaction this hold began
        found = db.info[_FRESH] = (transaction, set())
    if read not in found[1]:
        _read_afresh(db, portfolio)
        found[1].add(read)
    return portfolio


_ROW = Prepared(
    select(*loaded_columns(ModelPortfolio)).where(
        table_of(ModelPortfolio).c.id == bindparam("portfolio_id")
    )
)


def _read_afresh(db: Session, portfolio: ModelPortfolio) -> None:
    """`db.refresh(portfolio)` by precompiled SQL (flushed already, so it has no change of
    its own to lose): every scan and placement of every portfolio reads its row so, where
    the ORM's refresh cost several times the statement (issue 69). A row gone, or one this
    session does not hold, is the ORM's to refuse."""
    row = _ROW.first(db, {"portfolio_id": portfolio.id})
    if row is None or loaded_current(db, ModelPortfolio, row) is not portfolio:
        db.refresh(portfolio)


def held(db: Session, portfolio: ModelPortfolio) -> bool:
    """Whether this (sub)transaction holds the portfolio's lock and read its row under it
    (`hold`): what it reads now, nobody else changes before it commits."""
    transaction = db.get_nested_transaction() or db.get_transaction()
    found = _fresh(db)
    return (
        transaction is not None
        and found is not None
        and found[0] is transaction
        and (portfolio.id, id(portfolio)) in found[1]
    )


def _fresh(db: Session) -> tuple[object, set[tuple[int, int]]] | None:
    """The transaction `hold` last read rows in, and the rows it read there."""
    found: tuple[object, set[tuple[int, int]]] | None = db.info.get(_FRESH)
    return found


def earmark(portfolio: ModelPortfolio, amount: Decimal) -> None:
    """An entry waits at the broker (or for the open): its amount leaves free cash."""
    portfolio.current_capital -= amount
    portfolio.committed_capital += amount


def release(portfolio: ModelPortfolio, amount: Decimal) -> None:
    """A waiting entry will not fill (or fills another amount): its earmark comes back."""
    portfolio.committed_capital -= amount
    portfolio.current_capital += amount


def bought(
    portfolio: ModelPortfolio, *, cost: Decimal, charges: Decimal, earmarked: Decimal
) -> None:
    """An entry filled at `cost` and `charges` (the ledger's); what it had `earmarked`
    (zero for a fill that waited for nothing) comes back first."""
    release(portfolio, earmarked)
    portfolio.current_capital -= cost + charges
    portfolio.deployed_capital += cost
    portfolio.charges_paid += charges


def sold(
    portfolio: ModelPortfolio, *, cost: Decimal, proceeds: Decimal, charges: Decimal, pnl: Decimal
) -> None:
    """A position of `cost` sold for `proceeds` less `charges` (the ledger's), realising
    `pnl` (net of the round trip's charges)."""
    portfolio.deployed_capital -= cost
    portfolio.current_capital += proceeds - charges
    portfolio.charges_paid += charges
    portfolio.realised_pnl += pnl


def start_over(portfolio: ModelPortfolio) -> None:
    """A paper portfolio reset: its capital free again, nothing deployed, paid or earned."""
    portfolio.current_capital = portfolio.starting_capital
    portfolio.deployed_capital = portfolio.committed_capital = ZERO
    portfolio.realised_pnl = portfolio.charges_paid = ZERO
