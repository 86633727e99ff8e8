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

A sold option's SPAN is its worst loss over SPAN's 16 scenarios (`span_scenarios`), the
class's share below as the price scan range, when the underlying's price, the expiry and
the day are known, never under the short option minimum charge; else the flat share.
SPAN by the underlying's risk class: index 12 %; stocks by volatility bucket, with
index membership standing in for the exchange's volatility figures: NIFTY 50 members
15 %, the rest of the NIFTY 200 20 %, every other stock 25 %. Exposure (the extreme-loss
margin): 2 % of the notional on index derivatives, 3.5 % on stock derivatives.
Since SEBI's peak-margin rules, MIS on F&O gets no more leverage than NRML, so both
products need the same figure. A sell of delivery shares needs the shares, not margin.

Held together (`portfolio_margin`), a sold option covered by a bought option of its type,
underlying and expiry (a vertical spread) keeps SPAN only up to the spread's risk; by one
expiring later (a calendar spread), that plus a calendar spread charge; by a future (a
covered call or put), none. Its exposure stays. A bought and a sold future of different
expiries (a futures calendar spread) keep 1-3 % of the far leg and a third of its
exposure. On a contract's expiry day (`today`, SEBI's rules of October 2024) nothing
offsets it across expiries, and a sold index option owes 2 % more exposure. Every sum
of margins goes through it: previews, funds, the funds check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Self

from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    UnknownInstrumentError,
)
from tradertape.domain.money import PAISA, quantize_to_step
from tradertape.domain.option_math import OptionKind
from tradertape.domain.orders import Product, TransactionType
from tradertape.domain.span_scenarios import scenario_span
from tradertape.domain.values import value_class

_ZERO = Decimal(0)
# not `Product.MIS.value` in `margin`: on Python 3.11 an enum class's attribute passes
# through `EnumType.__getattr__`'s hook, and every order's funds check prices its margin
_MIS, _BUY = Product.MIS.value, TransactionType.BUY


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
    expiry_elm: Decimal = Decimal("0.02")  # more exposure on a short index option's expiry day
    # a sold option's SPAN: its worst loss over SPAN's 16 scenarios (`span_scenarios`) when
    # the underlying's price, the expiry and the day are known, never under the short
    # option minimum charge of the underlying's notional; else the flat share above
    scenarios: bool = True
    short_option_minimum_index: Decimal = Decimal("0.03")
    short_option_minimum_stock: Decimal = Decimal("0.075")

    def exposure(self, risk: RiskClass) -> Decimal:
        """The exposure share for derivatives of this risk class."""
        return self.exposure_index if risk is RiskClass.INDEX else self.exposure_stock


@value_class
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
    today: date | None = None,
) -> Margin:
    """The margin of `quantity` units on `side` at `price` (an order, or an open position).

    `risk` (the riskiest class when unknown) and `underlying_price` matter for
    derivatives: a sold option is margined on the underlying's price, its strike standing
    in when none is known. `stop` is a cover order's trigger. `today` (the IST date) adds
    the expiry day's extreme-loss margin to a sold index option expiring that day
    (`expiry_day_elm`).
    """
    if quantity <= 0:
        return NO_MARGIN
    value = price * quantity
    if not instrument.is_derivative:
        if stop is not None:
            return Margin(var=max(abs(price - stop) * quantity, value * rates.cover_floor))
        if product == _MIS:
            return Margin(var=value * rates.intraday)
        return Margin(var=value * rates.delivery) if side is _BUY else NO_MARGIN
    risk = risk or RiskClass.STOCK_HIGH
    span: Decimal | None = None
    if instrument.option_type is not None:
        if side is TransactionType.BUY:
            return Margin(option_premium=value)
        reference = underlying_price or instrument.strike or price
        value = reference * quantity
        if underlying_price is not None and today is not None and rates.scenarios:
            span = _scenario_span(instrument, underlying_price, price, today, rates, risk)
    exposure = rates.exposure(risk)
    if side is TransactionType.SELL and expiry_day_elm(instrument, risk, today):
        exposure += rates.expiry_elm
    each = span * quantity if span is not None else value * rates.span[risk]
    return Margin(span=each, exposure=value * exposure)


def _scenario_span(
    instrument: Instrument,
    underlying: Decimal,
    premium: Decimal,
    today: date,
    rates: MarginRates,
    risk: RiskClass,
) -> Decimal | None:
    """A sold option's SPAN a unit by SPAN's scenarios (`span_scenarios`), never under the
    short option minimum charge; None (the flat share then) when the model cannot say."""
    expiry, strike = instrument.expiry, instrument.strike
    if expiry is None or strike is None or instrument.option_type is None or premium <= 0:
        return None
    index = risk is RiskClass.INDEX
    worst = scenario_span(
        OptionKind(instrument.option_type.value),
        underlying=underlying,
        strike=strike,
        premium=premium,
        expiry=expiry,
        today=today,
        price_scan=rates.span[risk],
        index=index,
    )
    if worst is None:
        return None
    floor = rates.short_option_minimum_index if index else rates.short_option_minimum_stock
    return max(worst, underlying * floor)


Marks = Callable[[str], Decimal | None]  # the last price of an instrument key, None: unknown


@value_class
class MarginTable:
    """The one margin computation: the order ticket, the basket and worker previews, the
    funds check and the risk rules all ask it, so one order has one margin everywhere.

    It fixes the inputs `margin_for` leaves open: a derivative's risk class from the
    `catalog` (the index list and the universes), a sold option's underlying price from
    `marks` (the desk's quote source: the feed, an index's model price), the expiry day's
    rules on `today` (the market's IST date).
    """

    catalog: InstrumentCatalog
    rates: MarginRates
    marks: Marks
    today: date | None = None

    def risk(self, instrument: Instrument) -> RiskClass | None:
        """A derivative's risk class (None for shares)."""
        return risk_class(self.catalog, instrument) if instrument.is_derivative else None

    def underlying_price(self, instrument: Instrument, side: TransactionType) -> Decimal | None:
        """What a sold option is margined on: its underlying's last price (None: unknown,
        or not a sold option)."""
        if instrument.option_type is None or side is TransactionType.BUY:
            return None
        return self.marks(underlying_key(self.catalog, instrument))

    def margin(
        self,
        instrument: Instrument,
        product: str,
        side: TransactionType,
        quantity: int,
        price: Decimal,
        stop: Decimal | None = None,
    ) -> Margin:
        """The margin of `quantity` units on `side` at `price` alone (`margin_for`)."""
        if quantity <= 0:
            return NO_MARGIN
        return margin_for(
            instrument,
            product,
            side,
            quantity,
            price,
            rates=self.rates,
            risk=self.risk(instrument),
            underlying_price=self.underlying_price(instrument, side),
            stop=stop,
            today=self.today,
        )

    def leg(
        self,
        instrument: Instrument,
        product: str,
        side: TransactionType,
        quantity: int,
        price: Decimal,
        stop: Decimal | None = None,
    ) -> MarginLeg:
        """An opening order as `portfolio_margin` sees it: its margin and its terms."""
        margin = self.margin(instrument, product, side, quantity, price, stop)
        signed = quantity if side is TransactionType.BUY else -quantity
        return MarginLeg(margin, instrument, signed, price, self.risk(instrument))


# SEBI's circular of 1 October 2024 (SEBI/HO/MRD/TPD-1/P/CIR/2024/132), as NSE Clearing
# applies it: 2 % more extreme-loss margin on short index options on their expiry day, from
# 20 November 2024 (NCL circular 125/2024); no calendar spread benefit for a contract on
# its expiry day, for index derivatives from 1 February 2025 and, by SEBI's circular of
# 5 February 2026 (NCL circular 023/2026), for single-stock derivatives from 5 May 2026.
EXPIRY_ELM_FROM = date(2024, 11, 20)
NO_CALENDAR_ON_EXPIRY_FROM = MappingProxyType(
    {True: date(2025, 2, 1), False: date(2026, 5, 5)}  # by "is an index"
)


def expiry_day_elm(instrument: Instrument, risk: RiskClass, today: date | None) -> bool:
    """Whether a sold `instrument` owes the expiry day's extra extreme-loss margin today:
    an index option (not a stock option, nor a future) expiring on `today`, hedged or not,
    held overnight or sold during the day."""
    return (
        today is not None
        and today >= EXPIRY_ELM_FROM
        and risk is RiskClass.INDEX
        and instrument.option_type is not None
        and instrument.expiry == today
    )


# The share of a sold option's own SPAN a calendar spread keeps (see `portfolio_margin`).
CALENDAR_CHARGE = Decimal("0.25")
# A futures calendar spread's SPAN: this share of the far leg's value a month between the
# expiries, within the floor and the cap; its exposure: on this share of the far leg's value
# (see `portfolio_margin`).
FUTURES_CALENDAR_PER_MONTH = Decimal("0.005")
FUTURES_CALENDAR_FLOOR = Decimal("0.01")
FUTURES_CALENDAR_CAP = Decimal("0.03")
FUTURES_CALENDAR_EXPOSURE = Decimal(1) / 3


@value_class
class MarginLeg:
    """One position or order as the hedge offset sees it: its margin alone, and for an
    option or a future the terms that let it cover a sold option or pair with a future."""

    margin: Margin  # the leg alone (`margin_for`; nothing for a paid-up bought option)
    instrument: Instrument | None = None  # an option or a future; None (or shares): no offset
    quantity: int = 0  # signed units: + bought, − sold
    premium: Decimal = _ZERO  # per unit: the order's price, or a position's mark
    risk: RiskClass | None = None  # None: unknown, so the expiry day's rules as for an index


_Key = tuple[str, str]  # (exchange, underlying)


def _book(leg: MarginLeg) -> _Key | None:
    """Where the leg can offset: its exchange and underlying (None: it cannot)."""
    instrument = leg.instrument
    if instrument is None or not leg.quantity or instrument.expiry is None:
        return None
    if instrument.option_type is None and instrument.instrument_type is not InstrumentType.FUT:
        return None
    if instrument.option_type is not None and instrument.strike is None:
        return None
    return (instrument.exchange.value, instrument.underlying or instrument.name)


def _strike(leg: MarginLeg) -> Decimal:
    instrument = leg.instrument
    strike = instrument.strike if instrument is not None else None
    return strike if strike is not None else _ZERO


def _expiry(leg: MarginLeg) -> date:
    instrument = leg.instrument  # `_book` let only dated contracts in
    expiry = instrument.expiry if instrument is not None else None
    return expiry if expiry is not None else date.max


def _type(leg: MarginLeg) -> InstrumentType | None:
    return leg.instrument.instrument_type if leg.instrument is not None else None


def _adverse_width(call: bool, sold: Decimal, bought: Decimal) -> Decimal:
    """How far the bought strike lies on the losing side of the sold one (0: none)."""
    return max(bought - sold if call else sold - bought, _ZERO)


def _months(near: date, far: date) -> int:
    """Calendar months from one expiry to the other (November to December: 1)."""
    return (far.year - near.year) * 12 + far.month - near.month


def futures_calendar_rate(near: date, far: date) -> Decimal:
    """A futures calendar spread's SPAN as a share of its far leg's value: 0.5 % a month
    between the expiries, never under 1 % nor over 3 %."""
    rate = FUTURES_CALENDAR_PER_MONTH * _months(near, far)
    return min(max(rate, FUTURES_CALENDAR_FLOOR), FUTURES_CALENDAR_CAP)


class _Offset:
    """The matching of legs with the legs that offset them (`_savings`): what each leg
    (by index) is spared of its SPAN and of its exposure."""

    def __init__(self, legs: Sequence[MarginLeg], today: date | None) -> None:
        self.legs = legs
        self.today = today
        self.left = {i: abs(leg.quantity) for i, leg in enumerate(legs)}  # units still free
        self.span: dict[int, Decimal] = {}
        self.exposure: dict[int, Decimal] = {}

    def _spare(self, index: int, span: Decimal, exposure: Decimal = _ZERO) -> None:
        self.span[index] = self.span.get(index, _ZERO) + span
        if exposure:
            self.exposure[index] = self.exposure.get(index, _ZERO) + exposure

    def _per_unit(self, index: int) -> Margin:
        leg = self.legs[index]
        units = abs(leg.quantity)
        return Margin(span=leg.margin.span / units, exposure=leg.margin.exposure / units)

    def barred(self, one: int, other: int) -> bool:
        """No benefit across expiries for a contract on its expiry day (SEBI, Oct 2024)."""
        legs, today = self.legs, self.today
        if today is None or _expiry(legs[one]) == _expiry(legs[other]):
            return False
        return any(
            _expiry(legs[i]) == today
            and today >= NO_CALENDAR_ON_EXPIRY_FROM[legs[i].risk in (RiskClass.INDEX, None)]
            for i in (one, other)
        )

    def _pair(self, one: int, other: int) -> int:
        """Take the units `one` and `other` still have free in common (0: none)."""
        if self.barred(one, other):
            return 0
        units = min(self.left[one], self.left[other])
        self.left[one] -= units
        self.left[other] -= units
        return units

    def cover(self, short: int, hedge: int, cap: Decimal) -> None:
        """Cover what is free of `short` with what is free of `hedge`: each covered unit
        keeps SPAN up to `cap` per unit."""
        units = self._pair(short, hedge)
        if units:
            self._spare(short, max(self._per_unit(short).span - cap, _ZERO) * units)

    def options(self, call: bool, sold: list[int], bought: list[int], *, calendar: bool) -> None:
        """Verticals (same expiry), or calendars (the bought leg expiring later)."""
        legs = self.legs
        for s in sold:
            for b in bought:
                far = _expiry(legs[b]) > _expiry(legs[s])
                if far is not calendar or _expiry(legs[b]) < _expiry(legs[s]):
                    continue
                width = _adverse_width(call, _strike(legs[s]), _strike(legs[b]))
                cap = max(width - legs[s].premium, _ZERO)
                if calendar:
                    cap += CALENDAR_CHARGE * self._per_unit(s).span
                self.cover(s, b, cap)

    def _left_span(self, index: int) -> Decimal:
        """A leg's SPAN a unit after what the offsets so far spared it."""
        leg = self.legs[index]
        return (leg.margin.span - self.span.get(index, _ZERO)) / abs(leg.quantity)

    def strangles(self, calls: list[int], puts: list[int]) -> None:
        """Short straddles and strangles: a sold call and a sold put of one underlying and
        expiry, the units paired once (whether a bought option covers them or not: an iron
        condor is two spreads sold as a strangle). Only one side can lose at expiry, so the
        pair keeps the worse side's SPAN (after its own hedge) plus the other side's premium;
        the lesser side is spared its SPAN beyond its premium."""
        legs = self.legs
        left = {i: abs(legs[i].quantity) for i in (*calls, *puts)}
        for c in calls:
            for p in puts:
                if _expiry(legs[c]) != _expiry(legs[p]):
                    continue
                units = min(left[c], left[p])
                if not units:
                    continue
                left[c] -= units
                left[p] -= units
                call, put = self._left_span(c), self._left_span(p)
                lesser = p if put <= call else c
                spared = max(min(call, put) - legs[lesser].premium, _ZERO)
                self._spare(lesser, spared * units)

    def futures(self, sold: list[int], futures: list[int]) -> None:
        """Covered calls and puts: a future expiring with the option or later."""
        for s in sold:
            for f in sorted(futures, key=lambda i: _expiry(self.legs[i])):
                if _expiry(self.legs[f]) >= _expiry(self.legs[s]):
                    self.cover(s, f, _ZERO)

    def calendars(self, futures: list[int]) -> None:
        """Futures calendar spreads: a bought and a sold future of different expiries, the
        nearest expiries paired first. Each pair keeps `futures_calendar_rate` of the far
        leg's value as SPAN and exposure on `FUTURES_CALENDAR_EXPOSURE` of the far leg."""
        order = sorted(futures, key=lambda i: _expiry(self.legs[i]))
        bought = [i for i in order if self.legs[i].quantity > 0]
        for s in (i for i in order if self.legs[i].quantity < 0):
            for b in bought:
                if _expiry(self.legs[b]) == _expiry(self.legs[s]):
                    continue
                near, far = sorted((s, b), key=lambda i: _expiry(self.legs[i]))
                units = self._pair(near, far)
                if not units:
                    continue
                rate = futures_calendar_rate(_expiry(self.legs[near]), _expiry(self.legs[far]))
                kept = rate * self.legs[far].premium  # the spread's SPAN a unit
                alone_near, alone_far = self._per_unit(near), self._per_unit(far)
                far_span = max(alone_far.span - kept, _ZERO)
                near_span = alone_near.span - max(kept - alone_far.span, _ZERO)
                # a third is rarely whole paise: what is spared rounds down, so what is
                # kept never falls short of the rule
                kept_exposure = FUTURES_CALENDAR_EXPOSURE * alone_far.exposure
                spared = (alone_far.exposure - kept_exposure) * units
                self._spare(far, far_span * units, quantize_to_step(spared, PAISA, up=False))
                self._spare(near, max(near_span, _ZERO) * units, alone_near.exposure * units)


def _savings(legs: Sequence[MarginLeg], today: date | None) -> _Offset:
    """What each leg (by index) is spared by the legs that offset it.

    Five offsets, tried in this order; in the first four each unit offsets one unit once,
    the fifth pairs the sold options again after what the first four spared them:

    1. a bought option of the same underlying, type and expiry (a vertical spread): the
       sold unit risks at most the strikes' adverse width less its own premium (the
       premium received stays booked against the position; a debit spread's bought leg
       has paid its own premium);
    2. a bought option of the same underlying and type expiring later (a calendar or
       diagonal spread, short near and long far): as the vertical, plus the calendar
       spread charge, `CALENDAR_CHARGE` of the sold unit's own SPAN;
    3. a future of the same underlying expiring with the option or later, bought against
       a sold call or sold against a sold put (a covered call or put): no SPAN of its own;
    4. a bought and a sold future of the same underlying and different expiries (a
       futures calendar spread): `futures_calendar_rate` of the far leg's value as SPAN,
       exposure on a third of the far leg;
    5. a sold call and a sold put of the same underlying and expiry (a short straddle or
       strangle, an iron condor's two short legs after their own hedges): the worse side's
       SPAN plus the other side's premium (`_Offset.strangles`).

    Options are matched in strike order (lowest first for calls, highest first for puts),
    so the nearest hedge is used first, the nearest expiry first among the far legs. With
    `today`, no offset across expiries is made for a contract expiring `today`.
    """
    books: dict[_Key, list[int]] = {}
    for index, leg in enumerate(legs):
        key = _book(leg)
        if key is not None:
            books.setdefault(key, []).append(index)
    offset = _Offset(legs, today)
    for indices in books.values():
        futures = [i for i in indices if _type(legs[i]) is InstrumentType.FUT]
        shorts: dict[bool, list[int]] = {}
        for call in (True, False):
            kind = InstrumentType.CE if call else InstrumentType.PE
            sign = 1 if call else -1
            order = sorted(
                (i for i in indices if _type(legs[i]) is kind),
                key=lambda i: (sign * _strike(legs[i]), _expiry(legs[i])),
            )
            sold = [i for i in order if legs[i].quantity < 0]
            bought = [i for i in order if legs[i].quantity > 0]
            offset.options(call, sold, bought, calendar=False)
            offset.options(call, sold, bought, calendar=True)
            # a bought future covers a call, a sold one a put
            offset.futures(sold, [i for i in futures if (legs[i].quantity > 0) is call])
            shorts[call] = sold
        offset.strangles(shorts[True], shorts[False])
        offset.calendars(futures)
    return offset


def _alone(legs: Sequence[MarginLeg]) -> Margin:
    """The legs' margins summed part by part: what `sum` of their `Margin`s gives (the same
    additions in the same order), without a `Margin` made for every partial sum (an
    order's funds check sums its account's legs three times)."""
    var = span = exposure = premium = _ZERO
    for leg in legs:
        margin = leg.margin
        var += margin.var
        span += margin.span
        exposure += margin.exposure
        premium += margin.option_premium
    return Margin(var=var, span=span, exposure=exposure, option_premium=premium)


def _offset(legs: Sequence[MarginLeg], today: date | None) -> Margin:
    total = _alone(legs)
    offset = _savings(legs, today)
    if not offset.span and not offset.exposure:
        return total
    span = sum((min(v, legs[i].margin.span) for i, v in offset.span.items()), _ZERO)
    exposure = sum((min(v, legs[i].margin.exposure) for i, v in offset.exposure.items()), _ZERO)
    return Margin(
        var=total.var,
        span=max(total.span - span, _ZERO),
        exposure=max(total.exposure - exposure, _ZERO),
        option_premium=total.option_premium,
    )


def portfolio_margin(legs: Sequence[MarginLeg], *, today: date | None = None) -> Margin:
    """The margin of `legs` held together: their margins alone, less what an offset spares
    (`_savings`): a sold option covered by a bought option of its type and underlying
    expiring with it (a vertical spread) or later (a calendar spread), or by a future (a
    covered call or put); a bought and a sold future of different expiries (a futures
    calendar spread); a sold call and a sold put of one expiry (a short straddle or
    strangle: the worse side's SPAN plus the other side's premium, docs/margins.md).

    A vertical spread's sold unit keeps SPAN only up to the spread's loss beyond what is
    booked: the adverse strike width less the sold premium (nothing for a debit spread:
    the bought leg's premium is its whole risk).

    A calendar spread (short near, long far: the far option is worth at least what it
    would pay at the near expiry, so it covers the near one as the vertical does) keeps
    that too, plus a calendar spread charge of `CALENDAR_CHARGE` (25 %) of the sold
    unit's own SPAN. The reference notes (/work/shared/reference/) give no figure for
    SPAN's calendar spread charge, so this is our conservative rule: the far leg can
    lose its time value and its carry (a month's interest or dividends on the index,
    well under 1 % of the notional) before the near one expires, and a quarter of the
    SPAN (3 % of an index's notional) stands well above that. The reverse (short far,
    long near) is no spread: the near leg expires and leaves the far one naked.

    A sold call and a bought future (a sold put and a sold future) of one underlying,
    the future expiring with the option or later, lose at most what the future alone
    loses: above the strike the future gains what the call loses. So the combination
    needs the future's margin and no SPAN for the option.

    A futures calendar spread risks only the difference between its legs' prices (the
    basis), not the underlying's level, so instead of two futures' margins it keeps the
    rule NSE published for index futures (its SPAN now computes the charge from the
    day's risk file, which is not shipped): SPAN of 0.5 % of the far leg's value a month
    between the expiries, within 1 % and 3 % (with three monthly contracts listed, 1 %),
    and exposure on a third of the far leg's value.

    Exposure on every sold option stays, as NSE charges its extreme-loss margin on a short
    option's notional whether hedged or not.

    `today` (the IST date) applies the expiry day's rule (SEBI, October 2024): no offset
    across expiries (option or futures calendar, a far future covering an option) for a
    contract expiring that day; a same-expiry spread keeps its benefit. Taking a benefit
    away never frees margin: where the legs left unpaired would pair anew for less, the
    ordinary figure stands. (The expiry day's extra exposure on a short index option is
    the leg's own, `margin_for`.)

    Never more than the legs alone, never negative; the same sum when nothing offsets.
    """
    if all(_book(leg) is None for leg in legs):  # shares, or nothing that can offset
        return _alone(legs)  # what both `_offset`s below answer: no savings either day
    ordinary = _offset(legs, None)
    if today is None:
        return ordinary
    expiry_day = _offset(legs, today)
    return expiry_day if expiry_day.total >= ordinary.total else ordinary
