"""Worker execution: intents, previews, and the run's orders and trades (paper included)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from tradertape.api.deps import (
    DbDep,
    RuntimeDep,
    WorkerCredential,
    worker_action,
    worker_credential,
)
from tradertape.api.routes.workers_runs import Nonce, Reader
from tradertape.api.schemas.worker_answers import (
    RunOrderChangeOut,
    RunOrderHistoryOut,
    RunOrderOut,
)
from tradertape.api.schemas.workers import (
    BasketPayload,
    CancelIn,
    IntentIn,
    IntentOut,
    ModifyIn,
    OrderPayload,
    OrderPreviewOut,
    OrdersOut,
    PreviewBasketIn,
    PreviewOrderIn,
    TradesOut,
    WorkerOrderIn,
)
from tradertape.db.models import WorkerToken
from tradertape.errors import Rejected
from tradertape.services.workers import intents, orders
from tradertape.services.workers.intents import Intent, WorkerOrder
from tradertape.serving.lean_route import LeanRoute

M = TypeVar("M", bound=BaseModel)
router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

Submitter = Annotated[WorkerToken, Depends(worker_action("intents:submit"))]
SubmitterLater = Annotated[WorkerCredential, Depends(worker_credential("intents:submit"))]
RunQuery = Annotated[str, Query(min_length=1, max_length=128)]


def _order(body: WorkerOrderIn) -> WorkerOrder:
    return WorkerOrder(spec=body.spec(), fields=body.model_dump(mode="json", exclude_none=True))


def _payload(model: type[M], payload: dict[str, Any]) -> M:
    """Validate the envelope's payload; errors keep their place (``payload.order.price``)."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "payload", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


def _intent(body: IntentIn) -> Intent:
    request = body.model_dump(mode="json", exclude={"safety_token"})
    if body.intent_type == intents.PLACE_ORDER:
        single = _payload(OrderPayload, body.payload)
        legs, all_or_none, dry_run = [_order(single.order)], False, False
    elif body.intent_type == intents.PLACE_BASKET:
        basket = _payload(BasketPayload, body.payload).basket
        legs = [_order(o) for o in basket.orders]
        all_or_none, dry_run = basket.all_or_none, basket.dry_run
    else:
        raise Rejected(
            400,
            "UNSUPPORTED_INTENT_TYPE",
            f"intent_type must be 'place_order' or 'place_basket', not '{body.intent_type}'",
        )
    return Intent(
        intent_type=body.intent_type,
        idempotency_key=body.idempotency_key,
        orders=legs,
        request=request,
        metadata=body.metadata,
        safety_token=body.safety_token,
        all_or_none=all_or_none,
        dry_run=dry_run,
    )


async def submit_intent(
    run_id: str, body: IntentIn, credential: SubmitterLater, nonce: Nonce = None
) -> dict[str, Any]:
    """Place an order or a basket once per idempotency key (a replay answers ``deduped``)."""
    workers = credential.runtime.workers

    def submit(db: Session, token: WorkerToken) -> dict[str, Any]:
        return intents.submit(workers, db, token, run_id, nonce=nonce, intent=_intent(body))

    return await credential.run(submit)


# Handled without FastAPI's dependency solver (`LeanRoute`, issue 69: a worker's order ≤ 2
# ms of server CPU); its OpenAPI is read from the signature as any route's.
router.add_api_route(
    "/runs/{run_id}/intents",
    submit_intent,
    methods=["POST"],
    response_model=IntentOut,
    route_class_override=LeanRoute,
)


@router.post("/runs/{run_id}/preview/order", response_model=OrderPreviewOut)
def preview_order(
    run_id: str, body: PreviewOrderIn, token: Submitter, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Margin and itemized charges of an order, without placing it."""
    return orders.preview(runtime.workers, db, token, run_id, [_order(body.order)], basket=False)


@router.post("/runs/{run_id}/preview/basket", response_model=OrderPreviewOut)
def preview_basket(
    run_id: str, body: PreviewBasketIn, token: Submitter, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Margin and charges of a basket, leg by leg and together, without placing it."""
    legs = [_order(o) for o in body.orders]
    return orders.preview(
        runtime.workers, db, token, run_id, legs, basket=True, all_or_none=body.all_or_none
    )


@router.get("/orders", response_model=OrdersOut)
def list_orders(
    strategy_run_id: RunQuery, token: Reader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """The run's orders, in Kite's shape."""
    return orders.list_orders(runtime.workers, db, token, strategy_run_id)


@router.get("/trades", response_model=TradesOut)
def list_trades(
    strategy_run_id: RunQuery, token: Reader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """The run's trades, in Kite's shape."""
    return orders.list_trades(runtime.workers, db, token, strategy_run_id)


@router.get("/orders/{order_id}", response_model=RunOrderOut, response_model_exclude_unset=True)
def get_order(
    order_id: str, strategy_run_id: RunQuery, token: Reader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """One of the run's orders: ``{strategy_run_id, order}``."""
    return orders.get_order(runtime.workers, db, token, strategy_run_id, order_id)


@router.get(
    "/orders/{order_id}/history",
    response_model=RunOrderHistoryOut,
    response_model_exclude_unset=True,
)
def order_history(
    order_id: str, strategy_run_id: RunQuery, token: Reader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Every state of one of the run's orders, oldest first."""
    return orders.order_history(runtime.workers, db, token, strategy_run_id, order_id)


@router.post(
    "/orders/{order_id}/cancel", response_model=RunOrderChangeOut, response_model_exclude_unset=True
)
def cancel_order(
    order_id: str,
    body: CancelIn,
    token: Submitter,
    runtime: RuntimeDep,
    db: DbDep,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Cancel one of the run's working orders."""
    return orders.cancel(runtime.workers, db, token, body.strategy_run_id, order_id, nonce=nonce)


@router.post(
    "/orders/{order_id}/modify", response_model=RunOrderChangeOut, response_model_exclude_unset=True
)
def modify_order(
    order_id: str,
    body: ModifyIn,
    token: Submitter,
    runtime: RuntimeDep,
    db: DbDep,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Change quantity, prices, type or validity of one of the run's working orders."""
    return orders.modify(
        runtime.workers,
        db,
        token,
        body.strategy_run_id,
        order_id,
        nonce=nonce,
        changes=body.changes(),
    )
