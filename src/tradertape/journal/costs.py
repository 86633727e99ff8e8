"""Charges of trades that came without them (uploads), from the project's charges schedule.

A statement row carries no charges. Each account's trades of one day are priced as that
day's contract notes by `domain.charges.compute_charges` (the rates in force that day), and
the day's total is shared among its trades by value. How each is priced: F&O by its kind
(an option's symbol ends in CE or PE), equity as intraday where the day has both a buy and
a sell of the symbol, else as delivery. A trade whose quantity is not whole (an obfuscated
upload) or whose price is nil cannot be priced and gets none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from tradertape.domain.charges import Exchange, Fill, Segment, Side, compute_charges
from tradertape.journal.trades import JournalTrade

ZERO = Decimal(0)


def _segment(trade: JournalTrade, both_sides: bool) -> Segment:
    if trade.segment == "FO":
        return Segment.OPTIONS if trade.symbol.endswith(("CE", "PE")) else Segment.FUTURES
    if trade.product is not None:
        return Segment.EQUITY_INTRADAY if trade.product == "MIS" else Segment.EQUITY_DELIVERY
    return Segment.EQUITY_INTRADAY if both_sides else Segment.EQUITY_DELIVERY


def _priceable(trade: JournalTrade) -> bool:
    return (
        trade.charges is None
        and trade.price > 0
        and trade.quantity == trade.quantity.to_integral_value()
        and trade.exchange in ("NSE", "BSE", "NFO", "BFO")
    )


def estimate(trades: Sequence[JournalTrade]) -> dict[int, Decimal]:
    """Charges by index in `trades` for those without their own."""
    days: dict[tuple[str, date], list[int]] = defaultdict(list)
    for i, trade in enumerate(trades):
        if _priceable(trade):
            days[trade.account, trade.day].append(i)
    out: dict[int, Decimal] = {}
    for (_, day), indices in days.items():
        sides: dict[str, set[str]] = defaultdict(set)
        for i in indices:
            sides[trades[i].symbol].add(trades[i].side)
        fills = []
        for i in indices:
            trade = trades[i]
            segment = _segment(trade, len(sides[trade.symbol]) == 2)
            fills.append(
                Fill(
                    order_id=trade.order_id or trade.trade_id or f"row{i}",
                    segment=segment,
                    side=Side.BUY if trade.side == "buy" else Side.SELL,
                    quantity=int(trade.quantity),
                    price=trade.price,
                    exchange=Exchange.BSE if trade.exchange in ("BSE", "BFO") else Exchange.NSE,
                    instrument=trade.isin or trade.symbol,
                )
            )
        try:
            total = compute_charges(fills, day).total
        except ValueError:  # an order mixing segments: price each fill alone
            total = sum((compute_charges([f], day).total for f in fills), ZERO)
        value = sum((trades[i].value for i in indices), ZERO)
        for i in indices:
            out[i] = total * trades[i].value / value if value else ZERO
    return out
