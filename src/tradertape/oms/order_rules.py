"""What an order must satisfy before anything is stored: a listed instrument, the domain's
field rules on the right tick grid, and the session rule (outside market hours only AMO;
no new MIS after the square-off cut-off). Each failure is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradertape.domain.calendar import Market
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.instruments import Instrument, InstrumentCatalog, UnknownInstrumentError
from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderFieldError, OrderSpec, Product, Variety, validate_order
from tradertape.domain.ticks import tick_size
from tradertape.errors import InvalidField
from tradertape.oms.venue import SQUAREOFF, Venue
from tradertape.ports.clock import IST


def listed(catalog: InstrumentCatalog, spec: OrderSpec) -> Instrument:
    """The instrument the order names, or a 422 on ``tradingsymbol``."""
    try:
        return catalog.get(spec.key)
    except UnknownInstrumentError as exc:
        raise InvalidField("tradingsymbol", str(exc)) from exc


def _tick_for(instrument: Instrument, spec: OrderSpec, last: Tick | None) -> Decimal:
    if instrument.is_derivative:
        return instrument.tick_size
    reference = last.last_price if last else (spec.price or spec.trigger_price)
    return tick_size(reference) if reference else instrument.tick_size


def check_fields(spec: OrderSpec, instrument: Instrument, last: Tick | None) -> None:
    """The domain's field rules, on the tick grid of the last price (or the order's own)."""
    try:
        validate_order(spec, instrument, tick=_tick_for(instrument, spec, last))
    except OrderFieldError as exc:
        raise InvalidField(exc.field, exc.message) from exc


def check_session(
    venue: Venue, spec: OrderSpec, instrument: Instrument, now: datetime, source: str
) -> None:
    """AMO only outside market hours, regular only inside; MIS closes at the cut-off.

    The broker's own square-off orders are exempt from the MIS cut-off they enforce.
    """
    market = Market.FUTURES if instrument.is_derivative else Market.EQUITY
    is_open = venue.calendar.session_at(now, market) is MarketSession.NORMAL
    if spec.variety is Variety.AMO and is_open:
        raise InvalidField("variety", "AMO is for outside market hours; use regular")
    if spec.variety is not Variety.AMO and not is_open:
        raise InvalidField("variety", "markets are closed: place an AMO (variety 'amo') or a GTT")
    cutoff = venue.config.squareoff_time(instrument.is_derivative)
    late = now.astimezone(IST).time() >= cutoff
    if spec.product is Product.MIS and is_open and late and source != SQUAREOFF:
        raise InvalidField("product", f"MIS orders are blocked after the {cutoff:%H:%M} square-off")
