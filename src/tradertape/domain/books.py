"""Books: the parts an account's money is kept in, each order, fill, position and rupee of
cash in exactly one of them.

A user's paper account holds the manual book (the order ticket, baskets, GTTs placed by
hand), one book per model portfolio and one per worker run; each live broker account is a
book of its own. A portfolio's capital is an allocation from the account's cash: deploying
moves it from the manual book into the portfolio's book and retiring moves what is left
back, so the account's total never changes by a deploy. "All" is the sum of the books.

A book is named by a short key stored on every order, trade and cash entry:
``manual``, ``portfolio:<id>``, ``run:<id>`` or ``live:<broker>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradertape.domain.brokers import BrokerName

MANUAL = "manual"
ALL = "all"  # a filter: every book
PAPER_BROKER = "paper"
PORTFOLIO_PREFIX = "portfolio:"  # every model portfolio's book starts so
_PORTFOLIO = PORTFOLIO_PREFIX
_RUN = "run:"
_LIVE = "live:"
_BROKERS = frozenset(b.value for b in BrokerName)


def portfolio_book(portfolio_id: int) -> str:
    """The book of one model portfolio."""
    return f"{_PORTFOLIO}{portfolio_id}"


def run_book(run_id: int) -> str:
    """The book of one worker run."""
    return f"{_RUN}{run_id}"


def live_book(broker: str) -> str:
    """The book of the user's account at a live broker."""
    return f"{_LIVE}{broker}"


def live_broker(book: str) -> str | None:
    """The real broker a live book is of (``live:kite`` → ``kite``), or None."""
    name = book.removeprefix(_LIVE) if book.startswith(_LIVE) else None
    return name if name in _BROKERS else None


def book_of(broker: str, attribution: Mapping[str, Any] | None) -> str:
    """The book an order belongs to, from where it trades and who placed it.

    A live order is in its broker account's book whoever placed it (the money is there);
    a paper order is in its portfolio's or run's book when one placed it, else manual.
    """
    if broker != PAPER_BROKER:
        return live_book(broker)
    tags = attribution or {}
    portfolio_id = tags.get("portfolio_id")
    if isinstance(portfolio_id, int):
        return portfolio_book(portfolio_id)
    run_id = tags.get("run_pk")
    if isinstance(run_id, int):
        return run_book(run_id)
    return MANUAL


def portfolio_of(book: str) -> int | None:
    """The portfolio id a book belongs to, or None."""
    return _number(book, _PORTFOLIO)


def run_of(book: str) -> int | None:
    """The worker run id a book belongs to, or None."""
    return _number(book, _RUN)


def book_words(book: str) -> str:
    """A book in words when its portfolio's or run's name is not at hand: "Manual",
    "Portfolio #3", "Worker run #5", "Live: Kite" (`services.books.summary.book_labels`
    names them)."""
    portfolio, run = portfolio_of(book), run_of(book)
    if book == MANUAL:
        return "Manual"
    if portfolio is not None:
        return f"Portfolio #{portfolio}"
    if run is not None:
        return f"Worker run #{run}"
    if book.startswith(_LIVE):
        return f"Live: {book[len(_LIVE) :].capitalize()}"
    return book


def is_valid(book: str) -> bool:
    """Whether `book` is a key this module makes (a filter names one)."""
    if book == MANUAL:
        return True
    if book.startswith(_LIVE):
        return len(book) > len(_LIVE)
    return portfolio_of(book) is not None or run_of(book) is not None


def _number(book: str, prefix: str) -> int | None:
    if not book.startswith(prefix):
        return None
    digits = book[len(prefix) :]
    return int(digits) if digits.isdigit() and len(digits) < 19 else None
