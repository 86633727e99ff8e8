"""What an order must satisfy before anything is stored: a listed instrument, the domain's
field rules on the right tick grid, a cover order's stop against the last price, and the
session rule (outside market hours only AMO; no new MIS after the square-off cut-off).
Each failure is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradertape.domain.calendar import Market
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.instruments import (
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    UnknownInstrumentError,
)
from tradertape.domain.market import Tick
from tradertape.domain.money import PAISA
from tradertape.domain.orders import (
    OrderFieldError,
    OrderSpec,
    Product,
    TransactionType,
    Variety,
    validate_order,
)
from tradertape.domain.ticks import order_tick
from tradertape.errors import InvalidField
from tradertape.oms.context import SQUAREOFF, TradingContext
from tradertape.ports.clock import IST

_OPTIONS = (InstrumentType.CE, InstrumentType.PE)


def listed(catalog: InstrumentCatalog, spec: OrderSpec) -> Instrument:
    """The instrument the order names, or a 422 on ``tradingsymbol``."""
    try:
        return catalog.get(spec.key)
    except UnknownInstrumentError as exc:
        raise InvalidField("tradingsymbol", str(exc)) from exc


def _tick_for(instrument: Instrument, spec: OrderSpec, last: Tick | None) -> Decimal:
    reference = last.last_price if last else (spec.price or spec.trigger_price)
    return order_tick(instrument, reference)


def check_fields(
    context: TradingContext, spec: OrderSpec, instrument: Instrument, last: Tick | None
) -> None:
    """The domain's field rules, on the tick grid of the last price (or the order's own),
    and a cover order's stop against the last price."""
    try:
        validate_order(spec, instrument, tick=_tick_for(instrument, spec, last))
    except OrderFieldError as exc:
        raise InvalidField(exc.field, exc.message) from exc
    if spec.variety is Variety.CO and spec.trigger_price is not None:
        check_stop(context, spec.transaction_type, spec.trigger_price, last, leg=False)
    check_band(context, spec, instrument, last)


def check_band(
    context: TradingContext, spec: OrderSpec, instrument: Instrument, last: Tick | None
) -> None:
    """The order's price and trigger lie within the price band around the last price (a
    fat finger's ₹14,130 for ₹1,413 is a 422, as the exchange would refuse it). Without a
    last price there is nothing to measure against; options are exempt (`PaperConfig`)."""
    if last is None or last.last_price <= 0 or instrument.instrument_type in _OPTIONS:
        return
    reach = last.last_price * context.config.price_band
    low, high = last.last_price - reach, last.last_price + reach
    for field, value in (("price", spec.price), ("trigger_price", spec.trigger_price)):
        if value and not low <= value <= high:
            band = f"{low.quantize(PAISA)}..{high.quantize(PAISA)}"
            percent = f"{(context.config.price_band * 100).normalize():f}"
            raise InvalidField(
                field, f"{value} is outside the price band {band} ({percent} % of the last price)"
            )


def check_stop(
    context: TradingContext,
    side: TransactionType,
    trigger: Decimal,
    last: Tick | None,
    *,
    leg: bool,
) -> None:
    """A cover order's stop sits on the losing side of the last price, within range.

    `side` is the entry's side; `leg` says whether the trigger is being moved on the
    stop-loss leg (then only the side matters, as at Zerodha).
    """
    if last is None:
        return
    price = last.last_price
    if side is TransactionType.BUY and trigger >= price:
        raise InvalidField("trigger_price", f"a buy cover order's stop must be below {price}")
    if side is TransactionType.SELL and trigger <= price:
        raise InvalidField("trigger_price", f"a sell cover order's stop must be above {price}")
    reach = (price * context.config.cover_trigger_range).quantize(Decimal("0.01"))
    if not leg and abs(price - trigger) > reach:
        raise InvalidField(
            "trigger_price", f"must be within {reach} of the last price {price} (10 %)"
        )


def check_session(
    context: TradingContext, spec: OrderSpec, instrument: Instrument, now: datetime, source: str
) -> None:
    """AMO only outside market hours, regular only inside; MIS closes at the cut-off.

    The broker's own square-off orders are exempt from the MIS cut-off they enforce.
    """
    market = Market.FUTURES if instrument.is_derivative else Market.EQUITY
    is_open = context.calendar.session_at(now, market) is MarketSession.NORMAL
    if spec.variety is Variety.AMO and is_open:
        raise InvalidField("variety", "AMO is for outside market hours; use regular")
    if spec.variety is not Variety.AMO and not is_open:
        raise InvalidField("variety", "markets are closed: place an AMO (variety 'amo') or a GTT")
    cutoff = context.config.squareoff_time(instrument.is_derivative)
    late = now.astimezone(IST).time() >= cutoff
    if spec.product is Product.MIS and is_open and late and source != SQUAREOFF:
        raise InvalidField("product", f"MIS orders are blocked after the {cutoff:%H:%M} square-off")
