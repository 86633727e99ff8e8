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

Held together (`portfolio_margin`), a sold option covered by a bought option of its type,
underlying and expiry (a vertical spread) keeps SPAN only up to the spread's risk; its
exposure stays. Every sum of margins goes through it: previews, funds, the funds check.
"""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class MarginLeg:
    """One position or order as the hedge offset sees it: its margin alone, and for an
    option the terms that let a bought option cover a sold one."""

    margin: Margin  # the leg alone (`margin_for`; nothing for a paid-up bought option)
    instrument: Instrument | None = None  # an option, or None: no offset (future, equity)
    quantity: int = 0  # signed units: + bought, − sold
    premium: Decimal = _ZERO  # per unit: the order's price, or a position's mark


def _series(leg: MarginLeg) -> tuple[str, str, object, str] | None:
    instrument = leg.instrument
    if instrument is None or instrument.option_type is None or instrument.strike is None:
        return None
    if not leg.quantity:
        return None
    underlying = instrument.underlying or instrument.name
    return (instrument.exchange.value, underlying, instrument.expiry, instrument.option_type)


def _strike(leg: MarginLeg) -> Decimal:
    instrument = leg.instrument
    strike = instrument.strike if instrument is not None else None
    return strike if strike is not None else _ZERO


def _adverse_width(call: bool, sold: Decimal, bought: Decimal) -> Decimal:
    """How far the bought strike lies on the losing side of the sold one (0: none)."""
    return max(bought - sold if call else sold - bought, _ZERO)


def _savings(legs: Sequence[MarginLeg]) -> dict[int, Decimal]:
    """The SPAN each sold leg (by index) is spared by the bought legs of its series.

    A sold unit matched with a bought unit of the same underlying, expiry and type (a
    vertical spread) risks at most the strikes' adverse width less its own premium: the
    premium received stays booked against the position, and a debit spread's bought leg
    has paid its own premium. Units are matched in strike order (lowest with lowest for
    calls, highest with highest for puts), each bought unit covering one sold unit.
    """
    series: dict[tuple[str, str, object, str], list[int]] = {}
    for index, leg in enumerate(legs):
        key = _series(leg)
        if key is not None:
            series.setdefault(key, []).append(index)
    savings: dict[int, Decimal] = {}
    for key, indices in series.items():
        call = key[3] == "CE"

        def strike(i: int) -> Decimal:
            return _strike(legs[i])

        order = sorted(indices, key=strike, reverse=not call)
        sold = [[i, -legs[i].quantity] for i in order if legs[i].quantity < 0]
        bought = [[i, legs[i].quantity] for i in order if legs[i].quantity > 0]
        s = b = 0
        while s < len(sold) and b < len(bought):
            short, long_ = sold[s], bought[b]
            units = min(short[1], long_[1])
            leg = legs[short[0]]
            per_unit = leg.margin.span / -leg.quantity
            cap = max(_adverse_width(call, strike(short[0]), strike(long_[0])) - leg.premium, _ZERO)
            spared = max(per_unit - cap, _ZERO) * units
            savings[short[0]] = savings.get(short[0], _ZERO) + spared
            short[1] -= units
            long_[1] -= units
            s += short[1] == 0
            b += long_[1] == 0
    return savings


def portfolio_margin(legs: Sequence[MarginLeg]) -> Margin:
    """The margin of `legs` held together: their margins alone, less the SPAN a sold
    option is spared by a bought option of the same type, underlying and expiry.

    A covered sold unit's SPAN is capped at the spread's loss beyond what is booked: the
    adverse strike width less the sold premium (nothing for a debit spread: the bought
    leg's premium is its whole risk). Exposure on the sold leg stays, as NSE charges its
    extreme-loss margin on a short option's notional whether hedged or not. Never more
    than the legs alone, never negative; the same sum when nothing offsets.
    """
    total = sum((leg.margin for leg in legs), NO_MARGIN)
    savings = _savings(legs)
    if not savings:
        return total
    spared = sum((min(saving, legs[i].margin.span) for i, saving in savings.items()), _ZERO)
    return Margin(
        var=total.var,
        span=max(total.span - spared, _ZERO),
        exposure=total.exposure,
        option_premium=total.option_premium,
    )
