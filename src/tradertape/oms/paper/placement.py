"""The paper exchange's act in the one admission sequence (`oms.admission.admit`): a new
order worked out whole under the user's ledger lock, in one transaction and one commit.

`admit` runs the rules (the session too: the paper exchange keeps market hours), the gate,
the key's claim with its SEBI slot and the record; this module adds what only the paper
exchange does. Under the ledger lock (taken with the gate's order-rate bucket, the gate's
reads riding with it on PostgreSQL) the funds check: a shortfall is a refusal like the
gate's, stored REJECTED (never for the exchange's own square-off, which only closes).
Accepted, the order is matched at once when a tick is known, its fill booked and an IOC
remainder cancelled, all before anything is written: the first trade then rides with the
order's claim, and the rest (its trades, cash, contract note and positions, and a filled
cover order's stop-loss leg) follow in the same transaction. A replayed or racing key
writes nothing and answers with the first order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.db.rows import fresh
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent
from tradertape.domain.owners import owner_from
from tradertape.domain.values import value_class
from tradertape.oms.admission import admit
from tradertape.oms.commands import SubmitOrder
from tradertape.oms.context import SQUAREOFF, TradingContext
from tradertape.oms.emitter import hold_owners
from tradertape.oms.funds import funding_problem
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import apply_event, entry_status
from tradertape.oms.paper.working import expire_ioc, settle, step
from tradertape.ports.clock import IST

_NO_SIBLINGS: tuple[Order, ...] = ()


@value_class
class Placed:
    """The order, and the column values of the trades its placement booked, oldest first;
    ``booked`` is None when the key was taken and `order` is the first order."""

    order: Order
    booked: list[dict[str, Any]] | None

    def trades(self) -> list[Trade] | None:
        """The booked trades as (detached) rows."""
        return None if self.booked is None else [fresh(Trade, dict(v)) for v in self.booked]


class PaperPlacement:
    """Places paper orders: `admit` with the paper exchange's act (`VenueAct`), whose
    per-order state is the order's `Ledger`."""

    __slots__ = ("_context",)
    judges_session = True

    def __init__(self, context: TradingContext) -> None:
        self._context = context

    def place(self, db: Session, command: SubmitOrder) -> Placed:
        """Validate, check funds, match at once if possible, and store it all.

        The command's ``on_record`` writes the caller's rows once the order is stored, in
        the same transaction (not for a racing duplicate: its first order has them).
        Commits unless ``commit`` is false: then the caller's transaction (a worker intent
        and its idempotency row, say) stores the order together with its own rows.
        """
        ledger = Ledger(db, rows=False)
        stored, claimed = admit(self._context, db, command, self, ledger)
        if not claimed:
            return Placed(stored, None)
        return Placed(stored, [t for t in ledger.written if t["order_pk"] == stored.id])

    def take(
        self,
        db: Session,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        state: Ledger,
        now: datetime,
        gated: bool,
    ) -> str | None:
        """The ledger lock, then the funds check's shortfall, if any (nothing to stamp: a
        new order is the paper exchange's)."""
        context, last, user_id = self._context, command.last, command.user_id
        gate = context.gate
        # The order may fill now (a fired GTT's, a portfolio's): the owners' locks its events'
        # watchers write under (the portfolio's), before the ledger's (`emitter.hold_owners`).
        owner = owner_from(command.source, command.attribution)
        hold_owners(db, [owner], [command.attribution or {}])
        # The lock comes before the funds check reads anything; with a tick, a fill is
        # likely, so the balance, the fill's contract note and the positions are read in
        # one round trip (fills carry `now`).
        state.lock(
            user_id,
            trade_date=now.astimezone(IST).date() if last is not None else None,
            position=(order.exchange, order.tradingsymbol, order.product),
            also=gate.locks(user_id),  # the order-rate bucket, counted once it is claimed
            # The gate's reads ride with the lock's round trip (PostgreSQL).
            ahead=(lambda: gate.read_ahead(db, order)) if gated else None,
        )
        if command.source == SQUAREOFF:
            return None  # the exchange's own square-off closes risk: never refused for margin
        return funding_problem(context, db, state, order, instrument, catalog, last)

    def accept(
        self,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        state: Ledger,
        history: list[dict[str, Any]],
        now: datetime,
    ) -> dict[str, Any] | None:
        """Accepted, and matched against the last tick if there is one; its first trade."""
        accepted = OrderEvent(EventKind.ACCEPTED, now, status_after=entry_status(command.spec))
        history.append(apply_event(order, accepted, now))
        last = command.last
        if last is not None and order.status in WORKING:
            context = self._context
            step(
                context,
                order,
                instrument,
                last,
                traded_volume=last.last_quantity,
                history=history,
                ledger=state,
            )
            expire_ioc(context, order, history)
        return state.first_trade(order)

    def siblings(self, state: Ledger) -> Sequence[Order]:
        """None: the paper exchange's children are placed one by one (`oms.orders`)."""
        return _NO_SIBLINGS

    def book(self, db: Session, order: Order, instrument: Instrument, state: Ledger) -> None:
        """Write the bookings (a filled cover order's entry brings its stop-loss leg)."""
        if order.filled_quantity:
            settle(self._context, db, order, instrument, None, traded_volume=0, ledger=state)
        state.write()
