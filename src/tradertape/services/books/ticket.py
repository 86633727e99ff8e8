"""An order from a ticket, through the one door (`OrderPipeline`): the order ticket's route,
an assistant's paper order (`tradertape.mcp`) and a live order the user confirmed for an
assistant all place it here, so each passes the same risk gate, kill switch and SEBI
ceiling, and a sale in a model portfolio's book is attributed the same way."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderSpec
from tradertape.oms import Account, OrderPipeline, SubmitOrder, Submitted
from tradertape.services.brokers.account import AccountViews
from tradertape.services.portfolios.book_held import sell_in_portfolio_book


def place_ticket(
    db: Session,
    *,
    orders: OrderPipeline,
    views: AccountViews,
    user_id: int,
    spec: OrderSpec,
    account: Account,
    last: Tick | None,
    client_key: str | None,
    book: str | None,
    source: str = "api",
) -> Submitted:
    """Submit `spec` for `user_id` (a repeated `client_key` answers the first order); `book`
    a model portfolio's book whose delivery shares the sale gives up."""
    attribution = None
    if book is not None:
        attribution = sell_in_portfolio_book(db, spec, book, account, user_id=user_id)
    submitted = orders.submit(
        db,
        SubmitOrder(
            user_id=user_id,
            spec=spec,
            last=last,
            account=account,
            client_key=client_key,
            attribution=attribution,
            source=source,
        ),
    )
    views.invalidate(user_id)
    return submitted
