"""What an alert's basket would hold before the alert is saved: its legs' margin together,
hedges between them credited (a live broker's basket-margin answer where it gives one,
else the estimate: `services.baskets.margin`, as the chain's preview), its charges, and
what the account has to spend, for the alert form to show beside the legs.

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

from tradertape.errors import InvalidField
from tradertape.services import baskets
from tradertape.services.alerts.placing import OrderTerms
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
