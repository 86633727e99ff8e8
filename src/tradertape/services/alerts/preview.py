"""What an alert's basket would hold before the alert is saved: its legs' margin together,
hedges between them credited (a live broker's basket-margin answer where it gives one,
else the estimate: `services.baskets.margin`, as the chain's preview), its charges, and
what the account has to spend, for the alert form to show beside the legs; and, for a
basket of options on one underlying, its payoff as the option chain's ticket shows it (the
same computation, `services.options.payoff`: maximum profit and loss, breakevens).

A leg without its own symbol trades the symbol that fires the alert: the form's symbol
stands in (a watchlist alert's such legs cannot be priced until a symbol fires, so they
are named as needing one). Each leg is checked as a placement checks it, except for market
hours (a 422 naming ``legs[i].field``); nothing is stored or sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.errors import InvalidField, Rejected
from tradertape.services import baskets
from tradertape.services.alerts.placing import OrderTerms
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.payoff import LegRequest, WhatIf, payoff
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg, reference_price


def _priced(
    db: Session, workers: WorkerContext, legs: Sequence[dict[str, Any]], symbol: str | None
) -> list[PricedLeg]:
    priced = []
    catalog = workers.trading.catalog(db)
    for index, leg in enumerate(legs):
        field = f"legs[{index}]"
        named = leg.get("symbol") or symbol
        if named is None:
            raise InvalidField(f"{field}.symbol", "a leg without a symbol needs the alert's")
        instrument = catalog.find(named) if ":" in named else None
        if instrument is None:
            where = f"{field}.symbol" if leg.get("symbol") else "symbol"
            raise InvalidField(where, f"'{named}' is not a listed EXCHANGE:SYMBOL")
        if leg.get("order_type") == "LIMIT" and leg.get("price") is None:
            raise InvalidField(f"{field}.price", "a LIMIT leg needs its price")
        spec = OrderTerms.of(leg).spec(instrument.key)
        try:
            checked = workers.orders.check(db, spec, workers.last_tick(spec.key), session=False)
        except InvalidField as exc:
            raise InvalidField(f"{field}.{exc.field}", exc.message) from exc
        priced.append(PricedLeg(spec, checked, reference_price(workers, spec)))
    return priced


def preview(
    db: Session,
    workers: WorkerContext,
    legs: Sequence[dict[str, Any]],
    *,
    symbol: str | None,
    broker: str,
    available: Decimal,
    adapter: object | None = None,
) -> baskets.Margin:
    """The basket's margin and charges before the alert is saved (nothing stored): a live
    broker's basket-margin answer when `adapter` can give one, else the estimate."""
    priced = _priced(db, workers, legs, symbol)
    return baskets.margin(db, workers, priced, broker=broker, available=available, adapter=adapter)


def structure_payoff(
    market: OptionMarket, db: Session, legs: Sequence[dict[str, Any]], symbol: str | None
) -> dict[str, Any] | None:
    """The basket's payoff now, as the option chain's ticket computes it, when every leg is
    an option of one underlying (None for any other basket: shares, futures, a mix). A leg
    at a LIMIT enters at its price, one at MARKET at its LTP. None too while a leg has no
    price: the margin beside it says what is missing, and the form is still usable."""
    catalog = market.listing(db).catalog
    asked: list[LegRequest] = []
    names = set()
    for leg in legs:
        named = leg.get("symbol") or symbol
        found = catalog.find(named) if named and ":" in named else None
        if found is None or found.option_type is None or found.underlying is None:
            return None
        names.add(found.underlying)
        price = leg.get("price") if leg.get("order_type") == "LIMIT" else None
        asked.append(
            LegRequest(
                tradingsymbol=found.key,
                side=str(leg["transaction_type"]),
                quantity=int(leg["quantity"]),
                lots=None,
                entry_price=None if price is None else Decimal(str(price)),
            )
        )
    if len(names) != 1:
        return None
    try:
        return payoff(market, db, names.pop(), asked, WhatIf())
    except (InvalidField, Rejected):
        return None
