"""What a result's price and time must satisfy before it moves a portfolio's money.

A fill the agent reports is booked as cash, cost and realised P&L, so an absurd one
(₹0.0001, ₹9,99,99,99,999) would create money. It must be on the instrument's tick (or the
average of that many units traded on it) and
within the widest daily price band (`ticks.FIXED_BAND_PCTS`, 20 %) of the last price: the
feed's last tick, else the signal's own reference price. A result's ``at`` lies within the
signal's life: not before its day (IST) and not in the future (a little clock skew of the
agent's machine allowed), judged on the server's wall clock, not the market clock, which a
simulated feed holds at the last session or replays. Each failure is a 422 naming the field
and the bound it broke.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.ticks import (
    FIXED_BAND_PCTS,
    band_limits,
    is_on_tick,
    order_tick,
    tick_size,
    within_band,
)
from tradertape.errors import InvalidField
from tradertape.ports.clock import IST

#: How far ahead of the server's clock an agent's ``at`` may be (its machine's clock).
SKEW = timedelta(minutes=2)
#: The widest daily band an NSE stock moves in: a fill outside it is no fill.
BAND_PCT = FIXED_BAND_PCTS[-1]


@dataclass(frozen=True, slots=True)
class FillMarket:
    """Where a fill's price is measured: the feed's last ticks and the instrument list."""

    last_tick: Callable[[str], Tick | None]
    catalog: InstrumentCatalog


#: How finely a reported average is rounded (a Kite ``average_price`` carries 4 places).
AVERAGE_PLACES = Decimal("0.0001")


def is_average_on_tick(price: Decimal, quantity: int, tick: Decimal) -> bool:
    """Whether `price` can be the average of `quantity` units traded on the tick: their
    value, price × quantity, is a multiple of the tick, to within the average's own rounding
    (half of its last place on each unit). One unit's price must be on the tick exactly."""
    if quantity <= 1:
        return is_on_tick(price, tick)
    off = (price * quantity) % tick
    return min(off, tick - off) <= AVERAGE_PLACES / 2 * quantity


def check_price(
    price: Decimal, *, quantity: int, symbol: str, reference: Decimal, market: FillMarket
) -> None:
    """`price` is positive, on the tick (as the average of `quantity` units: a broker's
    average over several trades need not be a tick itself) and in the band around the
    last price (else `reference`, the signal's)."""
    if price <= 0:
        raise InvalidField("fill_price", "must be positive")
    last = market.last_tick(symbol)
    if last is not None and last.last_price > 0:
        reference = last.last_price
    instrument = market.catalog.find(symbol)
    tick = order_tick(instrument, reference) if instrument is not None else tick_size(reference)
    if not is_average_on_tick(price, quantity, tick):
        raise InvalidField(
            "fill_price", f"{price} is not on the tick of {tick} (nor an average of such prices)"
        )
    low, high = band_limits(reference, BAND_PCT, tick)
    if not within_band(price, (low, high)):
        raise InvalidField(
            "fill_price",
            f"{price} is outside the price band {low}..{high} "
            f"({BAND_PCT} % of the last price {reference})",
        )


def check_at(at: datetime, *, first_day: date, now: datetime) -> None:
    """`at` lies in the signal's life in real time: from the start (00:00 IST) of the session
    day the signal belongs to, to `now` on the wall clock plus `SKEW`. `now` is real time,
    never the market clock: that stands at the last session's close, or replays it, while
    the agent stamps what it did with its machine's clock."""
    start = datetime.combine(first_day, time.min, IST)
    latest = now + SKEW
    try:
        future, early = at > latest, at < start
    except OverflowError:  # an offset that takes it past year 1 or 9999
        future, early = at.year > 1, at.year == 1
    if future:
        raise InvalidField(
            "at",
            f"{at.isoformat()} is after the latest time a result may carry, "
            f"{latest.astimezone(IST).isoformat()} (the server's wall clock "
            f"{now.astimezone(IST).isoformat()} plus {_minutes(SKEW)} minutes of clock skew): "
            "is the agent's machine clock ahead?",
        )
    if early:
        raise InvalidField(
            "at",
            f"{at.isoformat()} is before the earliest time a result may carry, "
            f"{start.isoformat()} (the start of the signal's session day {first_day})",
        )


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
