"""Risk rules as pure arithmetic over a book: what a rule measures, and whether an entry breaks it.

The services load rules and books from wherever they live (the paper ledger, a model
portfolio, a worker run) and hand them here as values, so the same rule means the same
thing for every caller and can be checked without a database.

Exposure is gross: ``|quantity| × last price`` of each open position plus the value of
working orders that would open or extend one (they count before they fill, or a burst
of resting orders could each pass alone and breach together). Today's P&L is measured
from where the day started: yesterday's close for units held overnight, the fill price
for units opened today; a loss carried from earlier days does not count against today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tradertape.domain.money import PAISA, ZERO, inr, paise
from tradertape.domain.values import value_class

HUNDRED = Decimal(100)
NEAR_LIMIT_PCT = Decimal(80)  # a rule is "near" its limit from this utilisation on
UNCLASSIFIED = "Unclassified"  # the sector of instruments the catalog has none for


class RuleType(StrEnum):
    """The kinds of risk rule."""

    DAILY_LOSS_LIMIT = "daily_loss_limit"
    MAX_EXPOSURE = "max_exposure"
    MAX_SECTOR_EXPOSURE_PCT = "max_sector_exposure_pct"
    MAX_OPEN_POSITIONS = "max_open_positions"
    MAX_SYMBOL_EXPOSURE = "max_symbol_exposure"
    MAX_ORDER_VALUE = "max_order_value"
    KILL_SWITCH = "kill_switch"
    MTM_EXIT = "mtm_exit"  # exits the scope at a day MTM, then pauses its entries


class RuleAction(StrEnum):
    """What a breach does: refuse the entry, or let it through and record a warning."""

    BLOCK = "block"
    WARN = "warn"


class Side(StrEnum):
    """An order's direction."""

    BUY = "BUY"
    SELL = "SELL"


# Which thresholds each type takes: (required, optional). MAX_EXPOSURE needs at least one.
_AMOUNT, _PCT, _COUNT = "threshold_amount", "threshold_pct", "threshold_count"
THRESHOLDS: dict[RuleType, tuple[frozenset[str], frozenset[str]]] = {
    RuleType.DAILY_LOSS_LIMIT: (frozenset({_AMOUNT}), frozenset()),
    RuleType.MAX_EXPOSURE: (frozenset(), frozenset({_AMOUNT, _PCT})),
    RuleType.MAX_SECTOR_EXPOSURE_PCT: (frozenset({_PCT}), frozenset()),
    RuleType.MAX_OPEN_POSITIONS: (frozenset({_COUNT}), frozenset()),
    RuleType.MAX_SYMBOL_EXPOSURE: (frozenset({_AMOUNT}), frozenset()),
    RuleType.MAX_ORDER_VALUE: (frozenset({_AMOUNT}), frozenset()),
    RuleType.KILL_SWITCH: (frozenset(), frozenset()),
    # its loss; the target and trail are columns of their own (`domain.mtm_exit`)
    RuleType.MTM_EXIT: (frozenset(), frozenset({_AMOUNT})),
}


def threshold_problem(
    rule_type: RuleType, *, amount: Decimal | None, pct: Decimal | None, count: int | None
) -> tuple[str, str] | None:
    """``(field, message)`` when the thresholds do not fit the type, else None.

    A threshold the type does not use is refused rather than ignored, so a rule never
    looks stricter than it is.
    """
    required, optional = THRESHOLDS[rule_type]
    sent = ((_AMOUNT, amount), (_PCT, pct), (_COUNT, count))
    given = {name for name, value in sent if value is not None}
    for name in sorted(given - required - optional):
        return name, f"not used by a {rule_type.value} rule"
    for name in sorted(required - given):
        return name, f"required for a {rule_type.value} rule"
    if rule_type is RuleType.MAX_EXPOSURE and not given:
        return _AMOUNT, "a max_exposure rule needs threshold_amount, threshold_pct or both"
    return None


@value_class
class RuleTerms:
    """One enabled rule, as the arithmetic needs it."""

    id: int | None
    type: RuleType
    action: RuleAction = RuleAction.BLOCK
    amount: Decimal | None = None  # ₹
    pct: Decimal | None = None  # % of capital
    count: int | None = None
    paused: bool = False  # an mtm_exit rule that exited its scope: entries wait for resume


@value_class
class OpenPosition:
    """One instrument's net open position (signed: negative is short)."""

    key: str  # "NSE:INFY"
    sector: str | None
    quantity: int
    average_price: Decimal
    last_price: Decimal
    day_base_price: Decimal  # per unit: where today's P&L of these units is measured from

    @property
    def value(self) -> Decimal:
        """Gross market value."""
        return abs(self.quantity) * self.last_price

    @property
    def unrealised(self) -> Decimal:
        """Open P&L against the average price."""
        return self.quantity * (self.last_price - self.average_price)

    @property
    def unrealised_today(self) -> Decimal:
        """Open P&L made today."""
        return self.quantity * (self.last_price - self.day_base_price)


@dataclass(frozen=True, slots=True)
class WorkingEntry:
    """A working order that opens or extends a position once it fills."""

    key: str
    sector: str | None
    quantity: int  # unfilled, unsigned
    price: Decimal
    order_pk: int | None = None  # the working order's row (None for a waiting trigger)

    @property
    def value(self) -> Decimal:
        """What it adds to exposure when it fills."""
        return self.quantity * self.price


@value_class
class Book:
    """A user's (or a portfolio's, or a run's) current book, as risk reads it."""

    positions: tuple[OpenPosition, ...] = ()
    working: tuple[WorkingEntry, ...] = ()
    realised_today: Decimal = ZERO
    capital: Decimal = ZERO  # what % rules are a share of (account value for the paper account)
    # Why the capital cannot be known (the live book when a broker did not report its
    # funds): a % rule then refuses every entry rather than guess; rupee rules are unmoved.
    capital_unknown: str | None = None
    # Held where the checked orders cannot trade them (a model portfolio's virtual fills):
    # they count towards exposure, sectors and open positions, but an order against them
    # is no exit, since it would not close them.
    elsewhere: tuple[OpenPosition, ...] = ()

    @property
    def held(self) -> tuple[OpenPosition, ...]:
        """Every open position, where the orders trade and elsewhere."""
        return (*self.positions, *self.elsewhere)

    def without_order(self, order_pk: int) -> Book:
        """The book without one working order: a modification's old terms make way for
        its new ones, which are the entry checked."""
        working = tuple(w for w in self.working if w.order_pk != order_pk)
        return replace(self, working=working)

    def position(self, key: str) -> int:
        """Net quantity held in `key` where the checked orders trade (not `elsewhere`)."""
        return sum(p.quantity for p in self.positions if p.key == key)

    @property
    def open_keys(self) -> frozenset[str]:
        """Instruments with an open position or a working entry."""
        return frozenset(p.key for p in self.held if p.quantity) | frozenset(
            w.key for w in self.working
        )

    @property
    def exposure(self) -> Decimal:
        """Gross exposure: open positions plus working entries."""
        return sum((p.value for p in self.held), ZERO) + sum((w.value for w in self.working), ZERO)

    def _grouped(self, by_key: bool) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        items: tuple[OpenPosition | WorkingEntry, ...] = (*self.held, *self.working)
        for item in items:
            label = item.key if by_key else item.sector or UNCLASSIFIED
            totals[label] = totals.get(label, ZERO) + item.value
        return totals

    @property
    def by_sector(self) -> dict[str, Decimal]:
        """Exposure per sector (instruments without one under `UNCLASSIFIED`)."""
        return self._grouped(by_key=False)

    @property
    def by_symbol(self) -> dict[str, Decimal]:
        """Exposure per instrument."""
        return self._grouped(by_key=True)

    @property
    def unrealised(self) -> Decimal:
        """Open P&L against average prices."""
        return sum((p.unrealised for p in self.held), ZERO)

    @property
    def unrealised_today(self) -> Decimal:
        """Open P&L made today."""
        return sum((p.unrealised_today for p in self.held), ZERO)

    @property
    def pnl_today(self) -> Decimal:
        """Realised plus unrealised P&L of today."""
        return self.realised_today + self.unrealised_today

    @property
    def loss_today(self) -> Decimal:
        """Today's loss as a positive amount (zero on a winning day)."""
        return max(-self.pnl_today, ZERO)


@value_class
class Entry:
    """A proposed order: what the pre-trade check is asked about."""

    key: str
    sector: str | None
    side: Side
    quantity: int
    price: Decimal
    # What one unit adds to exposure when it is not its price: a future's margin (SPAN and
    # exposure by the table, as the order preview shows it), not its notional.
    unit_value: Decimal | None = None

    @property
    def value_per_unit(self) -> Decimal:
        """What one opening unit is valued at: its `unit_value`, else its price (an
        option's premium, a share's price)."""
        return self.price if self.unit_value is None else self.unit_value

    def opening_quantity(self, book: Book) -> int:
        """The units that open or extend a position in `book`; 0 for a pure exit.

        A sell against a long (or a buy against a short) closes first; only what goes
        beyond the position opens one the other way.
        """
        return self.opening_against(book.position(self.key))

    def opening_against(self, held: int) -> int:
        """The units that open or extend a position of `held` (signed) units; 0 for a
        pure exit. What the order's own book holds is the one to ask when a rule is on
        that book: another book's opposite side makes nobody's entry an exit."""
        reduces = held > 0 if self.side is Side.SELL else held < 0
        return max(self.quantity - abs(held), 0) if reduces else self.quantity


@dataclass(frozen=True, slots=True)
class RiskBreach:
    """A rule that the entry (or the book as it stands) breaks."""

    rule_id: int | None
    type: RuleType
    action: RuleAction
    message: str
    value: Decimal | None = None  # what the rule measured, the entry included
    limit: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RuleReading:
    """Where a rule stands on the current book (no entry)."""

    value: Decimal | None
    limit: Decimal | None
    utilisation_pct: Decimal | None
    near_limit: bool
    breached: bool
    detail: dict[str, str] = field(default_factory=dict)


def rupees(value: Decimal) -> str:
    """``₹1,50,000.00``: rupees for messages (the shared formatter, `money.inr`)."""
    return inr(value)


def _pct_text(value: Decimal) -> str:
    return f"{value.quantize(PAISA, rounding=ROUND_HALF_UP)}%"


def share_of(capital: Decimal, pct: Decimal) -> Decimal:
    """`pct` % of `capital` (nothing when there is no capital)."""
    return max(capital, ZERO) * pct / HUNDRED


def exposure_limit(rule: RuleTerms, capital: Decimal) -> Decimal:
    """The binding max-exposure limit: the smaller of the ₹ cap and the % of capital."""
    limits = [rule.amount] if rule.amount is not None else []
    if rule.pct is not None:
        limits.append(share_of(capital, rule.pct))
    return min(limits)


def _breach(
    rule: RuleTerms, message: str, value: Decimal | None, limit: Decimal | None
) -> RiskBreach:
    return RiskBreach(rule.id, rule.type, rule.action, message, value, limit)


def _amount(rule: RuleTerms) -> Decimal:
    assert rule.amount is not None
    return rule.amount


def _unknown_capital(
    rule: RuleTerms, book: Book, after: Decimal, what: str = "exposure"
) -> RiskBreach:
    """A % rule's breach when the capital it is a share of is unknown: no limit to meet."""
    message = (
        f"capital unknown: {book.capital_unknown}; {what} would reach {rupees(after)} "
        f"against {_pct_text(_pct(rule))} of it"
    )
    return _breach(rule, message, after, None)


def _pct(rule: RuleTerms) -> Decimal:
    assert rule.pct is not None
    return rule.pct


def _kill_switch(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    return _breach(rule, "kill switch is on: new entries are blocked", None, None)


def _paused(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    if not rule.paused:
        return None
    return _breach(rule, "the day's MTM exit paused new entries until you resume", None, None)


def _daily_loss(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    loss, limit = book.loss_today, _amount(rule)
    if loss < limit:
        return None
    return _breach(
        rule, f"today's loss {rupees(loss)} has reached the {rupees(limit)} limit", loss, limit
    )


def _exposure(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    after = book.exposure + value
    if rule.amount is not None and after > rule.amount:
        message = f"exposure would reach {rupees(after)}, over the {rupees(rule.amount)} limit"
        return _breach(rule, message, after, rule.amount)
    if rule.pct is not None:
        if book.capital_unknown is not None:
            return _unknown_capital(rule, book, after)
        limit = share_of(book.capital, rule.pct)
        if after > limit:
            message = (
                f"exposure would reach {rupees(after)}, over {_pct_text(rule.pct)} of "
                f"capital ({rupees(limit)})"
            )
            return _breach(rule, message, after, limit)
    return None


def _sector(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    assert rule.pct is not None
    sector = entry.sector or UNCLASSIFIED
    after = book.by_sector.get(sector, ZERO) + value
    if book.capital_unknown is not None:
        return _unknown_capital(rule, book, after, f"{sector} exposure")
    limit = share_of(book.capital, rule.pct)
    if after <= limit:
        return None
    message = (
        f"{sector} exposure would reach {rupees(after)}, over {_pct_text(rule.pct)} of "
        f"capital ({rupees(limit)})"
    )
    return _breach(rule, message, after, limit)


def _positions(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    assert rule.count is not None
    keys = book.open_keys
    if entry.key in keys or len(keys) + 1 <= rule.count:
        return None
    count = len(keys) + 1
    message = f"a new position would make {count} open, over the limit of {rule.count}"
    return _breach(rule, message, Decimal(count), Decimal(rule.count))


def _symbol(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    after, limit = book.by_symbol.get(entry.key, ZERO) + value, _amount(rule)
    if after <= limit:
        return None
    message = (
        f"{entry.key} exposure would reach {rupees(after)}, over the {rupees(limit)} "
        "per-symbol limit"
    )
    return _breach(rule, message, after, limit)


def _order_value(rule: RuleTerms, book: Book, entry: Entry, value: Decimal) -> RiskBreach | None:
    limit = _amount(rule)
    if value <= limit:
        return None
    return _breach(
        rule, f"order value {rupees(value)} is over the {rupees(limit)} limit", value, limit
    )


_CHECKS: dict[RuleType, Callable[[RuleTerms, Book, Entry, Decimal], RiskBreach | None]] = {
    RuleType.KILL_SWITCH: _kill_switch,
    RuleType.DAILY_LOSS_LIMIT: _daily_loss,
    RuleType.MAX_EXPOSURE: _exposure,
    RuleType.MAX_SECTOR_EXPOSURE_PCT: _sector,
    RuleType.MAX_OPEN_POSITIONS: _positions,
    RuleType.MAX_SYMBOL_EXPOSURE: _symbol,
    RuleType.MAX_ORDER_VALUE: _order_value,
    RuleType.MTM_EXIT: _paused,
}


def breaches(
    rules: Iterable[RuleTerms], book: Book, entry: Entry, *, held: int | None = None
) -> list[RiskBreach]:
    """Every rule the entry breaks, in the order given; none for an exit.

    Whether it is an exit, and how many of its units open, is read on `book`, or on
    `held` when given: what the order's own book (a run's, a portfolio's, the manual
    one, a part of a live book) holds of the instrument, for rules on that book alone.
    """
    units = entry.opening_quantity(book) if held is None else entry.opening_against(held)
    if units == 0:
        return []
    value = units * entry.value_per_unit  # only the opening units: the rest is an exit
    found = (_CHECKS[rule.type](rule, book, entry, value) for rule in rules)
    return [b for b in found if b is not None]


def blocking(found: Sequence[RiskBreach]) -> list[RiskBreach]:
    """The breaches that refuse the entry."""
    return [b for b in found if b.action is RuleAction.BLOCK]


def _reading(
    value: Decimal, limit: Decimal, *, reached: bool = False, detail: dict[str, str] | None = None
) -> RuleReading:
    used = (value / limit * HUNDRED).quantize(PAISA, ROUND_HALF_UP) if limit > 0 else None
    breached = value >= limit if reached else value > limit
    near = breached or (used is not None and used >= NEAR_LIMIT_PCT)
    return RuleReading(value, limit, used, near, breached, detail or {})


def _unknown_reading(rule: RuleTerms, book: Book) -> RuleReading | None:
    """A % rule's reading when there is no capital to take a share of: no limit, and
    breached (it refuses every entry until the capital is known); None otherwise."""
    why = book.capital_unknown
    if why is None or rule.pct is None:
        return None
    if rule.type is RuleType.MAX_EXPOSURE:
        return RuleReading(book.exposure, None, None, True, True, {"capital_unknown": why})
    sector, value = _largest(book.by_sector)
    detail = {"sector": sector, "capital_unknown": why} if sector else {"capital_unknown": why}
    return RuleReading(value, None, None, True, True, detail)


def _largest(totals: dict[str, Decimal]) -> tuple[str | None, Decimal]:
    if not totals:
        return None, ZERO
    label = max(sorted(totals), key=lambda k: totals[k])
    return label, totals[label]


def reading(rule: RuleTerms, book: Book) -> RuleReading:
    """Where `rule` stands on `book` as it is (the state page; ``near_limit`` from 80 %)."""
    unknown = _unknown_reading(rule, book)
    if unknown is not None:
        return unknown
    match rule.type:
        case RuleType.KILL_SWITCH | RuleType.MTM_EXIT:
            # An mtm_exit rule's MTM is the account views' (the service reads it): here
            # only its pause, which blocks as a kill switch does.
            on = rule.type is RuleType.KILL_SWITCH or rule.paused
            return RuleReading(None, None, None, on, on)
        case RuleType.DAILY_LOSS_LIMIT:
            assert rule.amount is not None
            return _reading(book.loss_today, rule.amount, reached=True)
        case RuleType.MAX_EXPOSURE:
            return _reading(book.exposure, exposure_limit(rule, book.capital))
        case RuleType.MAX_SECTOR_EXPOSURE_PCT:
            assert rule.pct is not None
            sector, value = _largest(book.by_sector)
            detail = {"sector": sector} if sector else {}
            if sector and book.capital > 0:
                detail["pct_of_capital"] = str(paise(value / book.capital * HUNDRED))
            return _reading(value, share_of(book.capital, rule.pct), detail=detail)
        case RuleType.MAX_OPEN_POSITIONS:
            assert rule.count is not None
            return _reading(Decimal(len(book.open_keys)), Decimal(rule.count))
        case RuleType.MAX_SYMBOL_EXPOSURE:
            assert rule.amount is not None
            symbol, value = _largest(book.by_symbol)
            return _reading(value, rule.amount, detail={"symbol": symbol} if symbol else {})
        case RuleType.MAX_ORDER_VALUE:
            # Measured per order, so there is nothing to read off the book.
            return RuleReading(None, rule.amount, None, False, False)
    raise AssertionError(rule.type)  # pragma: no cover - every type is matched above
