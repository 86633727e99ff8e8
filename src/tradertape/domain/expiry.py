"""Expiry: what an F&O contract held to its expiry day settles at, and what that costs.

NSE (and BSE) settle every open contract on its expiry day at the underlying's close there:

- an **index option** in cash at its intrinsic value: a call ``max(close - strike, 0)``, a put
  ``max(strike - close, 0)``; out of the money it expires worthless (nothing is paid);
- a **future** at its final settlement price, the underlying's close that day;
- a **stock option or future** by physical delivery (SEBI, from the October 2019 expiry),
  the one rule `delivery_of`: an in-the-money long call or short put buys lot × lots shares
  at the strike, a long put or short call sells them there; a future buys (long) or sells
  (short) at its settlement price; an out-of-the-money option delivers nothing. The option
  itself closes at ₹0 (exercised: its value is in the shares taken at the strike, so the
  cash is exactly what changes hands: the strike × quantity), a future at its settlement
  price; the shares are a delivery trade (CNC) of the book that held the contract.

Charges of the settlement, as Zerodha's contract note shows them (support article "What
charges are levied if option positions get exercised?", and its staff on Trading Q&A,
"ITM options, index options expiry, brokerage/STT", Aug 2023):

- an option that expires in the money: STT on exercise, on the intrinsic value, for the
  holder of a long only (`charges.exercise_stt`; the seller paid STT on the premium when
  selling), and the F&O brokerage per order of the exchange's closing (₹20 at Zerodha, per
  freeze-quantity slice) with 18 % GST on it; no transaction charge, SEBI fee or stamp duty:
  an exercise is no trade on the exchange's order book;
- an option that expires out of the money: nothing (nothing changes hands);
- a future: nothing on the settlement itself (STT is levied on a sale of a future, and the
  final settlement is no sale); a broker's own fee there is not modelled.

A physical delivery is charged as its own contract note (`delivery_charges`): STT at the
equity-delivery rate (0.1 % buy and sell, the reference's §4 card) on the delivery value,
for both buyer and seller, in place of exercise STT (NSE's clarification on physically
settled contracts, quoted in Zerodha's physical settlement policy); Zerodha's physical
delivery brokerage (0.25 % of the delivery value, `ChargeSchedule.physical_delivery_brokerage`)
with 18 % GST on it; stamp duty at the delivery rate (0.015 %) on the buyer; the DP charge
when shares leave the seller's demat. No exchange transaction charge or SEBI fee: the
clearing corporation settles it, no trade is matched on the order book. Obligations netted
across contracts of one underlying (Zerodha's 0.1 % brokerage there) are not modelled: each
position delivers on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from functools import cache

from tradertape.domain.charge_rates import SCHEDULES, ChargeSchedule, Segment, schedule_for
from tradertape.domain.charges import dp_charge, exercise_stt
from tradertape.domain.instrument_names import derivative_terms
from tradertape.domain.instruments import Instrument, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.money import ZERO, paise, whole_rupees

SETTLEMENT_CLOSE = time(15, 30)  # IST: expiring contracts stop trading; the close settles them
# NSE's monthly contracts expired on the month's last Thursday until the August 2025 series
# and on its last Tuesday from September 2025 (reference §5.4; BSE keeps Thursday)
_TUESDAYS_FROM = date(2025, 9, 1)
_THURSDAY, _TUESDAY = 3, 1
CALL, PUT, FUTURE = "CE", "PE", "FUT"


@dataclass(frozen=True, slots=True)
class Contract:
    """What settles an F&O contract: its underlying, expiry day, kind and strike."""

    underlying: str
    expiry: date
    kind: str  # CE | PE | FUT
    strike: Decimal | None  # None for a future
    physical: bool  # a stock's contract is delivered; an index's is settled in cash

    @property
    def option(self) -> bool:
        return self.kind != FUTURE

    def expired(self, day: date, at: time | None = None) -> bool:
        """Whether the contract is settled by `day` (IST), at `at` o'clock when given: after
        its expiry day, or on it from the settlement close."""
        if day != self.expiry:
            return day > self.expiry
        return at is not None and at >= SETTLEMENT_CLOSE


@cache
def index_underlyings() -> dict[str, Instrument]:
    """F&O underlying name → its index (``NIFTY`` → ``NSE:NIFTY 50``): the underlyings
    settled in cash, at that index's close."""
    return {
        i.underlying: i
        for i in reference_catalog()
        if i.instrument_type is InstrumentType.INDEX and i.underlying
    }


def underlying_key(contract: Contract) -> str:
    """The instrument key whose close settles `contract`: its index, or its stock on NSE."""
    index = index_underlyings().get(contract.underlying)
    return index.key if index is not None else f"NSE:{contract.underlying}"


def monthly_expiry(year: int, month: int, *, bse: bool = False) -> date:
    """A month's last expiry weekday (before any holiday moves it to the day before):
    NSE's Thursday until August 2025 and Tuesday after; BSE's Thursday."""
    first_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_next - timedelta(days=1)
    weekday = _THURSDAY if bse or last < _TUESDAYS_FROM else _TUESDAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def contract_of(
    symbol: str, *, expiry: date | None, indices: Collection[str], bse: bool = False
) -> Contract | None:
    """The contract a Kite derivative symbol names (None for anything else). `expiry` is the
    day a tradebook or catalog gives; without it a weekly's own day, or the month's last
    expiry weekday (`monthly_expiry`). `indices` are the underlyings settled in cash."""
    terms = derivative_terms(symbol)
    if terms is None:
        return None
    if expiry is None:
        if terms.day is not None:
            expiry = date(terms.year, terms.month, terms.day)
        else:
            expiry = monthly_expiry(terms.year, terms.month, bse=bse)
    strike = Decimal(terms.strike) if terms.strike is not None else None
    return Contract(terms.underlying, expiry, terms.kind, strike, terms.underlying not in indices)


def contract_held(
    instrument: Instrument | None, tradingsymbol: str, exchange: str, indices: Collection[str]
) -> Contract | None:
    """The contract a position holds: the catalog's terms, else what its symbol says (the
    generated listing drops a contract the day after its expiry)."""
    if instrument is not None and instrument.expiry is not None and instrument.underlying:
        kind = instrument.instrument_type.value
        if kind in (CALL, PUT, FUTURE):
            return Contract(
                instrument.underlying,
                instrument.expiry,
                kind,
                instrument.strike if kind != FUTURE else None,
                instrument.underlying not in indices,
            )
    return contract_of(tradingsymbol, expiry=None, indices=indices, bse=exchange == "BFO")


def settlement_price(contract: Contract, underlying_close: Decimal) -> Decimal:
    """What one unit settles at: a future at the close, an option at its intrinsic value."""
    if underlying_close <= 0:
        raise ValueError(f"the underlying's close must be positive, got {underlying_close}")
    if contract.strike is None:
        return underlying_close
    if contract.kind == CALL:
        return max(underlying_close - contract.strike, ZERO)
    return max(contract.strike - underlying_close, ZERO)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The shares an in-the-money stock contract delivers: `side` is the holder's."""

    underlying: str
    side: str  # BUY | SELL
    quantity: int
    price: Decimal  # per share: the strike (a future: its settlement price)

    @property
    def value(self) -> Decimal:
        """The money the buyer pays (the seller receives) for the shares."""
        return self.price * self.quantity


@dataclass(frozen=True, slots=True)
class ExpiryCharges:
    """The settlement's line on the contract note; `total` to the paisa."""

    brokerage: Decimal
    stt: Decimal
    gst: Decimal

    @property
    def total(self) -> Decimal:
        return paise(self.brokerage + self.stt + self.gst)


NO_EXPIRY_CHARGES = ExpiryCharges(ZERO, ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class DeliveryCharges:
    """A physical delivery's contract note (module docstring); `total` to the paisa."""

    brokerage: Decimal
    stt: Decimal  # whole rupees
    stamp: Decimal  # the buyer's
    gst: Decimal  # on the brokerage
    dp: Decimal  # the seller's DP charge, GST included

    @property
    def total(self) -> Decimal:
        return paise(self.brokerage + self.stt + self.stamp + self.gst + self.dp)


@dataclass(frozen=True, slots=True)
class Settled:
    """A position closed by its contract's expiry, and the shares it delivers."""

    contract: Contract
    held: int  # units held before: positive long, negative short
    price: Decimal  # per unit, the closing price of the position
    charges: ExpiryCharges
    delivery: Delivery | None
    delivery_charges: DeliveryCharges | None = None

    @property
    def side(self) -> str:
        """The closing side: a long is sold, a short bought back."""
        return "SELL" if self.held > 0 else "BUY"

    @property
    def quantity(self) -> int:
        return abs(self.held)

    @property
    def value(self) -> Decimal:
        """Settlement value of the position (intrinsic value of a cash-settled option)."""
        return self.price * self.quantity

    @property
    def in_the_money(self) -> bool:
        return self.contract.option and (self.price > 0 or self.delivery is not None)


def delivery_of(contract: Contract, held: int, underlying_price: Decimal) -> Delivery | None:
    """What `held` units of `contract` deliver with its underlying at `underlying_price`:
    the one rule of physical settlement, read by the paper exchange's expiry, the journal
    and the positions' obligation before expiry. None for an index contract, an
    out-of-the-money option or nothing held."""
    if not contract.physical or held == 0:
        return None
    long = held > 0
    if not contract.option:
        side = "BUY" if long else "SELL"
        return Delivery(contract.underlying, side, abs(held), underlying_price)
    if settlement_price(contract, underlying_price) == 0:
        return None  # out of the money (or at it): nothing is exercised
    assert contract.strike is not None  # an option has one
    # a long call and a short put take the shares; a long put and a short call give them
    takes = long == (contract.kind == CALL)
    return Delivery(contract.underlying, "BUY" if takes else "SELL", abs(held), contract.strike)


def delivery_charges(
    delivery: Delivery,
    day: date,
    schedules: Sequence[ChargeSchedule] = SCHEDULES,
    *,
    women_first_holder: bool = False,
) -> DeliveryCharges:
    """The contract note of `delivery` settled on `day` (module docstring)."""
    rates = schedule_for(day, schedules)
    value = delivery.value
    buy = delivery.side == "BUY"
    brokerage = value * rates.physical_delivery_brokerage
    stt = whole_rupees(value * (rates.stt_buy if buy else rates.stt_sell).delivery)
    stamp = value * rates.stamp_buy.delivery if buy else ZERO
    dp = ZERO if buy else dp_charge({delivery.underlying: value}, rates, women_first_holder)
    return DeliveryCharges(brokerage, stt, stamp, brokerage * rates.gst, dp)


def settle(
    contract: Contract,
    held: int,
    underlying_close: Decimal,
    *,
    orders: int = 1,
    schedules: Sequence[ChargeSchedule] = SCHEDULES,
) -> Settled:
    """Settle `held` units of `contract` at the underlying's close on its expiry day.

    `orders` is how many orders the exchange's closing counts for brokerage (the position
    in freeze-quantity slices); `schedules` the broker's (`charge_rates.schedules_of`).
    A stock contract that delivers closes at ₹0 (an option) or its settlement price (a
    future) with nothing charged on the contract, its shares' note in `delivery_charges`.
    """
    if held == 0:
        raise ValueError("nothing is held to settle")
    if orders < 1:
        raise ValueError(f"orders must be at least 1, got {orders}")
    price = settlement_price(contract, underlying_close)
    delivery = delivery_of(contract, held, underlying_close)
    if delivery is not None:
        note = delivery_charges(delivery, contract.expiry, schedules)
        closed_at = ZERO if contract.option else price
        return Settled(contract, held, closed_at, NO_EXPIRY_CHARGES, delivery, note)
    if not contract.option or price == 0:
        return Settled(contract, held, price, NO_EXPIRY_CHARGES, None)
    value = price * abs(held)
    rates = schedule_for(contract.expiry, schedules)
    per_order = rates.brokerage.of(Segment.OPTIONS).of(value / orders)
    brokerage = per_order * orders
    stt = exercise_stt(value, contract.expiry, schedules) if held > 0 else ZERO
    charges = ExpiryCharges(brokerage=brokerage, stt=stt, gst=brokerage * rates.gst)
    return Settled(contract, held, price, charges, None)
