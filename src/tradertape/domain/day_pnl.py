"""What part of a position's P&L is realised: the one rule every view uses.

Kite's rule, by averages: of everything bought and everything sold, the quantity on the
smaller side is closed, and its P&L is that quantity times the difference of the two
sides' average prices; the rest of the P&L (what the open quantity makes at the mark) is
unrealised. A position's row applies it to all its trades; a day's P&L applies it to
today's trades with what was held at the start entering at the day's base price (the
previous close), so "realised today" is the same figure on Positions, Funds (M2M), the
books table, the risk monitor and the worker API.

Before this rule each view had its own: a position's row counted P&L as realised only once
the position was flat again, the risk monitor replayed an average-cost pool, and the same
account's realised figure differed by paise across pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

_ZERO = Decimal(0)


@dataclass(slots=True)
class Sides:
    """What was bought and what was sold, each as a quantity and its value."""

    bought: int = 0
    bought_value: Decimal = _ZERO
    sold: int = 0
    sold_value: Decimal = _ZERO

    def add(self, signed: int, price: Decimal) -> None:
        """One execution: `signed` > 0 bought, < 0 sold, at `price`."""
        if signed > 0:
            self.bought += signed
            self.bought_value += signed * price
        elif signed < 0:
            self.sold -= signed
            self.sold_value -= signed * price

    def realised(self, start: int = 0, base: Decimal = _ZERO) -> Decimal:
        """P&L of the closed quantity, with `start` units held before (> 0 long, < 0
        short) entering their side at `base`. Not rounded: the views round to the paisa."""
        bought, bought_value = self.bought, self.bought_value
        sold, sold_value = self.sold, self.sold_value
        if start > 0:
            bought, bought_value = bought + start, bought_value + start * base
        elif start < 0:
            sold, sold_value = sold - start, sold_value - start * base
        closed = min(bought, sold)
        if closed == 0:
            return _ZERO
        return closed * (sold_value / sold - bought_value / bought)
