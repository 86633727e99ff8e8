"""What a portfolio's book holds, by the ledger: the figure its open positions answer to.

Every sale in a portfolio's book is booked to its positions by the one fill subscriber
(`fills.PortfolioFills`: its own exits and stops, and another hand's sales, an MTM exit's
or a manual exit's, `fills.sold_by_other`). What the book holds is read here from the
ledger's trades, never kept: the portfolio's paper book (``portfolio:<id>``), or its part
of its broker's live book (the trades of the orders that name it, `domain.books.part_of`).
Reconciliation reports any instrument where the two differ (a sale nobody booked: a
broker's own square-off reported without the portfolio's tags, a corporate action), and a
manual close of shares the book no longer holds is refused rather than sold twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, Order, Trade
from tradertape.db.prepared import Prepared
from tradertape.domain import books
from tradertape.domain.orders import OrderSpec, Product, TransactionType
from tradertape.domain.owners import portfolio_owner
from tradertape.errors import InvalidField
from tradertape.oms import Account, own_book
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.portfolios.signals import account as portfolio_account

_OPEN = ("open", "exit_pending")


def book_of(portfolio: ModelPortfolio) -> str:
    """The portfolio's own book: its paper book, or its part of its broker's live one."""
    broker = books.PAPER_BROKER if portfolio.paper_mode else portfolio.broker
    return own_book(broker, portfolio_owner(portfolio.id))


_TRADE = (Trade.exchange, Trade.tradingsymbol, Trade.transaction_type, Trade.quantity)
_DELIVERY = Trade.product == Product.CNC.value
_OWN_BOOK = Prepared(
    select(*_TRADE).where(
        Trade.user_id == bindparam("user_id"), _DELIVERY, Trade.book == bindparam("book")
    )
)


def held(db: Session, portfolio: ModelPortfolio) -> dict[str, int]:
    """Delivery shares the portfolio's book holds, by instrument (``NSE:INFY``): what was
    bought there less what was sold there, by anyone (instruments it holds none of left
    out)."""
    book = book_of(portfolio)
    parent = books.parent_of(book)
    if parent == book:  # its own paper book: read by every reconciliation (issue 69)
        db.flush()
        rows: Iterable[Any] = _OWN_BOOK.rows(db, {"user_id": portfolio.user_id, "book": book})
    else:  # a part of a live book: the orders that name it
        mine = Order.owned_by(portfolio_owner(portfolio.id))
        rows = db.execute(
            select(*_TRADE)
            .where(Trade.user_id == portfolio.user_id, _DELIVERY, Trade.book == parent)
            .join(Order, Order.id == Trade.order_pk)
            .where(mine)
        )
    found: dict[str, int] = {}
    for exchange, symbol, side, quantity in rows:
        key = f"{exchange}:{symbol}"
        found[key] = found.get(key, 0) + (quantity if side == "BUY" else -quantity)
    return {key: quantity for key, quantity in found.items() if quantity}


def sell_in_portfolio_book(
    db: Session, spec: OrderSpec, book: str, account: Account, *, user_id: int
) -> dict[str, Any]:
    """The attribution of a sale placed by hand in one of the user's portfolio's books
    (Positions' Exit of its row): the portfolio's fill subscriber gives up its positions
    for it (`fills.sold_by_other`, reason ``manual``). Only a sale of delivery shares, in
    the portfolio's own account, goes there (a buy would be a position the portfolio never
    chose); another user's portfolio is a 404."""
    portfolio_id = books.portfolio_of(book)
    if portfolio_id is None:
        raise InvalidField("book", "name a model portfolio's book: portfolio:<id>")
    portfolio = get_owned(db, ModelPortfolio, portfolio_id, user_id=user_id, label="portfolio")
    if account != portfolio_account(portfolio):
        raise InvalidField("book", "the order's account is not the portfolio's")
    if spec.transaction_type is not TransactionType.SELL or spec.product is not Product.CNC:
        raise InvalidField("book", "a portfolio's book takes only a CNC sale of what it holds")
    return {"portfolio_id": portfolio.id}
