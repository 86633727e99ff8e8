"""Fills placed outside the server, reported to it: booked in the live book like any other.

The local agent places at the user's broker from the user's machine, so the server holds
no order of its own there. Each fill it reports becomes one order of ours (its `source`,
in the ``live:<broker>`` book: docs/books.md) carrying the broker's order id, and the
report is applied as any broker report is: booked once, at the broker's schedule of
charges, and a repeated report (the same `client_key`) adds nothing. The order row is
made here, inside the OMS, like every other order row.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Trade
from tradertape.domain.books import live_book
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType
from tradertape.oms.commands import ExternalFill
from tradertape.oms.live.broker_trades import Tradebook
from tradertape.oms.live.orders import BrokerReport, LiveOrders
from tradertape.oms.order_log import claim, new_order, record
from tradertape.oms.portfolio_books import hold_portfolio, portfolio_named


def book_external_fill(db: Session, live: LiveOrders, fill: ExternalFill) -> Decimal:
    """Book `fill` in the live book of its broker, in the caller's transaction; the
    charges the ledger booked for it (its share of the day's contract note there).

    A fill whose attribution names a model portfolio takes the portfolio's lock first,
    before the ledger's: its fill event's subscriber books the portfolio's position and
    money in this transaction (`oms.portfolio_books`: one lock order for every writer)."""
    portfolio_id = portfolio_named(fill.attribution)
    if portfolio_id is not None:
        hold_portfolio(db, portfolio_id)
    instrument = live.catalog(db).get(fill.symbol)
    spec = OrderSpec(
        exchange=instrument.exchange,
        tradingsymbol=instrument.tradingsymbol,
        transaction_type=fill.side,
        quantity=fill.quantity,
        product=fill.product,
        order_type=OrderType.LIMIT,
        price=fill.price,
    )
    order = new_order(
        fill.user_id,
        spec,
        instrument,
        client_key=fill.client_key,
        source=fill.source,
        attribution=fill.attribution,
        now=fill.at,
    )
    order.broker = fill.broker
    order.book = live_book(fill.broker)
    order.broker_order_id = fill.broker_order_id
    stored = claim(db, order)
    if stored is order:
        accepted = OrderEvent(EventKind.ACCEPTED, fill.at, status_after=OrderStatus.OPEN)
        record(db, order, accepted, fill.at)
        db.flush()
    report = BrokerReport(
        broker_order_id=stored.broker_order_id or order.broker_order_id,
        status=OrderStatus.COMPLETE.value,
        filled_quantity=fill.quantity,
        average_price=fill.price,
    )
    # the server has no session where it was placed: book by the reported figures
    live.book_report(db, fill.broker, report, Tradebook(None))
    db.flush()
    charged = db.scalars(select(Trade.charges).where(Trade.order_pk == stored.id))
    return sum(charged, Decimal(0))
