"""Position reads: cash and positions of a paper account, derived from the rows the ledger
(`oms.ledger`) writes.

Cash is the running balance (kept equal to the sum of the cash entries); a position is
the signed sum of a symbol's trades per product, never stored, so positions always agree
with the executions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import CashEntry, Trade
from tradertape.db.rows import table_of
from tradertape.oms.book_totals import cash

_TRADES = table_of(Trade)
_NET_QUANTITY = select(
    func.sum(
        case(
            (_TRADES.c.transaction_type == "BUY", _TRADES.c.quantity),
            else_=-_TRADES.c.quantity,
        )
    )
).where(
    _TRADES.c.user_id == bindparam("user_id"),
    _TRADES.c.broker == bindparam("broker"),
    _TRADES.c.exchange == bindparam("exchange"),
    _TRADES.c.tradingsymbol == bindparam("tradingsymbol"),
    _TRADES.c.product == bindparam("product"),
)
_BOOK_NET_QUANTITY = _NET_QUANTITY.where(_TRADES.c.book == bindparam("book"))


@dataclass(frozen=True, slots=True)
class NetPosition:
    """Signed quantity and money flows of one symbol and product."""

    exchange: str
    tradingsymbol: str
    product: str
    quantity: int
    buy_quantity: int
    sell_quantity: int
    buy_value: Decimal
    sell_value: Decimal

    @property
    def average_price(self) -> Decimal:
        """Average price of the open side (buys for a long, sells for a short)."""
        if self.quantity > 0 and self.buy_quantity:
            return self.buy_value / self.buy_quantity
        if self.quantity < 0 and self.sell_quantity:
            return self.sell_value / self.sell_quantity
        return Decimal(0)


def cash_balance(db: Session, *, user_id: int, broker: str) -> Decimal:
    """Cash available: deposits minus buys plus sells minus charges (the running balance)."""
    return cash(db, user_id=user_id, broker=broker)


def cash_entries_total(db: Session, *, user_id: int, broker: str) -> Decimal:
    """The same figure summed from the entries themselves (for audits and tests)."""
    amounts = db.scalars(
        select(CashEntry.amount).where(CashEntry.user_id == user_id, CashEntry.broker == broker)
    )
    return sum(amounts, Decimal(0))


def net_positions(db: Session, *, user_id: int, broker: str) -> list[NetPosition]:
    """Every symbol/product the user has traded, with its net quantity."""
    trades = db.scalars(
        select(Trade).where(Trade.user_id == user_id, Trade.broker == broker).order_by(Trade.id)
    )
    books: dict[tuple[str, str, str], list[Trade]] = {}
    for trade in trades:
        books.setdefault((trade.exchange, trade.tradingsymbol, trade.product), []).append(trade)
    positions = []
    for (exchange, symbol, product), rows in sorted(books.items()):
        buys = [t for t in rows if t.transaction_type == "BUY"]
        sells = [t for t in rows if t.transaction_type == "SELL"]
        bought = sum(t.quantity for t in buys)
        sold = sum(t.quantity for t in sells)
        positions.append(
            NetPosition(
                exchange=exchange,
                tradingsymbol=symbol,
                product=product,
                quantity=bought - sold,
                buy_quantity=bought,
                sell_quantity=sold,
                buy_value=sum((t.price * t.quantity for t in buys), Decimal(0)),
                sell_value=sum((t.price * t.quantity for t in sells), Decimal(0)),
            )
        )
    return positions


def net_quantity(
    db: Session, *, user_id: int, broker: str, key: str, product: str, book: str | None = None
) -> int:
    """Net quantity of one symbol in one product (summed by the database: whole units), of
    one book when named (each book holds, and sells, its own)."""
    exchange, _, symbol = key.partition(":")
    params = {
        "user_id": user_id,
        "broker": broker,
        "exchange": exchange,
        "tradingsymbol": symbol,
        "product": product,
    }
    if book is None:
        return int(db.execute(_NET_QUANTITY, params).scalar() or 0)
    return int(db.execute(_BOOK_NET_QUANTITY, {**params, "book": book}).scalar() or 0)
