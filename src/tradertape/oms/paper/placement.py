"""Placing a paper order, in one transaction and one commit.

The order is validated, then worked out whole under the user's ledger lock: the funds
check (a shortfall stores it REJECTED), acceptance, and when a tick is known an
immediate match, its fill booked and an IOC remainder cancelled. Only then is anything
written: the order row claims the idempotency key (`order_log.claim`), and its history,
trades, cash, contract note and positions (and a filled cover order's stop-loss leg)
follow it in the same transaction. A replayed or racing
key writes nothing and answers with the first order.

Every order passes the context's pre-trade gate (`gate`: the risk rules, registered once
when the runtime is built), so no path that places an order can forget it. It runs after
the funds check, under the same lock, and its refusal stores the order REJECTED like a
shortfall does. What it found is recorded only once the order is stored, so a replay
logs nothing twice. The broker's square-off and orders the caller knows only close
(``exit_only``: a run's exit, a protection exit) skip it: exits are never blocked.
An order the gate lets through, once it has claimed its key, counts against the client's
order-rate ceiling (`PreTradeGate.admit`): past it nothing is stored and a 429 is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.db.rows import fresh
from tradertape.domain.instruments import Instrument
from tradertape.domain.order_state import WORKING, EventKind, OrderEvent
from tradertape.errors import InvalidField
from tradertape.oms.admission import claim_counted, record_verdict, screen
from tradertape.oms.commands import SubmitOrder
from tradertape.oms.context import SQUAREOFF, TradingContext
from tradertape.oms.emitter import hold_owners
from tradertape.oms.funds import funding_problem
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import (
    apply_event,
    by_key,
    entry_status,
    new_order,
    store_history,
)
from tradertape.oms.order_rules import check_fields, check_session, listed
from tradertape.oms.paper.working import expire_ioc, settle, step
from tradertape.ports.clock import IST


@dataclass(frozen=True, slots=True)
class Placed:
    """The order, and the column values of the trades its placement booked, oldest first;
    ``booked`` is None when the key was taken and `order` is the first order."""

    order: Order
    booked: list[dict[str, Any]] | None

    def trades(self) -> list[Trade] | None:
        """The booked trades as (detached) rows."""
        return None if self.booked is None else [fresh(Trade, dict(v)) for v in self.booked]


def place(context: TradingContext, db: Session, command: SubmitOrder) -> Placed:
    """Validate, check funds, match at once if possible, and store it all.

    The command's ``on_record`` writes the caller's rows once the order is stored, in the
    same transaction (not for a racing duplicate: its first order has them). Commits
    unless ``commit`` is false: then the caller's transaction (a worker intent and its
    idempotency row, say) stores the order together with its own rows.
    """
    user_id, spec, client_key, last = (
        command.user_id,
        command.spec,
        command.client_key,
        command.last,
    )
    source, exit_only = command.source, command.exit_only
    catalog = context.catalog(db)
    try:
        instrument = listed(catalog, spec)
        check_fields(context, spec, instrument, last)
        now = context.clock.now()
        check_session(context, spec, instrument, now, source)
    except InvalidField:
        # A replay answers with the first order even if the market has moved on since.
        first = by_key(db, user_id, client_key) if client_key is not None else None
        if first is None:
            raise
        if command.commit and command.on_record is not None:
            db.commit()  # a caller's rows wait in its transaction: committed, as they were
        return Placed(first, None)
    order = new_order(
        user_id,
        spec,
        instrument,
        client_key=client_key,
        source=source,
        attribution=command.attribution,
        now=now,
    )
    if command.slice_of is not None:
        order.slice_parent = command.slice_of.parent
    ledger = Ledger(db, rows=False)
    # The order may fill now (a fired GTT's, a portfolio's): the owners' locks its events'
    # watchers write under (the portfolio's), before the ledger's (`emitter.hold_owners`).
    hold_owners(db, [command.attribution or {}])
    # The lock comes before the funds check reads anything; with a tick, a fill is likely,
    # so the balance, the fill's contract note and the positions are read in one round trip.
    fill_date = now.astimezone(IST).date() if last is not None else None  # fills carry `now`
    # The broker's own square-off closes risk; it is never refused for margin.
    squareoff = source == SQUAREOFF
    ledger.lock(
        user_id,
        trade_date=fill_date,
        position=(order.exchange, order.tradingsymbol, order.product),
        also=context.gate.locks(user_id),  # the order-rate bucket, counted once it is claimed
        # The gate's reads ride with the lock's round trip (PostgreSQL).
        ahead=None if squareoff or exit_only else lambda: context.gate.read_ahead(db, order),
    )
    problem, verdict = screen(
        context,
        db,
        order,
        instrument,
        last,
        problem=None
        if squareoff
        else funding_problem(context, db, ledger, order, instrument, catalog, last),
        skip=squareoff or exit_only,
        slice_of=command.slice_of,
    )
    history: list[dict[str, Any]] = []
    if problem:
        history.append(
            apply_event(order, OrderEvent(EventKind.REJECTED, now, message=problem), now)
        )
    else:
        accepted = OrderEvent(EventKind.ACCEPTED, now, status_after=entry_status(spec))
        history.append(apply_event(order, accepted, now))
        if last is not None and order.status in WORKING:
            step(
                context,
                order,
                instrument,
                last,
                traded_volume=last.last_quantity,
                history=history,
                ledger=ledger,
            )
            expire_ioc(context, order, history)
    counted = not problem and not squareoff  # a refusal is not counted, nor a replay
    # The fill's trade goes in with the order's claim (one round trip on PostgreSQL).
    filled = ledger.first_trade(order)
    stored = claim_counted(context, db, order, counted=counted, exit_only=exit_only, trade=filled)
    trades = None
    if stored is order:
        trades = _store(context, db, order, instrument, history, ledger)
        record_verdict(db, order, verdict)
        if command.on_record is not None:
            command.on_record(db, order)
    if command.commit:
        db.commit()
    return Placed(stored, trades)


def _store(
    context: TradingContext,
    db: Session,
    order: Order,
    instrument: Instrument,
    history: list[dict[str, Any]],
    ledger: Ledger,
) -> list[dict[str, Any]]:
    """Write the claimed order's history and bookings; the column values of its trades."""
    store_history(db, order, history)
    if order.filled_quantity:  # a cover order's entry brings its stop-loss leg
        settle(context, db, order, instrument, None, traded_volume=0, ledger=ledger)
    ledger.write()
    return [t for t in ledger.written if t["order_pk"] == order.id]
