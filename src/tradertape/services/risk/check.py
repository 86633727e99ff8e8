"""The pre-trade check every new entry passes: model-portfolio signals, and through the
paper exchange's gate (`RiskMonitor.pre_trade`) every order, modification and GTT alike.

User-wide rules are measured on the account's book, scoped rules on their scope's book
(`RiskBooks`). Books are read under their source's lock, so a check and the order it
allows see the same book. An exit (an order that only reduces a position: for a rule on
one book, a position of the order's own book, `own_book`) is never blocked and logs
nothing; a breach of a ``block`` rule refuses the entry, a ``warn``
rule lets it through, and both are logged as `RiskEvent` rows with the clock's time.
Nothing here commits: the events land with the caller's transaction (the refused
signal, the REJECTED order), so a refusal and its reason are stored together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.risk import RiskEvent
from tradertape.domain.instruments import UnknownInstrumentError, split_key
from tradertape.domain.risk import Book, Entry, RiskBreach, RuleAction, Side, breaches
from tradertape.domain.values import value_class
from tradertape.errors import InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import owned
from tradertape.services.notifications import events as notifications
from tradertape.services.risk.exposure import ALL, ExposureSource, RiskBooks, RiskScope
from tradertape.services.risk.rules import RuleLike, applicable, applies_to, scope_of, terms

REFUSAL_PREFIX = "Order rejected by risk rule: "


@value_class
class RiskDecision:
    """The check's answer: allowed or not, and every rule the entry breaks (block or warn)."""

    allowed: bool
    reasons: tuple[RiskBreach, ...] = ()
    exit: bool = False  # the order only reduces a position: never blocked

    @property
    def blocking(self) -> tuple[RiskBreach, ...]:
        """The breaches that refuse the entry."""
        return tuple(r for r in self.reasons if r.action is RuleAction.BLOCK)

    @property
    def warnings(self) -> tuple[RiskBreach, ...]:
        """The breaches that only warn."""
        return tuple(r for r in self.reasons if r.action is RuleAction.WARN)

    @property
    def refusal(self) -> str | None:
        """Kite-style status message of a refused order, or None when allowed."""
        if self.allowed:
            return None
        return REFUSAL_PREFIX + "; ".join(r.message for r in self.blocking)


ALLOWED = RiskDecision(allowed=True)


def make_entry(
    *,
    symbol: str,
    sector: str | None,
    side: Side | str,
    quantity: int,
    price: Decimal,
    unit_value: Decimal | None = None,
) -> Entry:
    """A checked `Entry` (422s name the field: workers pass these through from intents)."""
    try:
        exchange, tradingsymbol = split_key(symbol)
    except UnknownInstrumentError as exc:
        raise InvalidField("symbol", f"unknown exchange in {symbol!r}") from exc
    try:
        direction = Side(side)
    except ValueError as exc:
        raise InvalidField("side", "BUY or SELL") from exc
    if quantity <= 0:
        raise InvalidField("quantity", "must be positive")
    if not price.is_finite() or price < 0:
        raise InvalidField("price", "must be zero or more")
    return Entry(
        f"{exchange.value}:{tradingsymbol}", sector, direction, quantity, price, unit_value
    )


def decide(
    db: Session,
    *,
    books: RiskBooks,
    user_id: int,
    entry: Entry,
    scope: RiskScope = ALL,
    rules: Sequence[RuleLike] | None = None,
    replacing: int | None = None,
    live: bool = False,
    book: str | None = None,
    held: Callable[[], int] | None = None,
) -> RiskDecision:
    """Evaluate the entry against the user's applicable rules (writes nothing).

    ``replacing`` is the row of a working order being modified into `entry`: its old
    terms leave the books, so they are not counted twice. A `live` entry is measured on
    the live account's book instead of the paper one's. `book` is the entry's book: a
    rule on one book (an mtm_exit rule's) faces that book's entries only. `held` reads
    what the entry's own book (or part) holds of its instrument (`own_book.held_in`):
    a rule on a book, a portfolio or a run tells its exits from its entries there, so
    a scope's exit is never refused by its own pause and no entry passes as an exit for
    another book's opposite side; the account's own rules read the account. Without it
    (a model portfolio's signal, checked before it has an order) every rule reads its
    source's book.
    """
    rows = applicable(db, user_id=user_id, scope=scope) if rules is None else rules
    rows = [row for row in rows if applies_to(row, book)]
    if not rows:
        return ALLOWED
    read: dict[int, Book] = {}
    own: list[int] = []  # what the own book holds, read once when a rule asks

    def book_of(source: ExposureSource) -> Book:
        if id(source) not in read:
            book = source.book(db, user_id=user_id, lock=True)
            read[id(source)] = book if replacing is None else book.without_order(replacing)
        return read[id(source)]

    def own_held(row: RuleLike) -> int | None:
        if held is None or not on_one_book(row):
            return None
        if not own:
            own.append(held())
        return own[0]

    account = book_of(books.account_for(live=live))
    found: list[RiskBreach] = []
    opens = False  # any rule's book (the account's, or the own one) sees units open
    for row in rows:
        source, _ = books.source(scope_of(row), live=live)
        measured, on_own = book_of(source), own_held(row)
        found.extend(breaches([terms(row)], measured, entry, held=on_own))
        units = entry.opening_against(on_own) if on_own is not None else None
        opens = opens or (entry.opening_quantity(account) if units is None else units) > 0
    allowed = not any(b.action is RuleAction.BLOCK for b in found)
    return RiskDecision(allowed=allowed, reasons=tuple(found), exit=not opens and not found)


def on_one_book(row: RuleLike) -> bool:
    """Whether `row` is a rule on one book (a portfolio's, a run's, or a named one such as
    the manual book), whose exits are told on the order's own book; the account's rules
    (no scope) are told on the account."""
    return row.book is not None or row.portfolio_id is not None or row.worker_run_id is not None


def record(
    db: Session,
    decision: RiskDecision,
    *,
    clock: Clock,
    user_id: int,
    entry: Entry,
    scope: RiskScope = ALL,
    origin: str,
    order_id: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> list[RiskEvent]:
    """Add one `RiskEvent` per breach to the session (no commit)."""
    now = clock.now()
    events = [
        RiskEvent(
            user_id=user_id,
            at=now,
            rule_id=breach.rule_id,
            rule_type=breach.type.value,
            action=breach.action.value,
            origin=origin,
            portfolio_id=scope.portfolio_id,
            worker_run_id=scope.worker_run_id,
            symbol=entry.key,
            side=entry.side.value,
            quantity=entry.quantity,
            price=entry.price,
            value=breach.value,
            threshold=breach.limit,
            message=breach.message,
            order_id=order_id,
            context=dict(context or {}),
        )
        for breach in decision.reasons
    ]
    db.add_all(events)
    notifications.risk_breaches(db, events)  # notify: risk_breach, with the events
    return events


def check_entry(
    db: Session,
    *,
    clock: Clock,
    books: RiskBooks,
    user_id: int,
    symbol: str,
    sector: str | None,
    side: Side | str,
    quantity: int,
    price: Decimal,
    scope: RiskScope = ALL,
    origin: str = "portfolio",
    context: Mapping[str, Any] | None = None,
    rules: Sequence[RuleLike] | None = None,
    held: Callable[[], int] | None = None,
) -> RiskDecision:
    """Decide on one new entry and log what it breaks (no commit: the caller's transaction
    stores the events with whatever it does about the decision). ``rules``: only these of
    the applicable ones (default: all); `held`: what the entry's own book holds (`decide`)."""
    entry = make_entry(symbol=symbol, sector=sector, side=side, quantity=quantity, price=price)
    decision = decide(
        db, books=books, user_id=user_id, entry=entry, scope=scope, rules=rules, held=held
    )
    if decision.reasons:
        record(
            db,
            decision,
            clock=clock,
            user_id=user_id,
            entry=entry,
            scope=scope,
            origin=origin,
            context=context,
        )
    return decision


def list_events(db: Session, *, user_id: int, limit: int, offset: int) -> list[RiskEvent]:
    """The user's risk events, newest first."""
    query = owned(RiskEvent, user_id=user_id).order_by(RiskEvent.id.desc())
    return list(db.scalars(query.limit(limit).offset(offset)))
