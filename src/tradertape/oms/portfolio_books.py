"""What a model portfolio's services may do to the paper account's books, and read of the
market, without holding the paper venue itself.

A portfolio's book (``portfolio:<id>``: docs/books.md) gets its capital by allocation from
the manual book, is levelled when the portfolio is edited or reset, and books the virtual
fills a ``close``/``next_open`` portfolio makes by the backtest's rules. The paper exchange
does all of it (`PaperExchange` satisfies this); the services are typed against this
surface so that they can reach nothing else of the venue.

The portfolio's lock (`hold_portfolio`) is the first lock any transaction that moves a
portfolio's money takes, before the user's ledger lock (`lock_user_books`): one order for
every writer, so none waits for the portfolio while holding the ledger. A subscriber books a
portfolio's fill to it in the fill's transaction (`services.portfolios.fills`), so it is
registered with the portfolio's lock as its owner lock (`portfolio_locks`, by the order's
attribution), which the OMS takes up front wherever it records an order's events
(`emitter.hold_owners`: a new order's placement, the paper matching of working orders on a
tick and the session jobs, a cancel or modify, a live broker's report applied), and the
external-fill command takes it itself (the agent's fills). So that subscriber, called while
the ledger's lock is held, asks for a lock its transaction holds already and never waits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.market import Tick


class MarketView(Protocol):
    """The prices and the calendar the paper venue trades on."""

    @property
    def calendar(self) -> TradingCalendar:
        """The trading calendar sessions are kept by."""
        ...

    def last_tick(self, key: str) -> Tick | None:
        """The last tick of ``key`` (``NSE:INFY``) this process has seen."""
        ...


class PortfolioBooks(MarketView, Protocol):
    """Moves of cash between books and a portfolio's virtual fills (none commits)."""

    def allocate(
        self,
        db: Session,
        *,
        user_id: int,
        amount: Decimal,
        source: str,
        target: str,
        note: str,
        field: str = "amount",
    ) -> None:
        """Move `amount` of cash from book `source` to book `target`."""
        ...

    def level_book(self, db: Session, *, user_id: int, book: str, cash: Decimal, note: str) -> None:
        """Bring a portfolio's book to `cash`, moving the difference from or to manual."""
        ...

    def book_virtual_fill(
        self,
        db: Session,
        *,
        user_id: int,
        key: str,
        buy: bool,
        quantity: int,
        price: Decimal,
        at: datetime,
        attribution: dict[str, Any],
    ) -> Decimal:
        """Book a model portfolio's virtual fill in its book, charged as its own contract
        note on the paper broker's schedule (`oms.fill_charges`); the charges booked, the
        one figure the portfolio's position and capital take."""
        ...

    def erase_virtual_fills(self, db: Session, *, user_id: int, book: str) -> None:
        """Delete a book's virtual fills (a paper portfolio starting over)."""
        ...


def portfolio_lock(portfolio_id: int) -> str:
    """The named lock (`db.locks`) a model portfolio's money, signals and scans change under."""
    return f"portfolio-scan:{portfolio_id}"


def hold_portfolio(db: Session, portfolio_id: int) -> None:
    """Hold the portfolio's lock to the end of the transaction: taken before the ledger's
    (see the module), and again at no cost while it is held."""
    lock_names(db, [portfolio_lock(portfolio_id)])


def portfolio_locks(_db: Session, attributions: Sequence[Mapping[str, Any]]) -> list[str]:
    """The locks of the portfolios orders with `attributions` name: the owner locks
    (`OrderEvents.watch`'s ``owners``) of the subscriber that books their fills."""
    named = (portfolio_named(a) for a in attributions)
    return [portfolio_lock(p) for p in named if p is not None]


def portfolio_named(attribution: Mapping[str, Any]) -> int | None:
    """The model portfolio an order's attribution names (``portfolio_id``), or None."""
    found = attribution.get("portfolio_id")
    return found if isinstance(found, int) and not isinstance(found, bool) else None
