"""Model portfolios that fill virtually, as risk reads them, and the one book of a user.

A portfolio with ``paper_fill: close`` or ``next_open`` fills its signals in its own tables
(`model_positions`), never through the paper ledger; one with ``paper_fill: gtt`` trades
through the ledger, so its positions are already in `PaperExposure`'s book. The user's
account book (`OneBook`) is the ledger's plus the virtual portfolios': manual orders,
workers and every model portfolio are one book, so a limit on open positions or exposure
sees all of them. The virtual positions are held ``elsewhere`` in that book: a paper order
against one would not close it, so it is no exit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.portfolios import ModelPortfolio, ModelPosition
from tradertape.domain.market import Tick
from tradertape.domain.money import ZERO
from tradertape.domain.risk import Book, OpenPosition
from tradertape.ports.clock import IST, Clock
from tradertape.services.risk.exposure import ExposureSource

LastTick = Callable[[str], Tick | None]
_HELD = ("open", "exit_pending")  # an exit waiting for its fill still holds the units
_VIRTUAL = ("close", "next_open")


class VirtualPortfolios:
    """`ExposureSource` over the user's virtually filled model portfolios."""

    def __init__(self, *, clock: Clock, last_tick: LastTick) -> None:
        self._clock = clock
        self._last_tick = last_tick

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """Open virtual positions marked to the last tick, today's realised P&L, and the
        portfolios' cash (free and earmarked) with the positions' value as capital.

        Nothing to lock: these tables change only on the portfolio's own day run."""
        today = self._clock.now().astimezone(IST).date()
        rows = db.execute(
            select(ModelPosition, ModelPortfolio.id)
            .join(ModelPortfolio, ModelPortfolio.id == ModelPosition.portfolio_id)
            .where(
                ModelPortfolio.user_id == user_id,
                ModelPortfolio.paper_fill.in_(_VIRTUAL),
                (ModelPosition.status.in_(_HELD)) | (ModelPosition.exit_date == today),
            )
            .order_by(ModelPosition.id)
        ).all()
        positions: list[OpenPosition] = []
        realised = ZERO
        for position, _ in rows:
            if position.status not in _HELD:
                realised += position.realised_pnl or ZERO
                continue
            tick = self._last_tick(position.symbol)
            last = tick.last_price if tick is not None else position.entry_price
            opened_today = position.entry_date >= today
            base = position.entry_price if opened_today or tick is None else tick.prev_close
            positions.append(
                OpenPosition(
                    key=position.symbol,
                    sector=position.sector,
                    quantity=position.quantity,
                    average_price=position.entry_price,
                    last_price=last,
                    day_base_price=base,
                )
            )
        cash = db.execute(
            select(ModelPortfolio.current_capital, ModelPortfolio.committed_capital).where(
                ModelPortfolio.user_id == user_id, ModelPortfolio.paper_fill.in_(_VIRTUAL)
            )
        ).all()
        capital = sum((free + held for free, held in cash), ZERO) + sum(
            (p.quantity * p.last_price for p in positions), ZERO
        )
        # Elsewhere: a paper order selling what a portfolio holds virtually would not close it.
        return Book(elsewhere=tuple(positions), realised_today=realised, capital=capital)


class OneBook:
    """`ExposureSource` that adds several books into one (the user's whole account)."""

    def __init__(self, sources: Sequence[ExposureSource]) -> None:
        self._sources = tuple(sources)

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """Every source's book, added: positions and working entries side by side (one
        instrument held in two places counts as one open position), P&L and capital summed.
        """
        books = [s.book(db, user_id=user_id, lock=lock) for s in self._sources]
        return Book(
            positions=tuple(p for b in books for p in b.positions),
            working=tuple(w for b in books for w in b.working),
            elsewhere=tuple(p for b in books for p in b.elsewhere),
            realised_today=sum((b.realised_today for b in books), Decimal(0)),
            capital=sum((b.capital for b in books), Decimal(0)),
        )
