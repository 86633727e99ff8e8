"""The webhook's placing command: one order a delivery asks for, placed by the placer alerts
and webhooks share (`services.term_orders`) as the webhook's (its source, the hook and the
delivery in its attribution); `receive` calls it once per order of a delivery."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.services.term_orders import Placed, TermsPlacer
from tradertape.services.webhooks.known import KnownHook
from tradertape.services.webhooks.templates import HookOrder

SOURCE = "webhook"


def place(
    placer: TermsPlacer,
    db: Session,
    hook: KnownHook,
    item: HookOrder,
    *,
    delivery_id: int,
    on_record: Callable[[Session, Order], None] | None = None,
) -> Placed:
    """Place `item` for `hook`'s delivery (commits; a refusal rolls back and is answered).
    ``on_record`` writes the delivery's outcome in the order's own transaction."""
    return placer.place(
        db,
        user_id=hook.user_id,
        key=item.key,
        terms=item.terms,
        client_key=None,
        source=SOURCE,
        attribution={"webhook_id": hook.id, "delivery_id": delivery_id},
        on_record=on_record,
    )
