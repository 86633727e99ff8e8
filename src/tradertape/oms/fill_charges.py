"""What a fill is charged when it is its own contract note: a model portfolio's virtual
fill (the backtest prices each fill so, and the portfolio's book must match it to the
paisa). A fill at a live broker (the agent's among them) takes its share of the day's note
in the live book instead. The figure comes from the one charges module (`domain.charges`), on the
schedule of the broker the fill is at; the ledger books it and its events carry it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.books import PAPER_BROKER
from tradertape.domain.charges import Fill, Segment, Side, compute_charges, schedules_of


def delivery_charges(
    side: Side, quantity: int, price: Decimal, day: date, broker: str = PAPER_BROKER
) -> Decimal:
    """Charges of one delivery fill as its own contract note, on `broker`'s schedule
    (Zerodha's for paper and Kite)."""
    fill = Fill("portfolio", Segment.EQUITY_DELIVERY, side, quantity, price, instrument="ISIN")
    return compute_charges([fill], day, schedules=schedules_of(broker)).total
