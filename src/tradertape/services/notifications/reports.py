"""What the read-only commands and the morning briefing say about a user's portfolios, as
lines of text; one place, so ``/briefing`` and the scheduled briefing say the same thing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.candles.populate import last_completed_session
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, RiskEvent
from tradertape.domain.money import inr
from tradertape.domain.signals import ACTIONABLE
from tradertape.oms import QuoteBook
from tradertape.ports.clock import IST, Clock
from tradertape.services.accounts.ownership import owned
from tradertape.services.portfolios.dashboard import value_positions
from tradertape.services.portfolios.reconcile import drift

NEAR_STOP = Decimal("0.03")  # /danger: a position within 3 % of its stop
LIST_LIMIT = 20


class Reports:
    """Portfolio status, positions, P&L and warnings of one user, read from the database."""

    def __init__(self, *, store: CandleStore, quotes: QuoteBook, clock: Clock) -> None:
        self._store = store
        self._quotes = quotes
        self._clock = clock

    def _today(self) -> date:
        return last_completed_session(self._store.calendar, self._clock.now())

    @staticmethod
    def _portfolios(db: Session, user_id: int) -> list[ModelPortfolio]:
        query = owned(ModelPortfolio, user_id=user_id).where(ModelPortfolio.status == "active")
        return list(db.scalars(query.order_by(ModelPortfolio.id)))

    @staticmethod
    def _open(db: Session, user_id: int) -> list[ModelPosition]:
        query = owned(ModelPosition, user_id=user_id).where(ModelPosition.status != "closed")
        return list(db.scalars(query.order_by(ModelPosition.id)))

    def status_lines(self, db: Session, user_id: int) -> list[str]:
        """Each active portfolio's capital, P&L, positions and pending signals."""
        lines = []
        for p in self._portfolios(db, user_id):
            total = p.current_capital + p.deployed_capital + p.committed_capital
            positions = db.scalar(
                select(ModelPosition.id).where(
                    ModelPosition.portfolio_id == p.id, ModelPosition.status != "closed"
                )
            )
            count = len(
                db.scalars(
                    select(ModelSignal.id).where(
                        ModelSignal.portfolio_id == p.id, ModelSignal.status.in_(ACTIONABLE)
                    )
                ).all()
            )
            held = "positions open" if positions is not None else "no open positions"
            lines.append(
                f"{p.name}: capital {inr(total)}, realised P&L {inr(p.realised_pnl, signed=True)}, "
                f"{held}, {count} signals pending"
            )
        return lines or ["No active portfolios."]

    def position_lines(self, db: Session, user_id: int) -> list[str]:
        """Open positions with their unrealised P&L."""
        valued = value_positions(self._open(db, user_id), self._store, self._quotes, self._today())
        lines = []
        for v in valued[:LIST_LIMIT]:
            p = v.position
            pnl = inr(v.unrealised, signed=True)
            lines.append(f"{p.symbol}: {p.quantity} @ {p.entry_price}, now {v.last_price}, {pnl}")
        return lines or ["No open positions."]

    def summary_lines(self, db: Session, user_id: int) -> list[str]:
        """Each portfolio's last day change and realised P&L."""
        lines = []
        for p in self._portfolios(db, user_id):
            curve = p.equity_curve[-2:]
            change = curve[-1]["equity"] - curve[0]["equity"] if len(curve) == 2 else 0.0
            lines.append(
                f"{p.name}: day {inr(change, signed=True)}, "
                f"realised {inr(p.realised_pnl, signed=True)}, charges {inr(p.charges_paid)}"
            )
        return lines or ["No active portfolios."]

    def danger_lines(self, db: Session, user_id: int) -> list[str]:
        """Positions near their stops, drift and the last day's risk breaches."""
        lines = []
        valued = value_positions(self._open(db, user_id), self._store, self._quotes, self._today())
        for v in valued:
            stop, price = v.position.stop_price, v.last_price
            if stop is not None and price is not None and price <= stop * (1 + NEAR_STOP):
                lines.append(f"near stop: {v.position.symbol} at {price}, stop {stop}")
        for p in self._portfolios(db, user_id):
            missing = drift(db, p)
            if missing:
                lines.append(f"drift in {p.name}: {', '.join(missing)}")
        since = self._clock.now() - timedelta(days=1)
        events = db.scalars(
            owned(RiskEvent, user_id=user_id)
            .where(RiskEvent.at >= since)
            .order_by(RiskEvent.id.desc())
            .limit(LIST_LIMIT)
        )
        lines += [f"risk {e.rule_type} ({e.action}): {e.message}" for e in events]
        return lines

    def briefing(self, db: Session, user_id: int) -> str:
        """The morning briefing: portfolio status, then the warnings."""
        danger = self.danger_lines(db, user_id) or ["No warnings."]
        title = f"☀️ Briefing, {self._clock.now().astimezone(IST):%a %d %b %Y}"
        return "\n".join([title, *self.status_lines(db, user_id), "", *danger])
