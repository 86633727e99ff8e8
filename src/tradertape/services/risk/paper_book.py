"""The paper account's book for risk: the OMS's folded positions, marked to the QuoteBook.

The same class reads the live book (``live=True``): the trades, working orders and GTTs we
keep for the user's real brokers (every ``broker`` but ``paper``), so a live order is
judged against live exposure and a paper order against paper. The live book's capital is
what the brokers report (`live_funds`: their equity ``net``) plus the live positions'
value, as the paper account's is its cash plus its positions; when a broker does not
report, the book says why (``capital_unknown``) and % rules refuse.

Positions are the OMS's position read model (`oms.positions.PositionFolds`: net per
instrument across products, each at its average cost, folded incrementally so a book
costs no pass over the user's trade history); this module only values them. Today's P&L
is measured from where the day started: units held overnight enter at yesterday's close
(the tick's ``prev_close``), or at their average when no tick has been seen, so an old loss
is not today's loss; what closed today is realised by the one rule (`domain.day_pnl`) and
the open units' part is its complement, so the two add up to the day's P&L to the paisa
(the top bar's figure, and the daily loss rule's, is the books', `PaperPortfolio.day_pnl`).
Risk reads this book under the ledger lock before every checked entry.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.money import ZERO
from tradertape.domain.risk import Book, OpenPosition, WorkingEntry
from tradertape.oms import (
    BROKER,
    FoldedPositions,
    InstrumentPools,
    LedgerRead,
    Pool,
    PositionFolds,
    Waiting,
    lock_user_books,
)
from tradertape.ports.clock import Clock

if TYPE_CHECKING:
    from tradertape.services.risk.live_funds import LiveFunds

LastTick = Callable[[str], Tick | None]
# One lock for every live book of a user: placements at two brokers serialize at the gate,
# and no one takes it before a broker's own ledger lock (a placement holds that first).
LIVE_LOCK = "live"
# (tick, catalog, today's realised P&L or None, open position or None): what `_book` made
# of one instrument's pools, kept on them (`InstrumentPools.made`) for the next book: a
# trade folded in drops it, and a book made at another tick or catalog object (a new price,
# a new listing) makes it again, so it never answers with a price or a position other
# than the current ones.
_Made = tuple[Tick | None, InstrumentCatalog, Decimal | None, OpenPosition | None]


class PaperExposure:
    """`ExposureSource` over the paper OMS ledger (trades, working orders, cash), or with
    `live` over the live books (every real broker's, together)."""

    def __init__(
        self,
        *,
        clock: Clock,
        catalog: Callable[[Session], InstrumentCatalog],
        last_tick: LastTick,
        live: bool = False,
        funds: LiveFunds | None = None,
    ) -> None:
        self._live = live
        self._funds = funds  # the live book's broker funds (none: the capital is unknown)
        self._catalog = catalog
        self._last_tick = last_tick
        self._positions = PositionFolds(clock=clock, live=live)

    def book(self, db: Session, *, user_id: int, lock: bool = False) -> Book:
        """Open positions, working entries, today's realised P&L and account value."""
        if lock:
            lock_user_books(db, user_ids=[user_id], broker=LIVE_LOCK if self._live else BROKER)
        with self._positions.read(db, user_id=user_id) as (folded, read):
            return self._book(db, user_id, folded, read)

    def read_ahead(self, db: Session, *, user_id: int) -> None:
        """Send `book`'s read with the transaction's next round trip, for a user whose book
        was read today: one whose rules never needed it costs nothing."""
        self._positions.read_ahead(db, user_id=user_id)

    def _book(self, db: Session, user_id: int, folded: FoldedPositions, read: LedgerRead) -> Book:
        catalog = self._catalog(db)
        realised_today = ZERO
        positions: list[OpenPosition] = []
        for key, pools in sorted(folded.instruments.items()):
            tick = self._last_tick(key)
            made: _Made | None = pools.made
            if made is None or made[0] is not tick or made[1] is not catalog:
                made = pools.made = (tick, catalog, *self._instrument(key, pools, tick, catalog))
            if made[2] is not None:
                realised_today += made[2]
            if made[3] is not None:
                positions.append(made[3])
        held_now = {p.key: p.quantity for p in positions}
        working = self._working(read.waiting, catalog, held_now)
        held_value = sum((p.quantity * p.last_price for p in positions), ZERO)
        unknown = None
        if not self._live:
            value = read.cash + held_value
        elif self._funds is None:
            value, unknown = ZERO, "the brokers' funds are not read"
        else:
            funds = self._funds(db, user_id)
            value, unknown = funds.net + held_value, funds.unknown
            if unknown is not None:
                value = ZERO
        return Book(
            positions=tuple(positions),
            working=tuple(working),
            realised_today=realised_today,
            capital=value,
            capital_unknown=unknown,
        )

    def _instrument(
        self, key: str, pools: InstrumentPools, tick: Tick | None, catalog: InstrumentCatalog
    ) -> tuple[Decimal | None, OpenPosition | None]:
        """One instrument's part of the book at `tick`: today's realised P&L (None: no
        trade today) and its open position (None: flat)."""
        realised = opened_at = None  # opened_at: where today's P&L of the open units starts
        held = pools.all_time
        if pools.today is not None:
            start = pools.today.start_average
            base = tick.prev_close if tick is not None else start
            realised = pools.today.realised(base)
            if held.quantity:
                opened_at = pools.today.open_base(base)
        if held.quantity == 0:
            return realised, None
        average = held.average  # a division: once a position
        last = tick.last_price if tick is not None else average
        base = opened_at if opened_at is not None else self._day_start(held, tick)
        found = catalog.find(key)
        position = OpenPosition(
            key=key,
            sector=found.sector if found else None,
            quantity=held.quantity,
            average_price=average,
            last_price=last,
            day_base_price=base,
        )
        return realised, position

    @staticmethod
    def _day_start(pool: Pool, tick: Tick | None) -> Decimal:
        return tick.prev_close if tick is not None else pool.average

    def _working(
        self, waiting: list[Waiting], catalog: InstrumentCatalog, held: dict[str, int]
    ) -> list[WorkingEntry]:
        """Working orders and waiting GTTs that would open or extend a position.

        A waiting entry GTT counts as if it had fired: it was allowed on that footing when
        it was created, and an entry checked meanwhile must not take the room it holds
        (its order is checked again when it fires, once the trigger no longer counts here).
        Exits add nothing.
        """
        entries = []
        for key, buy, quantity, price, order_pk in waiting:
            position = held.get(key, 0)
            if (buy and position < 0) or (not buy and position > 0):
                continue
            tick = self._last_tick(key)
            price = price or (tick.last_price if tick else None)
            if price is None:
                continue  # a market order queued with no price seen yet: nothing to value
            found = catalog.find(key)
            entries.append(
                WorkingEntry(
                    key=key,
                    sector=found.sector if found else None,
                    quantity=quantity,
                    price=price,
                    order_pk=order_pk,
                )
            )
        return entries
