"""Option sessions, expiries, chains and greeks per underlying, in the worker contract's shapes.

Everything is computed from the listing and the model prices of `OptionMarket` when asked
(a chain of ~120 strikes is a few milliseconds), so there is no session state to keep
fresh: ``ensure_session`` only says what is listed and what the index is at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.instruments import Instrument
from tradertape.domain.open_interest import (
    StrikeInterest,
    max_pain,
    previous_oi,
    put_call_ratio,
    synthetic_oi,
)
from tradertape.domain.option_math import atm_strike
from tradertape.errors import Rejected
from tradertape.services.options.market import OptionMarket, OptionQuote, oi_anchor
from tradertape.services.workers.views import iso

GREEKS_SOURCE = "synthetic_forward_black76"
OI_SOURCE = "synthetic"  # the simulated market models open interest (domain.open_interest)
SELECTORS = ("nearest", "current_week", "next_week", "current_month")


@dataclass(frozen=True, slots=True)
class Underlying:
    """A listed underlying: its expiries (nearest first) and the index's last price."""

    name: str
    by_expiry: dict[date, list[Instrument]]
    spot: Decimal | None
    updated_at: datetime | None

    @property
    def expiries(self) -> list[date]:
        """Listed expiries, nearest first."""
        return sorted(self.by_expiry)


def underlying(market: OptionMarket, db: Session, name: str) -> Underlying:
    """The listed underlying called `name` (any case); 404 OPTION_SESSION_NOT_FOUND if none."""
    key = name.strip().upper()
    chains = market.listing(db).chains.get(key)
    if not chains:
        raise Rejected(
            404,
            "OPTION_SESSION_NOT_FOUND",
            f"no options are listed for '{name}' (an index needs a price before it lists)",
            underlying=key,
        )
    tick = market.spot(key)
    return Underlying(
        name=key,
        by_expiry=chains,
        spot=tick.last_price if tick else None,
        updated_at=tick.ts if tick else None,
    )


def pick_expiry(listed: Underlying, selector: str | None) -> date:
    """The expiry a selector names: ``nearest`` (default), ``current_week``, ``next_week``,
    ``current_month`` or a listed ``YYYY-MM-DD``; 422 OPTION_INVALID_EXPIRY_SELECTOR."""
    days = listed.expiries
    choice = (selector or "nearest").strip().lower()
    if choice in ("nearest", "current_week"):
        return days[0]
    if choice == "next_week" and len(days) > 1:
        return days[1]
    if choice == "current_month":
        return _monthly(listed, days)
    try:
        wanted = date.fromisoformat(choice)
    except ValueError:
        wanted = None
    if wanted is not None and wanted in listed.by_expiry:
        return wanted
    raise Rejected(
        422,
        "OPTION_INVALID_EXPIRY_SELECTOR",
        f"expiry '{selector}' is not {', '.join(SELECTORS)} or a listed date "
        f"({', '.join(d.isoformat() for d in days)})",
        field="expiry",
    )


def _monthly(listed: Underlying, days: list[date]) -> date:
    # A monthly contract's symbol spells the month (NIFTY26NOV...), a weekly's the day.
    for day in days:
        sample = listed.by_expiry[day][0].tradingsymbol[len(listed.name) :]
        if sample[2:5].isalpha():
            return day
    return days[-1]


def _num(value: Decimal | float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def contract_view(instrument: Instrument, quote: OptionQuote | None) -> dict[str, Any]:
    """One contract with its price, IV and greeks (None where there is no price)."""
    assert instrument.expiry is not None
    view: dict[str, Any] = {
        "tradingsymbol": instrument.tradingsymbol,
        "instrument_token": instrument.instrument_token,
        "exchange": instrument.exchange.value,
        "strike": _num(instrument.strike),
        "option_type": instrument.instrument_type.value,
        "expiry_key": instrument.expiry.isoformat(),
        "lot_size": instrument.lot_size,
        "tick_size": _num(instrument.tick_size),
        "ltp": None,
        "iv": None,
        "delta": None,
        "gamma": None,
        "theta": None,
        "vega": None,
    }
    if quote is not None:
        g = quote.greeks
        view.update(
            ltp=_num(quote.ltp),
            iv=_num(quote.iv * 100 if quote.iv is not None else None, 4),
            delta=_num(g.delta, 4),
            gamma=_num(g.gamma, 8),
            theta=_num(g.theta, 4),
            vega=_num(g.vega, 4),
        )
    return view


def atm_of(listed: Underlying, options: list[Instrument]) -> Decimal | None:
    strikes = sorted({i.strike for i in options if i.strike is not None})
    if not strikes or listed.spot is None:
        return None
    step = float(strikes[1] - strikes[0]) if len(strikes) > 1 else 1.0
    guess = Decimal(str(atm_strike(float(listed.spot), step)))
    return min(strikes, key=lambda s: (abs(s - guess), s))


def session(market: OptionMarket, db: Session, name: str) -> dict[str, Any]:
    """``ensure_session``: what is listed for the underlying and where its index is."""
    listed = underlying(market, db, name)
    nearest = listed.by_expiry[listed.expiries[0]]
    return {
        "underlying": listed.name,
        "expiries": [d.isoformat() for d in listed.expiries],
        "spot_ltp": _num(listed.spot),
        "updated_at": iso(listed.updated_at),
        "snapshot": {
            "status": "ready" if listed.spot is not None else "no_price",
            "nearest_expiry": listed.expiries[0].isoformat(),
            "atm_strike": _num(atm_of(listed, nearest)),
            "lot_size": nearest[0].lot_size,
            "contracts": sum(len(v) for v in listed.by_expiry.values()),
            "source": "simulated_black76",
        },
        "resource_error": None,
    }


def expiries(market: OptionMarket, db: Session, name: str) -> dict[str, Any]:
    """The listed expiries, nearest first."""
    listed = underlying(market, db, name)
    return {
        "underlying": listed.name,
        "expiries": [d.isoformat() for d in listed.expiries],
        "spot_ltp": _num(listed.spot),
        "updated_at": iso(listed.updated_at),
    }


def chain(market: OptionMarket, db: Session, name: str, selector: str | None) -> dict[str, Any]:
    """The whole chain of one expiry: a row per strike with its call and put."""
    listed = underlying(market, db, name)
    expiry = pick_expiry(listed, selector)
    options = listed.by_expiry[expiry]
    rows: dict[Decimal, dict[str, Any]] = {}
    for instrument in options:
        assert instrument.strike is not None
        row = rows.setdefault(instrument.strike, {"strike": _num(instrument.strike)})
        side = instrument.instrument_type.value.lower()
        row[side] = contract_view(instrument, market.quote(instrument))
    return {
        "underlying": listed.name,
        "expiry": expiry.isoformat(),
        "spot_ltp": _num(listed.spot),
        "atm_strike": _num(atm_of(listed, options)),
        "strikes": [_num(s) for s in sorted(rows)],
        "chain": [rows[s] for s in sorted(rows)],
        "updated_at": iso(listed.updated_at),
    }


def mini_chain(
    market: OptionMarket, db: Session, name: str, selector: str | None, window: int
) -> dict[str, Any]:
    """The `window` strikes either side of the ATM strike, as a flat contract list."""
    listed = underlying(market, db, name)
    expiry = pick_expiry(listed, selector)
    options = listed.by_expiry[expiry]
    strikes = sorted({i.strike for i in options if i.strike is not None})
    atm = atm_of(listed, options)
    near = set(window_strikes(strikes, atm, window))
    return {
        "underlying": listed.name,
        "expiry": expiry.isoformat(),
        "window": window,
        "atm_strike": _num(atm),
        "contracts": [contract_view(i, market.quote(i)) for i in options if i.strike in near],
        "updated_at": iso(listed.updated_at),
    }


def greeks(market: OptionMarket, db: Session, name: str, selector: str | None) -> dict[str, Any]:
    """Every contract of one expiry with IV and greeks."""
    listed = underlying(market, db, name)
    expiry = pick_expiry(listed, selector)
    options = listed.by_expiry[expiry]
    return {
        "underlying": listed.name,
        "expiry": expiry.isoformat(),
        "contracts": [contract_view(i, market.quote(i)) for i in options],
        "greeks_source": GREEKS_SOURCE,
        "updated_at": iso(listed.updated_at),
    }


def _interest(
    market: OptionMarket, listed: Underlying, options: list[Instrument]
) -> list[StrikeInterest]:
    """Each strike's call and put open interest (synthetic: see domain.open_interest)."""
    tick = market.spot(listed.name)
    if tick is None:
        return []
    anchor = oi_anchor(tick)
    calls: dict[Decimal, int] = {}
    puts: dict[Decimal, int] = {}
    for instrument in options:
        assert instrument.strike is not None
        is_call = instrument.instrument_type.value == "CE"
        oi = synthetic_oi(
            instrument.tradingsymbol,
            strike=instrument.strike,
            is_call=is_call,
            anchor=anchor,
            lot_size=instrument.lot_size,
        )
        (calls if is_call else puts)[instrument.strike] = oi
    strikes = sorted(calls.keys() | puts.keys())
    return [StrikeInterest(s, calls.get(s, 0), puts.get(s, 0)) for s in strikes]


def analytics(
    market: OptionMarket, db: Session, name: str, selector: str | None, reading: str
) -> dict[str, Any]:
    """``pcr`` (put/call open interest) or ``max_pain`` (strike) of one expiry."""
    listed = underlying(market, db, name)
    expiry = pick_expiry(listed, selector)
    rows = _interest(market, listed, listed.by_expiry[expiry])
    value = put_call_ratio(rows) if reading == "pcr" else _num(max_pain(rows))
    return {
        "underlying": listed.name,
        "expiry": expiry.isoformat(),
        "value": value,
        "call_oi": sum(r.call_oi for r in rows),
        "put_oi": sum(r.put_oi for r in rows),
        "oi_source": OI_SOURCE,
        "updated_at": iso(listed.updated_at),
    }


def underlyings(market: OptionMarket, db: Session) -> list[dict[str, Any]]:
    """The underlyings with listed options, by name: the index's price and nearest expiry."""
    out = []
    for name in sorted(market.listing(db).chains):
        listed = underlying(market, db, name)
        nearest = listed.by_expiry[listed.expiries[0]]
        out.append(
            {
                "underlying": name,
                "spot": listed.spot,
                "lot_size": nearest[0].lot_size,
                "expiries": [d.isoformat() for d in listed.expiries],
            }
        )
    return out


def _quoted(
    market: OptionMarket, instrument: Instrument, oi: int, spot: Decimal | None
) -> dict[str, Any]:
    """A contract as the web's chain shows it, priced by the market now (`chain_contract`)."""
    before = previous_oi(instrument.tradingsymbol, oi=oi, lot_size=instrument.lot_size)
    return chain_contract(instrument, market.quote(instrument), oi, oi - before, spot)


def chain_contract(
    instrument: Instrument,
    quote: OptionQuote | None,
    oi: int | None,
    oi_change: int | None,
    spot: Decimal | None,
) -> dict[str, Any]:
    """A contract as the web's chain shows it (the live chain's and the simulator's past
    chain's): the worker view's price, IV and greeks, with the quote's bid, offer and
    volume, open interest and its change since the previous session, and whether it is in
    the money at `spot`."""
    view = contract_view(instrument, quote)
    assert instrument.strike is not None
    is_call = instrument.instrument_type.value == "CE"
    itm = None
    if spot is not None:
        itm = instrument.strike < spot if is_call else instrument.strike > spot
    return {
        **view,
        "ltp": quote.ltp if quote else None,
        "bid": quote.bid if quote else None,
        "ask": quote.ask if quote else None,
        "volume": quote.volume if quote else None,
        "tick_size": instrument.tick_size,
        "oi": oi,
        "oi_change": oi_change,
        "itm": itm,
    }


def window_strikes(strikes: list[Decimal], atm: Decimal | None, window: int) -> list[Decimal]:
    """`window` strikes either side of `atm` (the middle one without it), ascending."""
    middle = strikes.index(atm) if atm is not None else len(strikes) // 2
    return strikes[max(middle - window, 0) : middle + window + 1]


def window_chain(
    market: OptionMarket, db: Session, name: str, selector: str | None, window: int
) -> dict[str, Any]:
    """The web's chain: `window` strikes either side of ATM, each call and put with LTP,
    bid, offer, volume, IV, greeks, open interest and its change, and the expiry's put/call
    ratio and max pain."""
    listed = underlying(market, db, name)
    expiry = pick_expiry(listed, selector)
    options = listed.by_expiry[expiry]
    interest = _interest(market, listed, options)
    oi = {(r.strike, True): r.call_oi for r in interest} | {
        (r.strike, False): r.put_oi for r in interest
    }
    strikes = sorted({i.strike for i in options if i.strike is not None})
    atm = atm_of(listed, options)
    near = window_strikes(strikes, atm, window)
    rows: dict[Decimal, dict[str, Any]] = {
        s: {"strike": s, "call": None, "put": None} for s in near
    }
    for instrument in options:
        if instrument.strike not in rows:
            continue
        is_call = instrument.instrument_type.value == "CE"
        contract = _quoted(market, instrument, oi.get((instrument.strike, is_call), 0), listed.spot)
        rows[instrument.strike]["call" if is_call else "put"] = contract
    return {
        "underlying": listed.name,
        "expiry": expiry.isoformat(),
        "expiries": [d.isoformat() for d in listed.expiries],
        "spot": listed.spot,
        "atm_strike": atm,
        "lot_size": options[0].lot_size,
        "pcr": put_call_ratio(interest),
        "max_pain": max_pain(interest),
        "call_oi": sum(r.call_oi for r in interest),
        "put_oi": sum(r.put_oi for r in interest),
        "oi_source": OI_SOURCE,
        "rows": [rows[s] for s in near],
        "updated_at": iso(listed.updated_at),
    }
