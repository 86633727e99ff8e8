"""NSE tick sizes and daily price-band limits on an exact Decimal grid.

The instrument master's ``tick_size`` is the authority. This table is the fallback for synthetic
data, fixtures and paper mode before a master is loaded, so it follows the exchange's published
bands (reference §5.2) and their start dates rather than any one broker's snapshot.

The price that selects a band is *not* the order price: it is last month's close for cash and
stock futures, the index level for index futures and the underlying's price for stock options.
Callers pass that price as ``reference_price``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tradertape.domain.instruments import Instrument
from tradertape.domain.money import quantize_to_step

FIXED_BAND_PCTS: tuple[Decimal, ...] = tuple(Decimal(p) for p in ("2", "5", "10", "20"))
"""Daily bands of non-F&O stocks (§5.3); some SME or surveillance stocks use 5 % or less."""

CAS_BAND_PCT = Decimal("3")
"""Band around the reference price in the Closing Auction Session (§5.1)."""


class InstrumentKind(StrEnum):
    EQUITY = "equity"
    STOCK_FUTURE = "stock_future"
    INDEX_FUTURE = "index_future"
    INDEX_OPTION = "index_option"
    STOCK_OPTION = "stock_option"


class RoundDirection(StrEnum):
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"  # a price exactly half-way goes up


@dataclass(frozen=True, slots=True)
class _Band:
    upper: Decimal | None  # None: no upper bound
    tick: Decimal
    upper_inclusive: bool = True


def _d(text: str) -> Decimal:
    return Decimal(text)


_FLAT_005 = (_Band(None, _d("0.05")),)
# June 2024 (cash) / July 2024 (stock futures): stocks under ₹250 tick in 1 paisa.
_UNDER_250 = (_Band(_d("250"), _d("0.01"), upper_inclusive=False), _Band(None, _d("0.05")))
# Since 15-Apr-2025. The reference's bands read "< 250 | 250-1,000 | 1,000-5,000 | ...": we put a
# shared end point (1,000, 5,000, ...) in the lower band; 250 itself is in the 0.05 band.
_APR_2025 = (
    _Band(_d("250"), _d("0.01"), upper_inclusive=False),
    _Band(_d("1000"), _d("0.05")),
    _Band(_d("5000"), _d("0.10")),
    _Band(_d("10000"), _d("0.50")),
    _Band(_d("20000"), _d("1.00")),
    _Band(None, _d("5.00")),
)
# Index futures by index level; the reference gives no start date, so it applies to all dates.
_INDEX_FUTURE = (
    _Band(_d("15000"), _d("0.05"), upper_inclusive=False),
    _Band(_d("30000"), _d("0.10")),
    _Band(None, _d("0.20")),
)

_TABLES: dict[InstrumentKind, tuple[tuple[date, tuple[_Band, ...]], ...]] = {
    InstrumentKind.EQUITY: (
        (date.min, _FLAT_005),
        (date(2024, 6, 10), _UNDER_250),
        (date(2025, 4, 15), _APR_2025),
    ),
    InstrumentKind.STOCK_FUTURE: (
        (date.min, _FLAT_005),
        (date(2024, 7, 1), _UNDER_250),  # "July 2024" [ref]; the day is not given
        (date(2025, 4, 15), _APR_2025),
    ),
    InstrumentKind.INDEX_FUTURE: ((date.min, _INDEX_FUTURE),),
    InstrumentKind.INDEX_OPTION: ((date.min, _FLAT_005),),
    InstrumentKind.STOCK_OPTION: (
        (date.min, _FLAT_005),
        (date(2025, 11, 3), _UNDER_250),
    ),
}


def _bands(kind: InstrumentKind, as_of: date | None) -> tuple[_Band, ...]:
    table = _TABLES[kind]
    if as_of is None:
        return table[-1][1]
    return table[bisect_right([start for start, _ in table], as_of) - 1][1]


def _in_band(price: Decimal, band: _Band) -> bool:
    if band.upper is None:
        return True
    return price <= band.upper if band.upper_inclusive else price < band.upper


def tick_size(
    reference_price: Decimal,
    kind: InstrumentKind = InstrumentKind.EQUITY,
    *,
    as_of: date | None = None,
) -> Decimal:
    """Tick for an instrument whose band-selecting price is ``reference_price``.

    ``as_of=None`` applies the latest rules; a date applies the rules in force that day.
    """
    if not isinstance(reference_price, Decimal):
        raise TypeError("reference_price must be a Decimal")
    if reference_price <= 0:
        raise ValueError(f"reference price must be positive, got {reference_price}")
    return next(b.tick for b in _bands(kind, as_of) if _in_band(reference_price, b))


def _resolve_tick(price: Decimal, tick: Decimal | None) -> Decimal:
    if tick is None:
        return tick_size(price)
    if tick <= 0:
        raise ValueError(f"tick must be positive, got {tick}")
    return tick


def is_on_tick(price: Decimal, tick: Decimal | None = None) -> bool:
    """Whether ``price`` is a multiple of ``tick``.

    Without ``tick`` the latest cash-market band of the price itself is used, which is right
    only when the price and last month's close fall in the same band: pass the real tick when
    it is known.
    """
    return price % _resolve_tick(price, tick) == 0


def round_to_tick(
    price: Decimal, direction: RoundDirection, tick: Decimal | None = None
) -> Decimal:
    """Snap ``price`` onto the tick grid; see :func:`is_on_tick` for the default ``tick``."""
    if price <= 0:
        raise ValueError(f"price must be positive, got {price}")
    step = _resolve_tick(price, tick)
    match direction:
        case RoundDirection.UP:
            return quantize_to_step(price, step, up=True)
        case RoundDirection.DOWN:
            return quantize_to_step(price, step, up=False)
        case RoundDirection.NEAREST:
            units = (price / step).to_integral_value(rounding=ROUND_HALF_UP)
            return (units * step).quantize(step)


def band_limits(
    prev_close: Decimal, band_pct: Decimal, tick: Decimal | None = None
) -> tuple[Decimal, Decimal]:
    """Lower and upper circuit limits ``band_pct`` % around ``prev_close``, on the tick grid.

    Both limits are rounded inwards so the band never exceeds its percentage: a 5 % band on a
    close of 53.45 with a 0.05 tick tops out at 56.10, a rise of 4.96 %, as NSE's limits do.
    Since the band is under 100 %, rounding the lower limit up keeps it at one tick or more.
    """
    if not Decimal(0) < band_pct < Decimal(100):
        raise ValueError(f"band_pct must be between 0 and 100, got {band_pct}")
    if prev_close <= 0:
        raise ValueError(f"prev_close must be positive, got {prev_close}")
    step = _resolve_tick(prev_close, tick)
    fraction = band_pct / 100
    high = quantize_to_step(prev_close * (1 + fraction), step, up=False)
    low = quantize_to_step(prev_close * (1 - fraction), step, up=True)
    if low > high:
        raise ValueError(f"a {band_pct} % band around {prev_close} holds no tick of {step}")
    return low, high


def within_band(price: Decimal, limits: tuple[Decimal, Decimal]) -> bool:
    """Whether an order at ``price`` is inside the (inclusive) circuit limits."""
    low, high = limits
    return low <= price <= high


def order_tick(instrument: Instrument, reference: Decimal | None) -> Decimal:
    """The tick an order on `instrument` must respect, and the one the API reports.

    Derivatives keep their listed tick; cash instruments tick by the NSE price band of
    `reference` (the last price), so a ₹183 share ticks in paise, not the catalog's 0.05.
    """
    if instrument.is_derivative or not reference:
        return instrument.tick_size
    return tick_size(reference)
