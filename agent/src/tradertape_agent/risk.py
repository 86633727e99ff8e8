"""The user's rupee and % risk rules, applied on this machine's real figures before an entry
is placed, when the cloud cannot: with obfuscation on it holds only scaled figures, checks
what it still can (the kill switch, max_open_positions, max_order_value) and hands the rest
over as the signal's ``risk.rules`` (``risk.checked: "counts"``, docs/agent-api.md).

The book is what the cloud's gate would measure on unscaled figures (`services.agent.book`,
`domain.risk`): every loaded broker's holdings and net positions (gross value at the last
price; today's P&L from the close, or the average when there is none, plus the positions'
realised P&L), the funds' available cash plus what is held as capital, and the agent's own
entries placed and not yet filled as working entries (their quantity at the signal's limit,
else its close). The arithmetic is the server's, written again because the agent imports
nothing of the server (tests/unit/test_layers.py); `tests/agent/test_local_risk.py` and
`tests/api/test_agent_obfuscated_rules.py` hold both sides to the same worked examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PAISA = Decimal("0.01")
UNCLASSIFIED = "Unclassified"  # the server's word for a symbol without a sector


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def rupees(value: Decimal) -> str:
    """``₹2,95,218.00``: Indian grouping, to the paisa (the server's `money.inr`)."""
    sign = "−" if value.quantize(PAISA, ROUND_HALF_UP) < 0 else ""  # the server's minus sign
    whole, _, paise = f"{abs(value).quantize(PAISA, ROUND_HALF_UP):.2f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return f"{sign}₹{','.join([*groups, tail])}.{paise}"


def _pct_text(value: Decimal) -> str:
    return f"{value.quantize(PAISA, rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Held:
    """One instrument held at a broker (signed quantity)."""

    key: str
    sector: str | None
    quantity: int
    last: Decimal
    base: Decimal  # where today's P&L is measured from

    @property
    def value(self) -> Decimal:
        return abs(self.quantity) * self.last


@dataclass(frozen=True)
class Entry:
    """A BUY of `quantity` at `price`: the entry checked, or one placed and not yet filled
    (working: what it adds once it fills)."""

    key: str
    sector: str | None
    quantity: int
    price: Decimal

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price


@dataclass(frozen=True)
class Book:
    """The account as the rules measure it, in real rupees."""

    held: tuple[Held, ...]
    working: tuple[Entry, ...]
    realised_today: Decimal
    cash: Decimal | None  # None: no broker reported its funds (a % rule then refuses)

    @property
    def capital(self) -> Decimal:
        return (self.cash or ZERO) + sum((h.value for h in self.held), ZERO)

    @property
    def exposure(self) -> Decimal:
        return sum((h.value for h in self.held), ZERO) + sum((w.value for w in self.working), ZERO)

    def _grouped(self, by_key: bool) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        items: tuple[Held | Entry, ...] = (*self.held, *self.working)
        for item in items:
            label = item.key if by_key else item.sector or UNCLASSIFIED
            totals[label] = totals.get(label, ZERO) + item.value
        return totals

    @property
    def by_symbol(self) -> dict[str, Decimal]:
        return self._grouped(by_key=True)

    @property
    def by_sector(self) -> dict[str, Decimal]:
        return self._grouped(by_key=False)

    @property
    def loss_today(self) -> Decimal:
        today = sum((h.quantity * (h.last - h.base) for h in self.held), ZERO)
        return max(-(self.realised_today + today), ZERO)


def _held(row: Mapping[str, Any], quantity: int, sectors: Mapping[str, str]) -> Held | None:
    if quantity == 0:
        return None
    average = _dec(row.get("average_price")) or ZERO
    last = _dec(row.get("last_price")) or average
    base = _dec(row.get("close_price")) or average
    key = f"{row.get('exchange') or 'NSE'}:{row.get('tradingsymbol')}"
    return Held(key, sectors.get(key), quantity, last, base)


def book_of(
    reads: Iterable[tuple[list[dict[str, Any]], Mapping[str, Any], Mapping[str, Any]]],
    working: Iterable[Entry],
    sectors: Mapping[str, str],
) -> Book:
    """The book from each broker's ``(holdings, positions, margins)`` and the working entries."""
    held: list[Held] = []
    realised = ZERO
    cash: Decimal | None = None
    for holdings, positions, margins in reads:
        for row in holdings:
            units = int(row.get("quantity") or 0) + int(row.get("t1_quantity") or 0)
            found = _held(row, units, sectors)
            if found is not None:
                held.append(found)
        for row in positions.get("net", []) or []:
            found = _held(row, int(row.get("quantity") or 0), sectors)
            if found is not None:
                held.append(found)
            realised += _dec(row.get("realised")) or ZERO
        equity = margins.get("equity")
        if isinstance(equity, Mapping):
            available = equity.get("available") or {}
            funds = _dec(available.get("live_balance", available.get("cash")))
            if funds is not None:
                cash = (cash or ZERO) + funds
    return Book(tuple(held), tuple(working), realised, cash)


@dataclass(frozen=True)
class Breach:
    """A rule an entry breaks, in the user's words."""

    rule_id: int | None
    type: str
    action: str  # block | warn
    message: str


NO_CAPITAL = "no broker reported its funds"
Rule = Mapping[str, Any]


def _order_value(rule: Rule, book: Book, entry: Entry) -> str | None:
    amount, value = _dec(rule.get("threshold_amount")), entry.value
    if amount is None or value <= amount:
        return None
    return f"order value {rupees(value)} is over the {rupees(amount)} limit"


def _symbol(rule: Rule, book: Book, entry: Entry) -> str | None:
    amount = _dec(rule.get("threshold_amount"))
    after = book.by_symbol.get(entry.key, ZERO) + entry.value
    if amount is None or after <= amount:
        return None
    return (
        f"{entry.key} exposure would reach {rupees(after)}, over the {rupees(amount)} "
        "per-symbol limit"
    )


def _daily_loss(rule: Rule, book: Book, entry: Entry) -> str | None:
    amount, loss = _dec(rule.get("threshold_amount")), book.loss_today
    if amount is None or loss < amount:
        return None
    return f"today's loss {rupees(loss)} has reached the {rupees(amount)} limit"


def _share(book: Book, pct: Decimal) -> Decimal:
    return max(book.capital, ZERO) * pct / HUNDRED


def _exposure(rule: Rule, book: Book, entry: Entry) -> str | None:
    amount, pct = _dec(rule.get("threshold_amount")), _dec(rule.get("threshold_pct"))
    after = book.exposure + entry.value
    if amount is not None and after > amount:
        return f"exposure would reach {rupees(after)}, over the {rupees(amount)} limit"
    if pct is None:
        return None
    if book.cash is None:
        return f"capital unknown: {NO_CAPITAL}; exposure would reach {rupees(after)}"
    limit = _share(book, pct)
    if after <= limit:
        return None
    return (
        f"exposure would reach {rupees(after)}, over {_pct_text(pct)} of capital ({rupees(limit)})"
    )


def _sector(rule: Rule, book: Book, entry: Entry) -> str | None:
    pct = _dec(rule.get("threshold_pct"))
    if pct is None:
        return None
    sector = entry.sector or UNCLASSIFIED
    after = book.by_sector.get(sector, ZERO) + entry.value
    if book.cash is None:
        return f"capital unknown: {NO_CAPITAL}; {sector} exposure would reach {rupees(after)}"
    limit = _share(book, pct)
    if after <= limit:
        return None
    return (
        f"{sector} exposure would reach {rupees(after)}, over {_pct_text(pct)} of capital "
        f"({rupees(limit)})"
    )


#: Each rule type the cloud hands over, and its arithmetic (the server's `domain.risk`).
CHECKS = {
    "max_order_value": _order_value,
    "max_symbol_exposure": _symbol,
    "daily_loss_limit": _daily_loss,
    "max_exposure": _exposure,
    "max_sector_exposure_pct": _sector,
}


def check(rules: Iterable[Mapping[str, Any]], book: Book, entry: Entry) -> list[Breach]:
    """Every rule `entry` breaks on `book`, in the order given."""
    found = []
    for rule in rules:
        measure = CHECKS.get(str(rule.get("type")))
        words = measure(rule, book, entry) if measure is not None else None
        if words is not None:
            found.append(
                Breach(rule.get("id"), str(rule.get("type")), str(rule.get("action")), words)
            )
    return found


def refusal(found: Iterable[Breach]) -> str | None:
    """The words a refused entry is rejected with (the server's prefix), or None."""
    blocking = [b.message for b in found if b.action == "block"]
    if not blocking:
        return None
    return "Order rejected by the agent's risk check: " + "; ".join(blocking)
