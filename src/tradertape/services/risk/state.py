"""Risk state: today's P&L and loss, exposure by sector, positions, and where each rule stands.

Read without locks (it is a view, not a decision). Each enabled rule is read on the book
it is measured on (`RiskBooks`); the headline figures are the account's: the paper one,
or with `live` the live one (the book live orders are measured on). How today's P&L
splits into realised and open, and the open P&L against average prices, are the paper
account's own figures when it has them (`AccountFigures`: its books' sum, which Funds,
Positions and the books table show), not risk's per-instrument netting of every book.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session

from tradertape.db.models.risk import RiskRule
from tradertape.domain.money import ZERO
from tradertape.domain.risk import Book, RuleReading, RuleType, reading
from tradertape.ports.clock import Clock
from tradertape.services.mtm_exits.exits import (
    BookMtm,
    MtmState,
    measured_books,
    state_of,
    trading_day,
)
from tradertape.services.risk.exposure import ALL, ExposureSource, RiskBooks, ScopeKind
from tradertape.services.risk.rules import enabled_rules, scope_of, terms


class AccountPnl(Protocol):
    """The account's P&L as its own views show it."""

    @property
    def realised_today(self) -> Decimal:
        """What closed today (to the paisa, as the positions' rows add it)."""
        ...

    @property
    def unrealised(self) -> Decimal:
        """The open positions' P&L against their average prices."""
        ...


AccountFigures = Callable[[Session, int], AccountPnl]  # (db, user id) → the account's P&L


@dataclass(frozen=True, slots=True)
class BookPnl:
    """A book's P&L as risk reads it (a live book's, which no other view adds up)."""

    realised_today: Decimal
    unrealised: Decimal


@dataclass(frozen=True, slots=True)
class RuleState:
    """One enabled rule and its reading."""

    rule: RiskRule
    book: ScopeKind  # which book it was measured on
    reading: RuleReading
    mtm: MtmState | None = None  # an mtm_exit rule's day MTM against its thresholds


@dataclass(frozen=True, slots=True)
class RiskState:
    """The risk page: the account's book and every enabled rule's reading."""

    as_of: datetime
    book: Book
    rules: tuple[RuleState, ...]
    pnl: AccountPnl  # today's realised P&L and the open P&L, as the account's views show them
    live: bool = False  # the live book's figures (else the paper account's)

    @property
    def kill_switch(self) -> bool:
        """Whether the user-wide kill switch is on (scoped ones show among the rules)."""
        return any(
            s.rule.type == RuleType.KILL_SWITCH.value and scope_of(s.rule) == ALL
            for s in self.rules
        )


def risk_state(
    db: Session,
    *,
    clock: Clock,
    books: RiskBooks,
    user_id: int,
    live: bool = False,
    figures: AccountFigures | None = None,
    mtm: BookMtm | None = None,
) -> RiskState:
    """The user's risk state now, on the paper account or (`live`) on the live one;
    `figures` reads the paper account's P&L as its views show it."""
    read: dict[int, Book] = {}

    def book_of(source: ExposureSource) -> Book:
        if id(source) not in read:
            read[id(source)] = source.book(db, user_id=user_id)
        return read[id(source)]

    account = book_of(books.account_for(live=live))
    rows = enabled_rules(db, user_id=user_id)
    states = []
    by_book: Mapping[str, Decimal] | None = None
    measured: Mapping[int, str] = {}
    today = trading_day(clock.now())
    for row in rows:
        source, kind = books.source(scope_of(row), live=live)
        mtm_state = None
        if row.type == RuleType.MTM_EXIT.value and mtm is not None:
            if by_book is None:  # once: every mtm_exit rule's book, every book's MTM
                by_book = mtm(db, user_id)
                exits = [r for r in rows if r.type == RuleType.MTM_EXIT.value]
                measured = measured_books(db, exits)
            book = measured[row.id]
            mtm_state = state_of(row, by_book.get(book, ZERO), today, book=book)
        states.append(RuleState(row, kind, reading(terms(row), book_of(source)), mtm_state))
    pnl: AccountPnl = BookPnl(account.realised_today, account.unrealised)
    if figures is not None and not live:
        pnl = figures(db, user_id)
    return RiskState(as_of=clock.now(), book=account, rules=tuple(states), pnl=pnl, live=live)
