"""The live book of an agent-run account, as the risk gate reads it: the holdings and
positions the agent last synced from each broker, plus the agent's open signals (handed
out or placed, not yet filled) as working entries.

Figures the agent synced obfuscated are scaled by a factor only the agent knows, so they
cannot be set against a signal's real rupees: with any obfuscated snapshot the gate keeps
to the rules that count (open positions, the kill switch), and the agent re-checks rupee
and percentage limits locally on real figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import AgentSnapshot, ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain.day_change import day_base
from tradertape.domain.money import ZERO
from tradertape.domain.risk import Book, OpenPosition, WorkingEntry
from tradertape.services.portfolios.signals import AGENT

#: A signal the agent was sent and has not yet reported filled or let go.
WORKING = ("active", "triggered", "order_placed")
NO_MARGINS = "the agent has synced no margins yet (POST /api/agent/sync-positions)"


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _position(row: dict[str, object], sector: str | None) -> OpenPosition | None:
    quantity = row.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
        return None
    average = _decimal(row.get("average_price")) or ZERO
    last = _decimal(row.get("last_price")) or average
    base = _decimal(row.get("close_price")) or average
    overnight = row.get("overnight_quantity")
    if isinstance(overnight, int) and 0 <= overnight < quantity:
        # a position bought (partly) today: those units count from their buy price, not
        # from yesterday's close (a holding's row counts its settled shares only)
        bought_at = _decimal(row.get("day_buy_price")) or average
        today = Decimal(quantity - overnight)
        blend = day_base(settled=Decimal(overnight), t1=today, close=base, bought_at=bought_at)
        base = blend or average
    symbol = f"{row.get('exchange')}:{row.get('tradingsymbol')}"
    return OpenPosition(symbol, sector, quantity, average, last, base)


def snapshots(db: Session, *, user_id: int) -> list[AgentSnapshot]:
    """The user's latest snapshots, holdings first, by broker."""
    query = select(AgentSnapshot).where(AgentSnapshot.user_id == user_id)
    return list(db.scalars(query.order_by(AgentSnapshot.kind, AgentSnapshot.broker)))


def synced_sectors(
    db: Session, *, user_id: int, sector_of: Callable[[str], str | None], also: list[str]
) -> dict[str, str]:
    """The catalog's sector of each symbol the agent synced, and of `also` (the signals
    handed out): the agent applies a sector rule on its real figures with them."""
    keys = {
        f"{r.get('exchange')}:{r.get('tradingsymbol')}"
        for s in snapshots(db, user_id=user_id)
        for r in s.rows
    }
    found = {key: sector_of(key) for key in sorted(keys | set(also))}
    return {key: sector for key, sector in found.items() if sector}


def open_signals(db: Session, *, user_id: int) -> list[ModelSignal]:
    """Entries of the user's agent-run portfolios sent to the agent and still working."""
    query = (
        select(ModelSignal)
        .join(ModelPortfolio, ModelPortfolio.id == ModelSignal.portfolio_id)
        .where(
            ModelPortfolio.user_id == user_id,
            ModelPortfolio.executor == AGENT,
            ModelSignal.signal_type != "exit",
            ModelSignal.status == "approved",
            ModelSignal.gtt_status.in_(WORKING),
        )
    )
    return list(db.scalars(query.order_by(ModelSignal.id)))


def working_entry(signal: ModelSignal) -> WorkingEntry:
    """A signal's entry as the book counts it before it fills."""
    price = signal.limit_price or signal.close_price
    return WorkingEntry(signal.symbol, signal.sector, signal.quantity, price)


@dataclass(slots=True)
class AgentBook:
    """`ExposureSource` of the agent's synced account; ``passed`` are the entries this
    poll already handed out, so two signals of one poll cannot each fit a cap alone."""

    sector_of: Callable[[str], str | None] = lambda _key: None
    passed: list[WorkingEntry] = field(default_factory=list)
    #: The same entries by portfolio, for a rule scoped to one (`scoped`).
    passed_in: dict[int, list[WorkingEntry]] = field(default_factory=dict)

    def pass_entry(self, portfolio_id: int, entry: WorkingEntry) -> None:
        """An entry this poll handed out: it counts as working from now on."""
        self.passed.append(entry)
        self.passed_in.setdefault(portfolio_id, []).append(entry)

    def scoped(self, portfolio_id: int) -> PortfolioBook:
        """The book a rule scoped to one agent-run portfolio is measured on."""
        return PortfolioBook(portfolio_id, self.passed_in.setdefault(portfolio_id, []))

    def obfuscated(self, db: Session, *, user_id: int) -> bool:
        """Whether any synced figure is scaled."""
        return any(s.obfuscated for s in snapshots(db, user_id=user_id))

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        """Nothing: the synced snapshots are read when the book is."""

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """The synced holdings and positions, the open signals, today's realised P&L of
        the synced positions, and capital: margins' available cash plus what is held."""
        positions: list[OpenPosition] = []
        realised = ZERO
        cash: Decimal | None = None
        for snap in snapshots(db, user_id=user_id):
            for row in snap.rows:
                key = f"{row.get('exchange')}:{row.get('tradingsymbol')}"
                found = _position(row, self.sector_of(key))
                if found is not None:
                    positions.append(found)
                if snap.kind == "positions":
                    realised += _decimal(row.get("realised")) or ZERO
            available = _decimal((snap.margins or {}).get("available_cash"))
            if available is not None:
                cash = (cash or ZERO) + available
        working = [working_entry(s) for s in open_signals(db, user_id=user_id)]
        held = sum((p.value for p in positions), ZERO)
        return Book(
            positions=tuple(positions),
            working=(*working, *self.passed),
            realised_today=realised,
            capital=(cash or ZERO) + held,
            capital_unknown=NO_MARGINS if cash is None else None,
        )


@dataclass(slots=True)
class PortfolioBook:
    """`ExposureSource` of one agent-run portfolio: what it holds (its open model positions,
    at their entry price: the cloud's own figures, never scaled) and has working (its open
    signals, and the entries this poll passed for it), with its own capital. A rule scoped to
    the portfolio counts these, not the broker account's unrelated holdings."""

    portfolio_id: int
    passed: list[WorkingEntry]

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        """Nothing: the portfolio's rows are read when the book is."""

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """The portfolio's positions and working entries."""
        portfolio = db.get(ModelPortfolio, self.portfolio_id)
        assert portfolio is not None
        assert portfolio.user_id == user_id
        held = db.scalars(
            select(ModelPosition).where(
                ModelPosition.portfolio_id == self.portfolio_id,
                ModelPosition.status.in_(("open", "exit_pending")),
            )
        )
        positions = tuple(
            OpenPosition(
                p.symbol, p.sector, p.quantity, p.entry_price, p.entry_price, p.entry_price
            )
            for p in held
        )
        working = [
            working_entry(s)
            for s in open_signals(db, user_id=user_id)
            if s.portfolio_id == self.portfolio_id
        ]
        capital = (
            portfolio.current_capital + portfolio.deployed_capital + portfolio.committed_capital
        )
        return Book(positions=positions, working=(*working, *self.passed), capital=capital)
