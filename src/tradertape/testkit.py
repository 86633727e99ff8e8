"""Deterministic factories for tests and benchmarks (part of the package so both can import it).

The product never imports it; panels from lists are `tradertape.backtest.synthetic.make_panel`
(the backtest warm-up builds its tiny panel with it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradertape.domain.market import Tick


def make_tick(
    key: str,
    price: str | Decimal,
    *,
    ts: datetime,
    volume: int = 100_000,
    last_quantity: int = 1_000,
    bid: str | Decimal | None = None,
    ask: str | Decimal | None = None,
) -> Tick:
    """A tick whose open/high/low/previous close all equal `price`; the book defaults to it."""
    p = Decimal(price)
    return Tick(
        key=key,
        instrument_token=1,
        ts=ts,
        last_price=p,
        last_quantity=last_quantity,
        volume=volume,
        open=p,
        high=p,
        low=p,
        prev_close=p,
        bid=Decimal(bid) if bid is not None else p,
        ask=Decimal(ask) if ask is not None else p,
    )
