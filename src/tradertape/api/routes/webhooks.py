"""Inbound webhooks: ``/api/webhooks`` to manage them (your session), ``POST
/api/hooks/{hook_id}`` for senders (signed, or a token from allowed addresses)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from starlette.concurrency import run_in_threadpool

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep, client_ip
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.webhooks import (
    DeliveryOut,
    HookOrderOut,
    HookReceived,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)
from tradertape.db.models import Webhook
from tradertape.runtime import Runtime
from tradertape.services.webhooks import hooks, receive, templates
from tradertape.services.webhooks.receive import Request as HookRequest
from tradertape.serving.admission import Gates
from tradertape.serving.limits import parsed

router = APIRouter(tags=["webhooks"])


def _out(row: Webhook) -> WebhookOut:
    fields = {name: getattr(row, name) for name in WebhookOut.model_fields if name != "url_path"}
    return WebhookOut(**fields, url_path=f"/api/hooks/{row.hook_id}")


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(user: CurrentUser, db: DbDep, page: PageDep) -> list[WebhookOut]:
    """Your inbound webhooks, newest first."""
    rows = hooks.listing(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_out(row) for row in rows]


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(
    body: WebhookIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WebhookCreated:
    """A new hook and its secret or token, shown this once (only its encryption or digest
    is kept). A bad field is a 422 naming it; past the cap of hooks a 409."""
    template = {**templates.PRESETS.get(body.preset or "", {}), **body.template}
    draft = hooks.HookDraft(
        name=body.name,
        auth=body.auth,
        template=template,
        allowed_ips=body.allowed_ips,
        mode=body.mode,
        broker=body.broker,
        max_per_minute=body.max_per_minute,
    )
    made = hooks.create(db, draft, vault=runtime.vault, clock=runtime.clock, user_id=user.id)
    return WebhookCreated(**_out(made.hook).model_dump(), secret=made.secret)


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: RowId, user: CurrentUser, db: DbDep) -> WebhookOut:
    """One of your hooks."""
    return _out(hooks.get(db, webhook_id, user_id=user.id))


@router.patch("/webhooks/{webhook_id}", response_model=WebhookOut)
def update_webhook(
    webhook_id: RowId, body: WebhookPatch, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WebhookOut:
    """Rename, switch off or on, edit the template, the addresses or the rate."""
    change = hooks.HookChange(**body.model_dump())
    row = hooks.update(db, webhook_id, change, user_id=user.id)
    runtime.webhooks.known.forget(row.hook_id)
    return _out(row)


@router.post("/webhooks/{webhook_id}/rotate", response_model=WebhookCreated)
def rotate_webhook(
    webhook_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WebhookCreated:
    """A signed hook's new secret, shown this once; the old one is refused from now on.
    409 for a token hook."""
    made = hooks.rotate(db, webhook_id, vault=runtime.vault, user_id=user.id)
    runtime.webhooks.known.forget(made.hook.hook_id)
    return WebhookCreated(**_out(made.hook).model_dump(), secret=made.secret)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> None:
    """Delete a hook and its log; its URL stops answering at once."""
    runtime.webhooks.known.forget(hooks.delete(db, webhook_id, user_id=user.id))


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    webhook_id: RowId, user: CurrentUser, db: DbDep, page: PageDep
) -> list[DeliveryOut]:
    """What a hook received, newest first, with each outcome."""
    rows = hooks.deliveries(db, webhook_id, user_id=user.id, limit=page.limit, offset=page.offset)
    return [DeliveryOut.model_validate(row, from_attributes=True) for row in rows]


HookId = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


# The body is read raw (the signature is over its bytes); documented as the JSON it is.
_ANY_JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "additionalProperties": True,
                    "x-max-bytes": receive.MAX_BODY_BYTES,
                }
            }
        },
    }
}


@router.post("/hooks/{hook_id}", response_model=HookReceived, openapi_extra=_ANY_JSON_BODY)
async def receive_hook(hook_id: HookId, request: Request) -> Response:
    """Place the orders a sender's request asks for, through the risk gate, the kill switch
    and SEBI's order-rate ceiling.

    A signed hook needs ``X-TraderTape-Timestamp`` (unix seconds) and
    ``X-TraderTape-Signature: sha256=<hex>``, the HMAC-SHA256 of ``timestamp + "." + body``
    keyed by its secret: 401 when missing, wrong or 5 minutes off our clock. A token hook
    needs ``X-TraderTape-Token`` (401) from an allowed address (403). A body the template
    cannot map is a 422 naming the field; past the hook's rate a 429. A refusal places
    nothing; every outcome is in the hook's log.

    A delivery places once: a retry (the same signature; for a token hook the same
    ``Idempotency-Key``, or without one the same body, within 5 minutes) places nothing
    and is answered with the first delivery's result, ``replayed: true``.
    """
    # The body is read here, the runtime is the app's and the answer is written here, already
    # a `HookReceived`: no dependency to solve and no second validation of the answer
    # against its model on the event loop (issue 69, as `POST /api/orders`).
    body = await request.body()
    runtime: Runtime = request.app.state.runtime
    headers = request.headers
    hook_request = HookRequest(
        hook_id=hook_id,
        body=body,
        ip=client_ip(request),
        timestamp=headers.get("x-tradertape-timestamp"),
        signature=headers.get("x-tradertape-signature"),
        token=headers.get("x-tradertape-token"),
        idempotency_key=headers.get("idempotency-key"),
        parsed=parsed(request.scope, body),  # the size limits' parse of these bytes
    )
    # The receipt and its answer in one worker thread with its own session, once the
    # request holds a database slot (as `get_db` takes it): one thread hop, no session
    # dependency opened and closed around the route (issue 69).
    gates: Gates = request.app.state.gates
    async with gates.requests.admit():
        received = await run_in_threadpool(_receive, runtime, hook_request)
    return Response(received.model_dump_json(), media_type="application/json")


def _receive(runtime: Runtime, hook_request: HookRequest) -> HookReceived:
    with runtime.db.session() as db:
        received = runtime.webhooks.receive(db, hook_request)
    # Each field named: `dataclasses.asdict` walked and deep-copied every value in Python.
    orders = [
        HookOrderOut(symbol=o.symbol, outcome=o.outcome, order_id=o.order_id, message=o.message)
        for o in received.orders
    ]
    return HookReceived(
        delivery_id=received.delivery_id,
        outcome=received.outcome,
        orders=orders,
        replayed=received.replayed,
    )
