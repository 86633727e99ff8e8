"""Where risk reads a book from: the `ExposureSource` port, and which source a rule is measured on.

User-wide rules are measured on the account: a paper order on the paper account, a live
order on the live one (what we book of the user's real brokers), when one is given. A
rule scoped to a
model portfolio or a worker run is measured on that portfolio's or run's own book, once
the code that owns those registers a source for its kind; until then such a rule is
measured on the account, which is never more lenient than a part of it would be.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

from tradertape.domain.risk import Book
from tradertape.domain.values import value_class


class ExposureSource(Protocol):
    """A book risk can measure: open positions, working entries, today's realised P&L."""

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """The book as it stands now.

        With `lock`, the source first takes whatever lock serializes changes to it (for
        the paper account, the user's ledger lock), so a check and the order it allows
        see the same book; the lock is held until the transaction ends.
        """
        ...

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        """Send the read `book` will make with the transaction's next round trip, where
        the source reads the database in one prepared statement (`Prepared.prefetch`);
        otherwise nothing."""
        ...


class ScopeKind(StrEnum):
    """What a rule applies to."""

    ALL = "all"
    PORTFOLIO = "portfolio"
    WORKER_RUN = "worker_run"


@value_class
class RiskScope:
    """Where an entry comes from: the account at large, a model portfolio or a worker run."""

    portfolio_id: int | None = None
    worker_run_id: int | None = None

    @property
    def kind(self) -> ScopeKind:
        """The scope's kind."""
        if self.portfolio_id is not None:
            return ScopeKind.PORTFOLIO
        if self.worker_run_id is not None:
            return ScopeKind.WORKER_RUN
        return ScopeKind.ALL

    @property
    def scope_id(self) -> int | None:
        """The portfolio's or the run's id (None for the account)."""
        return self.portfolio_id if self.portfolio_id is not None else self.worker_run_id


ALL = RiskScope()
ScopedSource = Callable[[int], ExposureSource]  # a portfolio or run id → its book


class RiskBooks:
    """The account's source (paper, and live), plus, per scope kind, a factory of scoped
    sources."""

    def __init__(self, account: ExposureSource, live: ExposureSource | None = None) -> None:
        self.account = account
        self._live = live
        self._scoped: dict[ScopeKind, ScopedSource] = {}

    def account_for(self, *, live: bool) -> ExposureSource:
        """The account a live or a paper order is measured on (paper without a live one)."""
        return self._live if live and self._live is not None else self.account

    def register(self, kind: ScopeKind, source: ScopedSource) -> None:
        """Measure rules scoped to `kind` on the book `source` gives for the scope's id."""
        if kind is ScopeKind.ALL:
            raise ValueError("the account's source is given at construction")
        self._scoped[kind] = source

    def source(self, scope: RiskScope, *, live: bool = False) -> tuple[ExposureSource, ScopeKind]:
        """The source a rule of `scope` is measured on, and the kind of book it is."""
        factory = self._scoped.get(scope.kind)
        scope_id = scope.scope_id
        if factory is None or scope_id is None:
            return self.account_for(live=live), ScopeKind.ALL
        return factory(scope_id), scope.kind
