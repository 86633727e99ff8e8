"""A paper portfolio's positions as its book in the OMS ledger holds them (``portfolio:<id>``).

The ledger is the record: each fill of the portfolio is a trade of its book with the charges
the one charges module priced (`oms.fill_charges` for a virtual fill, the day's note for a
paper GTT's), and each rupee moved in or out is a cash entry. Read back, they are the
figures the portfolio's row keeps (`money`):

- ``cash``: the book's cash, which is the row's free cash plus what waiting entries have
  earmarked (an earmark is cash the book still holds);
- ``cost``: what the shares it holds cost, at average cost (a sale takes out its share of
  the cost, as Holdings does), which is the row's deployed capital;
- ``charges``: what its fills were charged, the row's charges paid;
- ``gross``: what its sales made over the cost they took out, before charges; the row's
  realised P&L is that less the charges of the round trips it closed.

`money` keeps the row by these figures as each fill is booked (a position's exit takes out
of ``deployed`` what its own buys cost, `position_money`, to the paisa where its average
price is rounded to four places after an add-on), and the tests hold the row, the positions
and the ledger equal to the paisa (`tests/integration/test_portfolio_book_money.py`).
A live portfolio's fills are in its broker's book, shared with what else trades there, so
it has no book of its own to read: its row is the only projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Trade
from tradertape.domain.books import PAPER_BROKER

_ZERO = Decimal(0)


@dataclass
class Holding:
    """One symbol of the book, its trades walked oldest first at average cost."""

    quantity: int = 0
    cost: Decimal = _ZERO
    gross: Decimal = _ZERO  # what sales made over the cost they took out
    round_cost: Decimal = _ZERO  # what the last round (buys since nothing was held) cost
    round_quantity: int = 0

    def add(self, buy: bool, quantity: int, price: Decimal) -> None:
        """One trade: a buy adds its value to the cost; a sale takes out its share."""
        value = price * quantity
        if buy:
            if self.quantity == 0:
                self.round_cost, self.round_quantity = _ZERO, 0
            self.quantity += quantity
            self.cost += value
            self.round_cost += value
            self.round_quantity += quantity
            return
        out = self.cost if quantity >= self.quantity else self.cost * quantity / self.quantity
        self.quantity -= quantity
        self.cost -= out
        self.gross += value - out


def _walk(trades: Iterable[tuple[str, str, str, int, Decimal]]) -> dict[str, Holding]:
    held: dict[str, Holding] = {}
    for exchange, symbol, side, quantity, price in trades:
        held.setdefault(f"{exchange}:{symbol}", Holding()).add(side == "BUY", quantity, price)
    return held


def holdings(db: Session, user_id: int, book: str, symbol: str | None = None) -> dict[str, Holding]:
    """The book's paper trades walked at average cost, by symbol (one symbol's with `symbol`)."""
    query = select(
        Trade.exchange, Trade.tradingsymbol, Trade.transaction_type, Trade.quantity, Trade.price
    ).where(Trade.user_id == user_id, Trade.book == book, Trade.broker == PAPER_BROKER)
    if symbol is not None:
        exchange, _, name = symbol.partition(":")
        query = query.where(Trade.exchange == exchange, Trade.tradingsymbol == name)
    rows = db.execute(query.order_by(Trade.filled_at, Trade.id))
    return _walk((e, s, t, q, p) for e, s, t, q, p in rows)
