"""The physical delivery an open stock F&O position owes, on the positions a book shows.

For each net position in a stock future, or a stock option in the money at its
underlying's last price, in the contract's last days (from E-4 to the expiry day,
`domain.delivery_obligation`), the row gains a ``delivery``: buy or sell N shares of the
underlying at the strike (a future: the last price), their value, the delivery margin of a
bought option, and for a sale the shares the book holds and how many it is short of them
(delivered without being held: shares owed). The rule of what a contract delivers is the
settlement's own (`domain.expiry.delivery_of`), so what is shown is what expiry books.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.delivery_obligation import Obligation, obligation
from tradertape.domain.expiry import Contract, contract_held, index_underlyings, underlying_key
from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    synthetic_token,
)
from tradertape.domain.margins import MarginRates, risk_class
from tradertape.domain.market import Tick

DERIVATIVES = (Exchange.NFO.value, Exchange.BFO.value)
_RATES = MarginRates()


def held_shares(holdings: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Shares held per symbol (settled and T+1) in a holdings view."""
    held: dict[str, int] = {}
    for row in holdings:
        symbol = str(row.get("tradingsymbol") or "")
        count = int(row.get("quantity") or 0) + int(row.get("t1_quantity") or 0)
        held[symbol] = held.get(symbol, 0) + count
    return held


def annotate(
    rows: list[dict[str, Any]],
    *,
    catalog: InstrumentCatalog,
    last_tick: Callable[[str], Tick | None],
    today: date,
    calendar: TradingCalendar,
    held: Mapping[str, int],
) -> None:
    """Add ``delivery`` to each of `rows` (a positions view's ``net``) that owes one."""
    indices = index_underlyings()
    for row in rows:
        exchange, symbol = row.get("exchange"), row.get("tradingsymbol")
        quantity = int(row.get("quantity") or 0)
        if exchange not in DERIVATIVES or not symbol or not quantity:
            continue
        instrument = catalog.find(f"{exchange}:{symbol}")
        contract = contract_held(instrument, symbol, exchange, indices)
        if contract is None or not contract.physical or contract.expiry < today:
            continue
        tick = last_tick(underlying_key(contract))
        if tick is None:
            continue
        days_left = sum(1 for d in calendar.trading_days(today, contract.expiry) if d > today)
        risk = risk_class(catalog, instrument or _contract_instrument(exchange, symbol, contract))
        owed = obligation(
            contract,
            quantity,
            tick.last_price,
            days_left=days_left,
            var_elm=_RATES.span[risk] + _RATES.exposure(risk),
        )
        if owed is not None:
            row["delivery"] = _shown(owed, tick.last_price, held.get(contract.underlying, 0))


def _shown(owed: Obligation, mark: Decimal, held: int) -> dict[str, Any]:
    delivery = owed.delivery
    selling = delivery.side == "SELL"
    return {
        "side": delivery.side,
        "underlying": delivery.underlying,
        "quantity": delivery.quantity,
        "price": float(delivery.price),
        "value": float(owed.value),
        "expiry": owed.contract.expiry.isoformat(),
        "days_to_expiry": owed.days_left,
        "underlying_price": float(mark),
        "margin": None if owed.margin is None else float(owed.margin),
        "shares_held": held if selling else None,
        "shares_short": max(delivery.quantity - max(held, 0), 0) if selling else None,
    }


def _contract_instrument(exchange: str, symbol: str, contract: Contract) -> Instrument:
    """A contract the catalog does not list, enough to find its risk class."""
    return Instrument(
        exchange=Exchange(exchange),
        tradingsymbol=symbol,
        instrument_type=InstrumentType(contract.kind),
        name=contract.underlying,
        instrument_token=synthetic_token(Exchange(exchange), symbol),
        tick_size=Decimal("0.05"),
        lot_size=1,
        expiry=contract.expiry,
        strike=contract.strike,
        underlying=contract.underlying,
    )
