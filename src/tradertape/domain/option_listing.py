"""Index option series as NSE lists them: expiries, strikes, symbols, and a model smile.

The shipped catalog has no F&O contracts (a Kite dump brings real ones). So that the
simulated market can trade options anyway, this module lists a contract set that looks
like NSE's: NIFTY weeklies every Tuesday plus the monthlies on the last Tuesday of each
month for every index (reference §5.4; an expiry on a holiday moves to the previous
trading day), strikes on each index's grid around the anchor price, Kite trading symbols
(``NIFTY26D0125000CE`` weekly, ``NIFTY26NOV25000CE`` monthly) and the lot size of
``fno_underlyings.csv``. Prices come from Black-76 with a deterministic smile.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import Exchange, Instrument, InstrumentType, synthetic_token
from tradertape.domain.option_math import OptionKind

IST = ZoneInfo("Asia/Kolkata")
EXPIRY_CLOSE = time(15, 30)  # expiring index contracts stop at 15:30 IST
OPTION_TICK = Decimal("0.05")  # index options tick in 0.05 (reference §5.2)
RISK_FREE_RATE = 0.06  # ~91-day T-bill, 2026 (reference §7); it only discounts
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKLY_MONTH = "123456789OND"  # Kite's one-character month in weekly symbols
_TUESDAY = 1


@dataclass(frozen=True, slots=True)
class OptionSeries:
    """How one index's options are listed and how the simulated market prices them.

    ``base_vol`` is the at-the-money volatility the smile is built on; ``skew`` and
    ``curvature`` shape it in standardized moneyness (puts richer, wings lifted).
    """

    underlying: str
    strike_step: int
    base_vol: float
    weekly: bool = False
    skew: float = -0.08
    curvature: float = 0.3
    strikes_pct: float = 0.12  # listed strikes span ± this share of the anchor price


SERIES = {
    s.underlying: s
    for s in (
        OptionSeries("NIFTY", 50, 0.13, weekly=True),
        OptionSeries("BANKNIFTY", 100, 0.16),
        OptionSeries("FINNIFTY", 50, 0.15),
        OptionSeries("MIDCPNIFTY", 25, 0.18),
        OptionSeries("NIFTYNXT50", 100, 0.17),
    )
}


@dataclass(frozen=True, slots=True)
class Expiry:
    """One listed expiry date; monthly ones use the ``YYMON`` symbol form. `provisional`:
    past the published holiday list, so a holiday announced later may move it a day
    earlier (the fixed-date ones are already known, `calendar.FIXED_HOLIDAYS`)."""

    day: date
    monthly: bool
    provisional: bool = False

    @property
    def key(self) -> str:
        """``YYYY-MM-DD``, how the API names an expiry."""
        return self.day.isoformat()


@dataclass(frozen=True, slots=True)
class OptionTerms:
    """What an option trading symbol says."""

    underlying: str
    expiry: date
    strike: Decimal
    kind: OptionKind


def _last_tuesday(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - _TUESDAY) % 7)


def _trading_or_before(day: date, calendar: TradingCalendar) -> date:
    if not calendar.covers(day) or calendar.is_trading_day(day):
        return day
    return calendar.previous_trading_day(day)


def expiries(
    series: OptionSeries,
    today: date,
    calendar: TradingCalendar,
    *,
    weeklies: int = 4,
    monthlies: int = 3,
) -> list[Expiry]:
    """The expiries listed on `today` (those on `today` included), nearest first.

    Weeklies (NIFTY only) are the next `weeklies` Tuesdays; monthlies the next
    `monthlies` last Tuesdays. A weekly that is also the month's last is the monthly.
    """
    months: list[date] = []
    year, month = today.year, today.month
    while len(months) < monthlies:
        day = _trading_or_before(_last_tuesday(year, month), calendar)
        if day >= today:
            months.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    listed = {d: Expiry(d, True, calendar.is_provisional(d)) for d in months}
    if series.weekly:
        tuesday = today + timedelta(days=(_TUESDAY - today.weekday()) % 7)
        for week in range(weeklies):
            day = _trading_or_before(tuesday + timedelta(weeks=week), calendar)
            if day >= today:
                listed.setdefault(day, Expiry(day, False, calendar.is_provisional(day)))
    return [listed[d] for d in sorted(listed)]


def _strike_text(strike: Decimal) -> str:
    return format(strike.normalize(), "f") if strike % 1 else str(int(strike))


def option_symbol(underlying: str, expiry: Expiry, strike: Decimal, kind: OptionKind) -> str:
    """Kite's trading symbol: ``NIFTY26D0125000CE`` (weekly), ``NIFTY26NOV25000CE``."""
    yy = f"{expiry.day.year % 100:02d}"
    if expiry.monthly:
        when = yy + _MONTHS[expiry.day.month - 1]
    else:
        when = f"{yy}{_WEEKLY_MONTH[expiry.day.month - 1]}{expiry.day.day:02d}"
    return f"{underlying}{when}{_strike_text(strike)}{kind.value}"


_SYMBOL = re.compile(
    r"^(?P<yy>\d{2})(?:(?P<mon>[A-Z]{3})|(?P<m>[1-9OND])(?P<dd>\d{2}))"
    r"(?P<strike>\d+(?:\.\d+)?)(?P<kind>CE|PE)$"
)


def parse_option_symbol(
    symbol: str, underlyings: tuple[str, ...], expiry_days: tuple[date, ...] = ()
) -> OptionTerms | None:
    """The terms a Kite option symbol spells, or None when it is not one.

    A monthly symbol names only the month; the day is the listed expiry in that month
    from `expiry_days`, else the month's last Tuesday. Underlyings are tried longest
    first (``NIFTYNXT50`` before ``NIFTY``).
    """
    for underlying in sorted(underlyings, key=len, reverse=True):
        if not symbol.startswith(underlying):
            continue
        found = _SYMBOL.match(symbol[len(underlying) :])
        if found is None:
            continue
        year = 2000 + int(found["yy"])
        if found["mon"]:
            if found["mon"] not in _MONTHS:
                continue
            month = _MONTHS.index(found["mon"]) + 1
            listed = [d for d in expiry_days if (d.year, d.month) == (year, month)]
            day = max(listed) if listed else _last_tuesday(year, month)
        else:
            month = _WEEKLY_MONTH.index(found["m"]) + 1
            try:
                day = date(year, month, int(found["dd"]))
            except ValueError:
                continue
        return OptionTerms(underlying, day, Decimal(found["strike"]), OptionKind(found["kind"]))
    return None


def strikes(series: OptionSeries, anchor: Decimal) -> list[Decimal]:
    """The strike grid listed around `anchor` (± ``strikes_pct``), ascending."""
    step = Decimal(series.strike_step)
    center = (anchor / step).to_integral_value(rounding=ROUND_HALF_UP) * step
    count = max(int(anchor * Decimal(str(series.strikes_pct)) / step), 1)
    return [center + step * i for i in range(-count, count + 1) if center + step * i > 0]


def contracts(
    series: OptionSeries, *, lot_size: int, anchor: Decimal, listed: list[Expiry]
) -> list[Instrument]:
    """Calls and puts of every listed expiry on the strike grid, as catalog instruments."""
    grid = strikes(series, anchor)
    out: list[Instrument] = []
    for expiry in listed:
        for strike in grid:
            for kind in (OptionKind.CE, OptionKind.PE):
                symbol = option_symbol(series.underlying, expiry, strike, kind)
                out.append(
                    Instrument(
                        exchange=Exchange.NFO,
                        tradingsymbol=symbol,
                        instrument_type=InstrumentType(kind.value),
                        name=series.underlying,
                        instrument_token=synthetic_token(Exchange.NFO, symbol),
                        lot_size=lot_size,
                        tick_size=OPTION_TICK,
                        expiry=expiry.day,
                        strike=strike,
                        underlying=series.underlying,
                    )
                )
    return out


def years_to_expiry(now: datetime, expiry: date) -> float:
    """Calendar time (days / 365) from `now` to 15:30 IST on the expiry day; ≥ 0."""
    close = datetime.combine(expiry, EXPIRY_CLOSE, tzinfo=IST)
    return max((close - now).total_seconds(), 0.0) / (365.0 * 86_400.0)


def smile_vol(series: OptionSeries, forward: float, strike: float, years: float) -> float:
    """The model volatility of a strike: a quadratic in ln(K/F)/√T around ``base_vol``.

    Deterministic (the same inputs give the same σ in every process), clipped to
    [0.5, 3] × ``base_vol`` so the far wings stay sane.
    """
    x = math.log(strike / forward) / math.sqrt(max(years, 1.0 / 365.0))
    vol = series.base_vol * (1.0 + series.skew * x + series.curvature * x * x)
    return min(max(vol, 0.5 * series.base_vol), 3.0 * series.base_vol)


def round_premium(value: float) -> Decimal:
    """A model premium on the 0.05 grid, never below one tick (NSE's minimum price)."""
    ticks = Decimal(str(value)) / OPTION_TICK
    rounded = ticks.to_integral_value(rounding=ROUND_HALF_UP) * OPTION_TICK
    return max(rounded, OPTION_TICK).quantize(OPTION_TICK)
