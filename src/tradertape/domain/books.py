"""Books: the parts an account's money is kept in, each order, fill, position and rupee of
cash in exactly one of them.

A user's paper account holds the manual book (the order ticket, baskets, GTTs placed by
hand), one book per model portfolio and one per worker run; each live broker account is a
book of its own. A portfolio's capital is an allocation from the account's cash: deploying
moves it from the manual book into the portfolio's book and retiring moves what is left
back, so the account's total never changes by a deploy. "All" is the sum of the books.

A book is named by a short key stored on every order, trade and cash entry:
``manual``, ``portfolio:<id>``, ``run:<id>`` or ``live:<broker>``.

A live book is shared: the desk's orders, each live portfolio's and each live run's all
fill there, since the money is in one broker account. Each portfolio's or run's trades in
it are a part of it (``live:kite/run:5``), named from the order's attribution as a paper
book is (`part_of`): never stored, derived where the ledger is read, so a live portfolio or
run has a day MTM of its own without a second book of money.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradertape.domain import owners
from tradertape.domain.brokers import BrokerName
from tradertape.domain.owners import Owner, owner_from

MANUAL = "manual"
ALL = "all"  # a filter: every book
PAPER_BROKER = "paper"
PORTFOLIO_PREFIX = "portfolio:"  # every model portfolio's book starts so
_PORTFOLIO = PORTFOLIO_PREFIX
_RUN = "run:"
_LIVE = "live:"
_PART = "/"  # between a live book and its owner's book: ``live:kite/portfolio:3``
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
    """The real broker a live book is of (``live:kite`` → ``kite``), or None (a part of a
    live book is not one: `parent_of` first)."""
    name = book.removeprefix(_LIVE) if book.startswith(_LIVE) else None
    return name if name in _BROKERS else None


def part_book(book: str, owner: str) -> str:
    """The part of live `book` that `owner` (``portfolio:<id>``, ``run:<id>``) traded."""
    return f"{book}{_PART}{owner}"


def part_of(book: str, attribution: Mapping[str, Any] | Owner | None) -> str | None:
    """The part of a live book an order's trade is in (its portfolio's or run's: its
    owner's, `domain.owners`; the tags it was placed with name it), or None: a paper book,
    or the desk's own."""
    if live_broker(book) is None:
        return None
    owner = book_of(PAPER_BROKER, attribution)
    return None if owner == MANUAL else part_book(book, owner)


def own_book(broker: str, attribution: Mapping[str, Any] | Owner | None) -> str:
    """The finest book an order of `broker` with this owner (or these tags) is in: its part
    of a live book (a live portfolio's or run's own trades), else its book. What a
    portfolio's or run's own day MTM is read on."""
    book = book_of(broker, attribution)
    return part_of(book, attribution) or book


def parent_of(book: str) -> str:
    """The book a part is of (``live:kite/run:5`` → ``live:kite``); any other book itself."""
    return book.partition(_PART)[0]


def owner_of(book: str) -> str:
    """Whose a part is (``live:kite/run:5`` → ``run:5``); any other book itself."""
    _, cut, owner = book.partition(_PART)
    return owner if cut else book


def book_of(broker: str, attribution: Mapping[str, Any] | Owner | None) -> str:
    """The book an order belongs to, from where it trades and whose it is (its `Owner`, or
    the tags that name one, `owners.owner_from`).

    A live order is in its broker account's book whoever placed it (the money is there);
    a paper order is in its portfolio's or run's book when it is theirs, else manual.
    """
    if broker != PAPER_BROKER:
        return live_book(broker)
    owner = attribution if isinstance(attribution, Owner) else owner_from(None, attribution)
    portfolio = owners.portfolio_of(owner)
    if portfolio is not None:
        return portfolio_book(portfolio)
    run = owners.run_of(owner)
    return run_book(run) if run is not None else MANUAL


def portfolio_of(book: str) -> int | None:
    """The portfolio id a book belongs to, or None."""
    return _number(book, _PORTFOLIO)


def run_of(book: str) -> int | None:
    """The worker run id a book belongs to, or None."""
    return _number(book, _RUN)


def book_owner(book: str) -> Owner:
    """Whose book, or part of a live book, `book` is: a portfolio's or a worker run's owner,
    else the desk's (`owners.MANUAL`): the owner an order kept in it is placed for."""
    whose = owner_of(book)
    portfolio, run = portfolio_of(whose), run_of(whose)
    if portfolio is not None:
        return owners.portfolio_owner(portfolio)
    return owners.run_owner(run) if run is not None else owners.MANUAL


def book_words(book: str) -> str:
    """A book in words when its portfolio's or run's name is not at hand: "Manual",
    "Portfolio #3", "Worker run #5", "Live: Kite", "Worker run #5 (Live: Kite)"
    (`services.books.summary.book_labels` names them)."""
    if owner_of(book) != book:
        return f"{book_words(owner_of(book))} ({book_words(parent_of(book))})"
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
