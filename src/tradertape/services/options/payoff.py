"""Payoff of an option structure (a spread from the chain, or an option run's legs) at
expiry and today, with a what-if on spot, volatility and days to expiry.

The figures the web's payoff chart draws: the browser computes none of them. Each leg is
valued at its own implied volatility (the chain's IV) moved by the what-if's shift, and
its own time to expiry shortened by the days the what-if lets pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.instruments import Instrument
from tradertape.domain.option_math import OptionKind
from tradertape.domain.option_payoff import (
    PayoffLeg,
    Scenario,
    breakevens,
    expiry_value,
    extremes,
    net_greeks,
    spot_grid,
    today_value,
)
from tradertape.errors import InvalidField, Rejected
from tradertape.services.options.chain import underlying
from tradertape.services.options.market import OptionMarket

_PAISA = Decimal("0.01")
_DAY = 1.0 / 365.0


@dataclass(frozen=True, slots=True)
class LegRequest:
    """A leg as asked: the contract, side, units, and the entry premium (None: its LTP)."""

    tradingsymbol: str
    side: str  # BUY | SELL
    quantity: int | None  # units; None: `lots` of the contract's lot size
    lots: int | None
    entry_price: Decimal | None


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Spot (None: the index now), volatility shift in points, days to expiry (None: now)."""

    spot: Decimal | None = None
    iv_shift: float = 0.0
    days_to_expiry: float | None = None


def money(value: float) -> Decimal:
    """A model value shown as rupees, to the paisa."""
    return Decimal(str(value)).quantize(_PAISA)


def _contract(market: OptionMarket, db: Session, name: str, symbol: str, at: str) -> Instrument:
    key = symbol if ":" in symbol else f"NFO:{symbol}"
    found = market.listing(db).catalog.find(key.upper())
    if found is None or found.option_type is None or found.underlying != name:
        raise InvalidField(at, f"'{symbol}' is not a listed {name} option")
    return found


def payoff(
    market: OptionMarket, db: Session, name: str, legs: list[LegRequest], what_if: WhatIf
) -> dict[str, Any]:
    """The structure's legs as priced now, its curves at expiry and today, and the what-if's
    P&L, greeks, maximum profit and loss and breakevens."""
    listed = underlying(market, db, name)
    if listed.spot is None:
        raise Rejected(
            409, "OPTION_NO_PRICE", f"{listed.name} has no price yet", field="underlying"
        )
    shown: list[dict[str, Any]] = []
    model: list[PayoffLeg] = []
    for i, asked in enumerate(legs):
        instrument = _contract(
            market, db, listed.name, asked.tradingsymbol, f"legs.{i}.tradingsymbol"
        )
        quote = market.quote(instrument)
        if quote is None:
            raise InvalidField(
                f"legs.{i}.tradingsymbol", f"{instrument.tradingsymbol} has no price yet"
            )
        entry = asked.entry_price if asked.entry_price is not None else quote.ltp
        vol = quote.iv if quote.iv is not None else 0.2
        sign = 1 if asked.side == "BUY" else -1
        units = (
            asked.quantity
            if asked.quantity is not None
            else (asked.lots or 1) * instrument.lot_size
        )
        assert instrument.strike is not None
        assert instrument.expiry is not None
        model.append(
            PayoffLeg(
                kind=OptionKind(instrument.instrument_type.value),
                strike=float(instrument.strike),
                quantity=sign * units,
                entry=float(entry),
                vol=vol,
                years=quote.years,
            )
        )
        shown.append(
            {
                "tradingsymbol": instrument.tradingsymbol,
                "strike": instrument.strike,
                "option_type": instrument.instrument_type.value,
                "expiry": instrument.expiry.isoformat(),
                "transaction_type": asked.side,
                "quantity": units,
                "lot_size": instrument.lot_size,
                "entry_price": Decimal(entry).quantize(_PAISA),
                "ltp": quote.ltp,
                "iv": round(quote.iv * 100, 2) if quote.iv is not None else None,
            }
        )
    days_now = min(leg.years for leg in model) * 365.0
    days = days_now if what_if.days_to_expiry is None else min(what_if.days_to_expiry, days_now)
    spot_now = float(listed.spot)
    spot = float(what_if.spot) if what_if.spot is not None else spot_now
    scenario = Scenario(
        spot=spot, vol_shift=what_if.iv_shift / 100.0, elapsed_years=(days_now - days) * _DAY
    )
    return {
        "underlying": listed.name,
        "spot": listed.spot,
        "days_to_expiry_now": round(days_now, 2),
        "scenario": {
            "spot": money(spot),
            "iv_shift": what_if.iv_shift,
            "days_to_expiry": round(days, 2),
        },
        "legs": shown,
        **figures(model, spot_now, scenario, market.rate),
    }


def figures(
    model: list[PayoffLeg], spot_now: float, scenario: Scenario, rate: float
) -> dict[str, Any]:
    """A structure's payoff figures (the chain ticket's, an option run's and the chain
    simulator's): its net premium, curves at expiry and under `scenario` on a grid around
    `spot_now`, extremes, breakevens, and the scenario's P&L and greeks."""
    strikes = [leg.strike for leg in model]
    grid = spot_grid(spot_now, strikes)
    at_expiry = [sum(expiry_value(leg, s) for leg in model) for s in grid]
    today = [today_value(model, s, scenario, rate) for s in grid]
    best, worst = extremes(model, strikes)
    greeks = net_greeks(model, scenario, rate)
    spot = scenario.spot
    return {
        "net_premium": money(-sum(leg.quantity * leg.entry for leg in model)),
        "max_profit": money(best) if best is not None else None,
        "max_loss": money(worst) if worst is not None else None,
        "breakevens": [money(b) for b in breakevens(grid, at_expiry)],
        "pnl_today": money(today_value(model, spot, scenario, rate)),
        "pnl_at_expiry": money(sum(expiry_value(leg, spot) for leg in model)),
        "greeks": {
            "delta": round(greeks.delta, 4),
            "gamma": round(greeks.gamma, 6),
            "theta": round(greeks.theta, 2),
            "vega": round(greeks.vega, 2),
        },
        "points": [
            {"spot": money(s), "at_expiry": money(e), "today": money(t)}
            for s, e, t in zip(grid, at_expiry, today, strict=True)
        ],
    }


def run_payoff(
    market: OptionMarket, db: Session, state: dict[str, Any], what_if: WhatIf
) -> dict[str, Any]:
    """An option run's payoff: its legs at their entry fills' average (the LTP before entry)."""
    legs = [
        LegRequest(
            tradingsymbol=str(leg["tradingsymbol"]),
            side=str(leg["transaction_type"]),
            quantity=int(leg["quantity"]),
            lots=None,
            entry_price=(
                Decimal(str(leg["average_price"])) if leg.get("average_price") is not None else None
            ),
        )
        for leg in state["legs"]
    ]
    return payoff(market, db, str(state["underlying"]), legs, what_if)
