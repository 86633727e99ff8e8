"""A template owner's placing commands: each through the OMS's one door."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tradertape.domain.orders import OrderSpec
from tradertape.oms import PAPER_ACCOUNT, Account, OrderPipeline, SubmitOrder, Submitted

#: The source its orders are placed with (what `domain.owners.owner_from` reads).
SOURCE = "template"
ROW_TAG = "template_id"  # the tag naming its row, read back by `owner_from`


def place(
    orders: OrderPipeline,
    db: Session,
    *,
    user_id: int,
    row_id: int,
    spec: OrderSpec,
    key: str,
    account: Account = PAPER_ACCOUNT,
) -> Submitted:
    """Place one order of the owner's row `row_id`. The client key is the row's and the
    command's, so a replay (a retried request, a restarted job) answers its first order."""
    return orders.submit(
        db,
        SubmitOrder(
            user_id=user_id,
            spec=spec,
            last=None,
            account=account,
            client_key=f"{SOURCE}:{row_id}:{key}",
            source=SOURCE,
            attribution={ROW_TAG: row_id},
        ),
    )
