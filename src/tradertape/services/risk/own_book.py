"""What an order's own book holds of its instrument: where a rule on one book (a run's, a
portfolio's, the manual book's, an mtm_exit rule's) tells an exit from an entry.

The account nets every book together: the desk short 50 INFY and a run long 100 is the
account long 50. Judged there, the run's sale of its own 100 would open a short (and its
own pause would refuse its exit), and the run's new buy would pass as closing the desk's
short. So a rule on one book asks that book: an order that reduces what its own book holds
is an exit there, whatever the other books hold. The account's own rules (its kill switch,
its limits) still read the account (`services.risk.check.decide`).

The book is the finest one the order is in (`domain.books.own_book`): its paper book, or
its part of a live one (``live:kite/run:5``, the trades of orders with its tags), read by
the same tags the ledger's snapshot derives the parts with (`domain.books.part_of`). It is
a sum of trades across products, as the account's position is (`oms.positions`), read
under the gate's lock, so it is the position the allowed order will meet.
"""

from __future__ import annotations

import json

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, Trade
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.domain.books import parent_of, part_of

_TRADES = table_of(Trade)
_ORDERS = table_of(Order)
_SIGNED = case((_TRADES.c.transaction_type == "BUY", _TRADES.c.quantity), else_=-_TRADES.c.quantity)
_OF_INSTRUMENT = (
    _TRADES.c.user_id == bindparam("user_id"),
    _TRADES.c.broker == bindparam("broker"),
    _TRADES.c.book == bindparam("book"),
    _TRADES.c.exchange == bindparam("exchange"),
    _TRADES.c.tradingsymbol == bindparam("tradingsymbol"),
)
# A whole book's net (a paper book, or a live book for the desk): summed by the database.
_NET = Prepared(select(func.coalesce(func.sum(_SIGNED), 0)).where(*_OF_INSTRUMENT))
# A part's: each trade with its order's tags, the part picked by them (`part_of`); not
# grouped in the database (PostgreSQL's json has no equality to group by).
_BY_TRADE = Prepared(
    select(_ORDERS.c.attribution, _SIGNED)
    .join(_ORDERS, _ORDERS.c.id == _TRADES.c.order_pk)
    .where(*_OF_INSTRUMENT)
)


def held_in(db: Session, *, user_id: int, broker: str, key: str, book: str) -> int:
    """Net units of `key` (``NSE:INFY``, signed: short is negative) that `book` (a book,
    or a part of a live one) holds at `broker`, across products."""
    exchange, _, symbol = key.partition(":")
    parent = parent_of(book)
    params = {
        "user_id": user_id,
        "broker": broker,
        "book": parent,
        "exchange": exchange,
        "tradingsymbol": symbol,
    }
    if parent == book:
        return int(_NET.scalar(db, params) or 0)
    rows = _BY_TRADE.rows(db, params)
    return sum(int(net or 0) for tags, net in rows if part_of(parent, _tags(tags)) == book)


def _tags(raw: object) -> dict[str, object] | None:
    """An order's attribution as read by a driver (SQLite hands JSON over as text)."""
    if isinstance(raw, str):
        decoded = json.loads(raw)
        return decoded if isinstance(decoded, dict) else None
    return raw if isinstance(raw, dict) else None
