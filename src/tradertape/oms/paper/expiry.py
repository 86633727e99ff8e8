"""Expiry on the paper exchange: an open F&O position settled on its contract's expiry day.

After the expiring contracts' close (15:30 IST on their expiry day), every open paper
position in an option or future of that expiry is settled by `domain.expiry`'s rule at the
underlying's close there (its last tick of that day): an index option at its intrinsic value
(nothing when out of the money), a future at the close; a stock contract that delivers
(`expiry.delivery_of`: an in-the-money option, a future) closes at ₹0 (an option) or the
close (a future), and its shares are a second order of the exchange in the same book: a
CNC buy or sale of the underlying at the strike (a future: at the close), charged with the
delivery's own contract note (`expiry.delivery_charges`), so the holdings show the shares
(a sale of shares the book does not hold shows as a negative holding: shares owed).
The settlement is an order of the exchange (source
``expiry``) that fills at once at the settlement price, booked by the `Ledger` like any fill
(its trade, the cash, the position) with the settlement's own contract note as its charges
(exercise STT on an in-the-money long, the per-order brokerage and its GST; none out of the
money), and its history recorded by `order_log.store_history`, so its `OrderFilled` reaches
every subscriber and every view reads the position gone. Each position is settled in the
book that holds it (the manual book, a portfolio's, a run's), with no attribution: like the
MIS square-off, no owner's own bookkeeping is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Trade
from tradertape.domain.charges import schedules_of
from tradertape.domain.expiry import Contract, Settled, settle
from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    synthetic_token,
)
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.context import BROKER, TradingContext
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_locks import not_replayed
from tradertape.oms.order_log import apply_event, claim, new_order, store_history

EXPIRY = "expiry"  # the settlement order's source
DERIVATIVES = (Exchange.NFO.value, Exchange.BFO.value)


@dataclass(frozen=True, slots=True)
class Held:
    """One book's open quantity of a derivative in one product."""

    exchange: str
    tradingsymbol: str
    product: str
    book: str
    quantity: int  # positive long, negative short

    @property
    def key(self) -> str:
        return f"{self.exchange}:{self.tradingsymbol}"


def holders(db: Session) -> list[int]:
    """The users who ever traded a derivative on the paper exchange (a replay's account
    settles on its own clock, not the market's)."""
    query = select(Trade.user_id).where(
        Trade.broker == BROKER, Trade.exchange.in_(DERIVATIVES), not_replayed(Trade.user_id)
    )
    return sorted(db.scalars(query.distinct()))


def held(db: Session, *, user_id: int) -> list[Held]:
    """The user's open derivative positions per book (read under the ledger lock)."""
    query = (
        select(
            Trade.exchange,
            Trade.tradingsymbol,
            Trade.product,
            Trade.book,
            Trade.transaction_type,
            func.sum(Trade.quantity),
        )
        .where(Trade.user_id == user_id, Trade.broker == BROKER, Trade.exchange.in_(DERIVATIVES))
        .group_by(
            Trade.exchange, Trade.tradingsymbol, Trade.product, Trade.book, Trade.transaction_type
        )
    )
    net: dict[tuple[str, str, str, str], int] = {}
    for exchange, symbol, product, book, side, quantity in db.execute(query):
        key = (exchange, symbol, product, book)
        net[key] = net.get(key, 0) + (int(quantity) if side == "BUY" else -int(quantity))
    return [Held(*key, quantity) for key, quantity in sorted(net.items()) if quantity]


def settled_of(contract: Contract, held: int, close: Decimal) -> Settled:
    """The paper exchange's settlement of `held` units of `contract` (positive long) at the
    underlying's `close`, on the paper broker's schedule (Zerodha's): the one rule its
    expiry job books and the chain simulator charges a leg settled at expiry by."""
    return settle(contract, held, close, schedules=schedules_of(BROKER))


def book_settlement(
    context: TradingContext,
    db: Session,
    catalog: InstrumentCatalog,
    *,
    user_id: int,
    position: Held,
    settled: Settled,
    at: datetime,
) -> None:
    """Store the exchange's settlement order of `position` and book its one fill at the
    settlement price, with the settlement's charges as its own note (no commit; the caller
    holds the user's ledger lock)."""
    instrument = catalog.find(position.key) or _unlisted(position, settled.contract)
    side = TransactionType.SELL if position.quantity > 0 else TransactionType.BUY
    spec = OrderSpec(
        exchange=Exchange(position.exchange),
        tradingsymbol=position.tradingsymbol,
        transaction_type=side,
        quantity=abs(position.quantity),
        product=Product(position.product),
        order_type=OrderType.MARKET,
    )
    order = new_order(
        user_id, spec, instrument, client_key=None, source=EXPIRY, attribution=None, now=at
    )
    order.book = position.book  # settled where it is held
    ledger = Ledger(db, rows=False)
    ledger.lock(user_id)
    accepted = OrderEvent(
        EventKind.ACCEPTED, at, status_after=OrderStatus.OPEN, message=_message(settled)
    )
    filled = OrderEvent(
        EventKind.FILLED, at, fill_quantity=abs(position.quantity), fill_price=settled.price
    )
    history = [
        apply_event(order, accepted, at),
        ledger.fill(order, instrument, filled, at, own_note=settled.charges.total),
    ]
    claim(db, order)
    store_history(db, order, history)
    if settled.delivery is not None and settled.delivery_charges is not None:
        _book_delivery(db, catalog, ledger, user_id, position, settled, at)
    ledger.write()


def _book_delivery(
    db: Session,
    catalog: InstrumentCatalog,
    ledger: Ledger,
    user_id: int,
    position: Held,
    settled: Settled,
    at: datetime,
) -> None:
    """The shares `settled` delivers: a CNC order of the underlying filled at once at the
    delivery price, in the contract's book, with the delivery's contract note."""
    delivery, note = settled.delivery, settled.delivery_charges
    assert delivery is not None
    assert note is not None
    exchange = Exchange.BSE if position.exchange == Exchange.BFO.value else Exchange.NSE
    instrument = catalog.find(f"{exchange.value}:{delivery.underlying}") or _share(
        exchange, delivery.underlying
    )
    spec = OrderSpec(
        exchange=exchange,
        tradingsymbol=delivery.underlying,
        transaction_type=TransactionType(delivery.side),
        quantity=delivery.quantity,
        product=Product.CNC,
        order_type=OrderType.MARKET,
    )
    order = new_order(
        user_id, spec, instrument, client_key=None, source=EXPIRY, attribution=None, now=at
    )
    order.book = position.book
    message = (
        f"Physical delivery of {position.tradingsymbol}: {delivery.side.lower()} "
        f"{delivery.quantity} {delivery.underlying} at ₹{delivery.price:,}."
    )
    accepted = OrderEvent(EventKind.ACCEPTED, at, status_after=OrderStatus.OPEN, message=message)
    filled = OrderEvent(
        EventKind.FILLED, at, fill_quantity=delivery.quantity, fill_price=delivery.price
    )
    history = [
        apply_event(order, accepted, at),
        ledger.fill(order, instrument, filled, at, own_note=note.total),
    ]
    claim(db, order)
    store_history(db, order, history)


def _share(exchange: Exchange, symbol: str) -> Instrument:
    """The instrument of a delivered stock the catalog does not list."""
    return Instrument(
        exchange=exchange,
        tradingsymbol=symbol,
        instrument_type=InstrumentType.EQ,
        name=symbol,
        instrument_token=synthetic_token(exchange, symbol),
        tick_size=Decimal("0.05"),
        lot_size=1,
    )


def _message(settled: Settled) -> str:
    contract = settled.contract
    if not contract.option:
        said = f"Settled at expiry at the final settlement price ₹{settled.price:,}."
    elif settled.price:
        said = f"Exercised at expiry: settled at its intrinsic value ₹{settled.price:,}."
    elif settled.delivery is not None:
        said = "Exercised at expiry: closed at ₹0, delivered at the strike."
    else:
        said = "Expired out of the money: settled at ₹0."
    delivery = settled.delivery
    if delivery is not None:
        said += (
            f" Physical delivery: {delivery.side.lower()} {delivery.quantity} "
            f"{delivery.underlying} at ₹{delivery.price:,} (₹{delivery.value:,.2f})."
        )
    return said


def _unlisted(position: Held, contract: Contract) -> Instrument:
    """The instrument of a contract the catalog no longer lists (settled late)."""
    return Instrument(
        exchange=Exchange(position.exchange),
        tradingsymbol=position.tradingsymbol,
        instrument_type=InstrumentType(contract.kind),
        name=contract.underlying,
        instrument_token=synthetic_token(Exchange(position.exchange), position.tradingsymbol),
        tick_size=Decimal("0.05"),
        lot_size=1,
        expiry=contract.expiry,
        strike=contract.strike,
        underlying=contract.underlying,
    )
