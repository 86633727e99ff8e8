"""Margin rules of the paper broker: what one order or position must keep blocked.

A stand-in for the exchange's daily risk files (NSE's SPAN and VaR files), which are
not shipped: every figure is a share of the notional value, picked by product and by
the underlying's risk class. The defaults (`MarginRates`) and the worked examples are
in docs/margins.md; the figures:

======================================  ============================  ===================
what                                    margin                        Kite field
======================================  ============================  ===================
equity delivery (CNC, MTF), buy         100 % of the value            ``var``
equity intraday (MIS), either side      20 % of the value (SEBI's     ``var``
                                        5× cap on intraday leverage)
cover order (CO, NSE equity only)       the loss to the stop,         ``var``
                                        |entry − trigger| × qty, but
                                        never under 5 % of the value
future, either side, MIS or NRML        SPAN + exposure on the        ``span``,
                                        notional (lot size × lots ×   ``exposure``
                                        price)
option, bought                          the premium (price × qty)     ``option_premium``
option, sold                            SPAN + exposure on the        ``span``,
                                        underlying's notional (qty ×  ``exposure``
                                        underlying price), as for a
                                        future
======================================  ============================  ===================

SPAN by the underlying's risk class: index 12 %; stocks by volatility bucket, with
index membership standing in for the exchange's volatility figures: NIFTY 50 members
15 %, the rest of the NIFTY 200 20 %, every other stock 25 %. Exposure (the extreme-loss
margin): 2 % of the notional on index derivatives, 3.5 % on stock derivatives.
Since SEBI's peak-margin rules, MIS on F&O gets no more leverage than NRML, so both
products need the same figure. A sell of delivery shares needs the shares, not margin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Self

from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    UnknownInstrumentError,
)
from tradertape.domain.orders import Product, TransactionType

_ZERO = Decimal(0)


class RiskClass(StrEnum):
    """How risky a derivative's underlying is taken to be (picks its SPAN share)."""

    INDEX = "index"
    STOCK_LOW = "stock-low"  # NIFTY 50 members
    STOCK_MEDIUM = "stock-medium"  # the rest of the NIFTY 200
    STOCK_HIGH = "stock-high"  # every other F&O stock


_SPAN = MappingProxyType(
    {
        RiskClass.INDEX: Decimal("0.12"),
        RiskClass.STOCK_LOW: Decimal("0.15"),
        RiskClass.STOCK_MEDIUM: Decimal("0.20"),
        RiskClass.STOCK_HIGH: Decimal("0.25"),
    }
)
# Index membership stands in for the exchange's volatility figures.
_BUCKETS = (("nifty_50", RiskClass.STOCK_LOW), ("nifty_200", RiskClass.STOCK_MEDIUM))


@dataclass(frozen=True, slots=True)
class MarginRates:
    """The table's shares of notional value (defaults documented in the module)."""

    delivery: Decimal = Decimal(1)
    intraday: Decimal = Decimal("0.20")
    cover_floor: Decimal = Decimal("0.05")
    span: MappingProxyType[RiskClass, Decimal] = field(default_factory=lambda: _SPAN)
    exposure_index: Decimal = Decimal("0.02")
    exposure_stock: Decimal = Decimal("0.035")

    def exposure(self, risk: RiskClass) -> Decimal:
        """The exposure share for derivatives of this risk class."""
        return self.exposure_index if risk is RiskClass.INDEX else self.exposure_stock


@dataclass(frozen=True, slots=True)
class Margin:
    """A margin in Kite's ``order_margins`` parts (rupees)."""

    var: Decimal = _ZERO  # equity: delivery value, intraday VaR + ELM, cover-order risk
    span: Decimal = _ZERO
    exposure: Decimal = _ZERO
    option_premium: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        """Everything that must be blocked."""
        return self.var + self.span + self.exposure + self.option_premium

    def __add__(self, other: Self) -> Self:
        return type(self)(
            var=self.var + other.var,
            span=self.span + other.span,
            exposure=self.exposure + other.exposure,
            option_premium=self.option_premium + other.option_premium,
        )


NO_MARGIN = Margin()


def risk_class(catalog: InstrumentCatalog, instrument: Instrument) -> RiskClass:
    """The risk class of a derivative's underlying (an index, or a stock's bucket)."""
    underlying = instrument.underlying or instrument.name
    if _index_of(catalog, instrument) is not None:
        return RiskClass.INDEX
    names = catalog.universe_names
    for universe, bucket in _BUCKETS:
        if universe in names and any(
            member.tradingsymbol == underlying for member in catalog.universe(universe)
        ):
            return bucket
    return RiskClass.STOCK_HIGH


def underlying_key(catalog: InstrumentCatalog, instrument: Instrument) -> str:
    """Where the underlying of a derivative is quoted (``NSE:NIFTY 50``, ``NSE:RELIANCE``)."""
    index = _index_of(catalog, instrument)
    if index is not None:
        return index.key
    cash = Exchange.BSE if instrument.exchange is Exchange.BFO else Exchange.NSE
    return f"{cash.value}:{instrument.underlying or instrument.name}"


def _index_of(catalog: InstrumentCatalog, instrument: Instrument) -> Instrument | None:
    cash = Exchange.BSE if instrument.exchange is Exchange.BFO else Exchange.NSE
    try:
        return catalog.index_named(cash, instrument.underlying or instrument.name)
    except UnknownInstrumentError:
        return None


def margin_for(
    instrument: Instrument,
    product: str,
    side: TransactionType,
    quantity: int,
    price: Decimal,
    *,
    rates: MarginRates,
    risk: RiskClass | None = None,
    underlying_price: Decimal | None = None,
    stop: Decimal | None = None,
) -> Margin:
    """The margin of `quantity` units on `side` at `price` (an order, or an open position).

    `risk` (the riskiest class when unknown) and `underlying_price` matter for
    derivatives: a sold option is margined on the underlying's price, its strike standing
    in when none is known. `stop` is a cover order's trigger.
    """
    if quantity <= 0:
        return NO_MARGIN
    value = price * quantity
    if not instrument.is_derivative:
        if stop is not None:
            return Margin(var=max(abs(price - stop) * quantity, value * rates.cover_floor))
        if product == Product.MIS.value:
            return Margin(var=value * rates.intraday)
        return Margin(var=value * rates.delivery) if side is TransactionType.BUY else NO_MARGIN
    if instrument.option_type is not None:
        if side is TransactionType.BUY:
            return Margin(option_premium=value)
        reference = underlying_price or instrument.strike or price
        value = reference * quantity
    risk = risk or RiskClass.STOCK_HIGH
    return Margin(span=value * rates.span[risk], exposure=value * rates.exposure(risk))
