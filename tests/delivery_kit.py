"""Seeding a stock F&O position the paper catalog does not list (it lists index options
only): a fill booked through the ledger as an order of its own, with no charges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.instruments import Exchange, Instrument, InstrumentType, synthetic_token
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import apply_event, claim, new_order, store_history
from tradertape.runtime import Runtime

DEC_2026 = date(2026, 12, 29)  # RELIANCE's December 2026 monthly expiry (last Tuesday)


def contract(symbol: str) -> Instrument:
    """`symbol`, a RELIANCE December 2026 future or option (lot 500), as the catalog would
    list it."""
    kind = symbol[-3:] if symbol.endswith("FUT") else symbol[-2:]
    strike = None if kind == "FUT" else Decimal(symbol[len("RELIANCE26DEC") : -2])
    return Instrument(
        exchange=Exchange.NFO,
        tradingsymbol=symbol,
        instrument_type=InstrumentType(kind),
        name="RELIANCE",
        instrument_token=synthetic_token(Exchange.NFO, symbol),
        tick_size=Decimal("0.05"),
        lot_size=500,
        expiry=DEC_2026,
        strike=strike,
        underlying="RELIANCE",
    )


def lot_order(symbol: str, side: str) -> OrderSpec:
    """A market order for one lot (500) of `symbol`, carried forward (NRML)."""
    return OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=symbol,
        transaction_type=TransactionType(side),
        quantity=500,
        product=Product.NRML,
        order_type=OrderType.MARKET,
    )


def seed_contract_fill(runtime: Runtime, user_id: int, symbol: str, side: str, price: str) -> None:
    """A fill of 500 units of `symbol` (a RELIANCE December contract), with no charges."""
    instrument, spec = contract(symbol), lot_order(symbol, side)
    now = runtime.clock.now()
    with runtime.db.session() as db:
        order = new_order(
            user_id, spec, instrument, client_key=None, source="api", attribution=None, now=now
        )
        ledger = Ledger(db, rows=False)
        ledger.lock(user_id)
        accepted = OrderEvent(EventKind.ACCEPTED, now, status_after=OrderStatus.OPEN)
        filled = OrderEvent(EventKind.FILLED, now, fill_quantity=500, fill_price=Decimal(price))
        history = [
            apply_event(order, accepted, now),
            ledger.fill(order, instrument, filled, now, own_note=Decimal(0)),
        ]
        claim(db, order)
        store_history(db, order, history)
        ledger.write()
        db.commit()
