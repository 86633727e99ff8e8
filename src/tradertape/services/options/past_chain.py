"""The option chain at a past minute (the chain simulator's), in the live chain's shape.

The day is read by `backtest.options.past_market` (imported minutes, else the imported
bhavcopy at daily resolution, else the demo's simulated market: the answer's ``source``
says which). Each contract's IV is implied from its price at that minute, and its greeks
taken at that IV, by `domain.option_math` as the live chain does (Black-76 on the future
of the contract's expiry where it traded, else on the index carried forward at the rate).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradertape.backtest.options.past_market import PastDay, moment_of, open_day
from tradertape.domain.expiry import monthly_expiry
from tradertape.domain.instruments import Exchange, Instrument, InstrumentType, synthetic_token
from tradertape.domain.open_interest import StrikeInterest, max_pain, put_call_ratio
from tradertape.domain.option_listing import (
    RISK_FREE_RATE,
    SERIES,
    Expiry,
    option_symbol,
    smile_vol,
    years_to_expiry,
)
from tradertape.domain.option_math import OptionKind, greeks, implied_vol
from tradertape.errors import InvalidField
from tradertape.services.options.chain import (
    Underlying,
    atm_of,
    chain_contract,
    pick_expiry,
    window_strikes,
)
from tradertape.services.options.market import OptionQuote
from tradertape.services.workers.views import iso

NOTES = {
    "minutes": "imported minute candles: each price is the contract's last trade at or "
    "before the minute",
    "bhavcopy": "imported F&O bhavcopy at daily resolution: every minute reads the day's "
    "close (no minute candles imported for this day)",
    "synthetic": "the demo's simulated market: nothing is imported for this day, so the "
    "prices are made up",
}
OI_SOURCES = {"minutes": "bhavcopy_close", "bhavcopy": "bhavcopy_close", "synthetic": "none"}


def price(value: float) -> Decimal:
    """A stored price as the exact rupees it printed."""
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def strike_of(value: float) -> Decimal:
    """A strike as the exchange writes it (``24000``, ``22.5``), never in exponent form."""
    exact = Decimal(repr(value))
    return Decimal(int(exact)) if exact == exact.to_integral_value() else exact.normalize()


def load(underlying: str, on: date, data_dir: Path | None) -> PastDay:
    """The day's market; a 422 on ``underlying`` for one nothing lists."""
    try:
        day = open_day(underlying, on, data_dir)
    except KeyError:
        raise InvalidField(
            "underlying",
            f"nothing is imported for {underlying.upper()} on {on.isoformat()}, and the "
            f"simulated market lists only {', '.join(SERIES)}",
        ) from None
    if not day.expiries():
        raise InvalidField("at", f"{day.underlying} lists no options on {on.isoformat()}")
    return day


def instrument(day: PastDay, expiry: date, strike: float, kind: str) -> Instrument:
    """A contract of the day as the catalog would list it (its Kite trading symbol)."""
    later_same_month = any(
        d > expiry and (d.year, d.month) == (expiry.year, expiry.month) for d in day.expiries()
    )
    # the month's last expiry (a holiday moves it a day or two earlier) spells the month
    last = monthly_expiry(expiry.year, expiry.month)
    monthly = not later_same_month and 0 <= (last - expiry).days <= 3
    symbol = option_symbol(
        day.underlying,
        Expiry(expiry, monthly=monthly, provisional=False),
        strike_of(strike),
        OptionKind(kind),
    )
    return Instrument(
        exchange=Exchange.NFO,
        tradingsymbol=symbol,
        instrument_type=InstrumentType(kind),
        name=day.underlying,
        instrument_token=synthetic_token(Exchange.NFO, symbol),
        lot_size=day.lot_size(expiry),
        expiry=expiry,
        strike=strike_of(strike),
        underlying=day.underlying,
    )


def listed(day: PastDay, minute: int) -> Underlying:
    """The day's options as the live chain's `Underlying` (spot at `minute`)."""
    by_expiry = {
        e: [instrument(day, e, s, k) for s in day.strikes(e) for k in ("CE", "PE")]
        for e in day.expiries()
    }
    spot = day.spot()[minute]
    return Underlying(
        name=day.underlying,
        by_expiry=by_expiry,
        spot=price(float(spot)) if math.isfinite(spot) else None,
        updated_at=moment_of(day.day, minute),
    )


def forward_at(day: PastDay, expiry: date, minute: int, when: datetime) -> float | None:
    """The forward of `expiry` at `minute`: its future's price where it traded, else the
    index carried to the expiry at the rate."""
    future = day.closes(expiry, 0.0, "XX")[minute]
    if math.isfinite(future):
        return float(future)
    spot = day.spot()[minute]
    if not math.isfinite(spot):
        return None
    return float(spot) * math.exp(RISK_FREE_RATE * years_to_expiry(when, expiry))


def quote_at(day: PastDay, contract: Instrument, minute: int) -> OptionQuote | None:
    """The contract's price at `minute` with its implied volatility and greeks (None: it
    has no price yet that day, or the index has none)."""
    assert contract.expiry is not None
    assert contract.strike is not None
    kind = OptionKind(contract.instrument_type.value)
    ltp = day.closes(contract.expiry, float(contract.strike), kind.value)[minute]
    when = moment_of(day.day, minute)
    forward = forward_at(day, contract.expiry, minute, when)
    spot = day.spot()[minute]
    if not math.isfinite(ltp) or forward is None or not math.isfinite(spot) or ltp <= 0:
        return None
    years = years_to_expiry(when, contract.expiry)
    strike = float(contract.strike)
    iv = implied_vol(kind, float(ltp), forward, strike, years, RISK_FREE_RATE) if years else None
    series = SERIES.get(day.underlying)
    fallback = smile_vol(series, forward, strike, years) if series and years else 0.2
    point = greeks(kind, forward, strike, years, iv if iv is not None else fallback, RISK_FREE_RATE)
    return OptionQuote(
        instrument=contract,
        kind=kind,
        spot=price(float(spot)),
        forward=forward,
        years=years,
        ltp=price(float(ltp)),
        iv=iv,
        greeks=point,
        ts=when,
    )


def past_chain(day: PastDay, minute: int, selector: str | None, window: int) -> dict[str, Any]:
    """The chain at `minute`: `window` strikes either side of ATM of the chosen expiry, each
    call and put with its LTP, IV, greeks and (where the bhavcopy gives it) the day's
    closing open interest; the index and its nearest future; the source."""
    under = listed(day, minute)
    expiry = pick_expiry(under, selector)
    options = under.by_expiry[expiry]
    strikes = sorted({i.strike for i in options if i.strike is not None})
    atm = atm_of(under, options)
    near = window_strikes(strikes, atm, window)
    rows: dict[Decimal, dict[str, Any]] = {
        s: {"strike": s, "call": None, "put": None} for s in near
    }
    interest: dict[Decimal, list[int]] = {}
    for contract in options:
        assert contract.strike is not None
        kind = contract.instrument_type.value
        oi = day.open_interest(expiry, float(contract.strike), kind)
        if oi is not None:
            interest.setdefault(contract.strike, [0, 0])[0 if kind == "CE" else 1] = oi
        if contract.strike in rows:
            view = chain_contract(contract, quote_at(day, contract, minute), oi, None, under.spot)
            rows[contract.strike]["call" if kind == "CE" else "put"] = view
    oi_rows = [StrikeInterest(s, c, p) for s, (c, p) in sorted(interest.items())]
    known = bool(oi_rows) and any(r.call_oi or r.put_oi for r in oi_rows)
    future_expiry, future = day.future()
    when = moment_of(day.day, minute)
    return {
        "underlying": day.underlying,
        "date": day.day.isoformat(),
        "minute": minute,
        "at": when,
        "source": day.source,
        "source_note": NOTES[day.source],
        "expiry": expiry.isoformat(),
        "expiries": [d.isoformat() for d in under.expiries],
        "spot": under.spot,
        "future": (
            {"expiry": future_expiry.isoformat(), "ltp": price(float(future[minute]))}
            if future_expiry is not None and math.isfinite(future[minute])
            else None
        ),
        "atm_strike": atm,
        "lot_size": options[0].lot_size,
        "pcr": put_call_ratio(oi_rows) if known else None,
        "max_pain": max_pain(oi_rows) if known else None,
        "call_oi": sum(r.call_oi for r in oi_rows) if known else None,
        "put_oi": sum(r.put_oi for r in oi_rows) if known else None,
        "oi_source": OI_SOURCES[day.source] if known else "none",
        "rows": [rows[s] for s in near],
        "updated_at": iso(when),
    }
