"""The user's (paper) account: portfolio views in Kite's shapes, orders and GTTs.

`/api/portfolio/*` are seed 001's live-data endpoints: the user's connected broker, cached
about 30 s (see `services.brokers.account`), or the paper account. Orders and GTTs go through
the OMS, with idempotency keys.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from tradertape.api.deps import (
    CurrentUser,
    CurrentUserLater,
    DbDep,
    Desk,
    DeskDep,
    RuntimeDep,
)
from tradertape.api.schemas.errors import ORDER_RATE_RESPONSES
from tradertape.api.schemas.kite import (
    BookOrder,
    BookTrade,
    GttOut,
    Holding,
    KiteOrder,
    MarginsOut,
    OrderDetailOut,
    OrderEventOut,
    PositionsOut,
    SlicesCancelled,
)
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.trading import (
    BookOut,
    FundsIn,
    GttCreated,
    GttIn,
    OrderIn,
    OrderModifyIn,
    OrderPlaced,
    PreviewIn,
    TicketPreviewOut,
    change_out,
    gtt_dict,
    gtt_spec,
)
from tradertape.domain import books
from tradertape.domain.calendar import IST
from tradertape.domain.charge_rates import schedule_name
from tradertape.domain.utc_times import utc_iso
from tradertape.errors import InvalidField
from tradertape.oms import (
    Account,
    CancelOrder,
    CancelSlices,
    CreateGtt,
    DeleteGtt,
    ModifyGtt,
    ModifyOrder,
)
from tradertape.runtime import Runtime
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.books import delivery
from tradertape.services.books.summary import book_labels, summaries
from tradertape.services.books.ticket import place_ticket
from tradertape.services.brokers.account import PAPER, View
from tradertape.services.workers.costs import PricedLeg, cost_contract, reference_price
from tradertape.serving.lean_route import LeanRoute

router = APIRouter(tags=["trading"])


async def _book(
    book: Annotated[
        str | None,
        Query(
            max_length=32,
            description=(
                "One book (manual, portfolio:<id>, run:<id>, live:<broker>), one account "
                "(``paper``: every paper book; ``live:<broker>``: that broker's account) or "
                "all of them (``all``: every paper book, then the connected broker's rows). "
                "Without it, the account in use: the connected broker's, else the paper "
                "account's. The web names the account every time (its header's switch)."
            ),
        ),
    ] = None,
) -> str | None:
    if book is not None and book not in (books.ALL, PAPER) and not books.is_valid(book):
        raise InvalidField(
            "book",
            "name a book: all, paper, manual, portfolio:<id>, run:<id> or live:<broker>",
        )
    return book


BookDep = Annotated[str | None, Depends(_book)]


def _view(
    runtime: Runtime,
    db: DbDep,
    user_id: int,
    view: View,
    response: Response,
    book: str | None = None,
) -> Any:
    """One account view; the headers say which broker answered and how old the answer is."""
    if book is None:
        answer = runtime.account_views.read(db, user_id=user_id, view=view)
    else:
        answer = runtime.account_views.read_book(db, user_id=user_id, view=view, book=book)
    response.headers["X-Broker"] = answer.broker
    response.headers["Age"] = str(int(answer.age_secs))
    return answer.data


@router.get("/portfolio/books", response_model=list[BookOut])
async def list_books(desk: DeskDep) -> list[BookOut]:
    """The paper account's books (manual, each portfolio, each worker run) with their cash,
    positions and P&L, then "All": their sum, which is the account."""

    def read(db: Session, user: SignedIn) -> list[BookOut]:
        return [
            BookOut.model_validate(s, from_attributes=True)
            for s in summaries(db, desk.runtime.portfolio, user_id=user.id)
        ]

    return await desk.read(read)


async def _view_of(desk: Desk, view: View, response: Response, book: str | None) -> Any:
    """One account view, read on the desk (one thread hop)."""
    return await desk.read(lambda db, user: _view(desk.runtime, db, user.id, view, response, book))


@router.get("/portfolio/holdings", response_model=list[Holding], response_model_exclude_unset=True)
async def holdings(desk: DeskDep, response: Response, book: BookDep) -> list[dict[str, Any]]:
    """Delivery holdings (T+1 quantities shown as ``t1_quantity``)."""
    return cast(list[dict[str, Any]], await _view_of(desk, "holdings", response, book))


@router.get("/portfolio/positions", response_model=PositionsOut, response_model_exclude_unset=True)
async def positions(desk: DeskDep, response: Response, book: BookDep) -> dict[str, Any]:
    """Positions ``{"net": [...], "day": [...]}`` marked to the last price. A net stock
    future, or stock option in the money, in its last 4 trading days before expiry carries
    ``delivery``: the shares it delivers if held to expiry (physical settlement)."""

    def read(db: Session, user: SignedIn) -> dict[str, Any]:
        runtime = desk.runtime
        answer = cast(dict[str, Any], _view(runtime, db, user.id, "positions", response, book))
        net = [dict(row) for row in answer.get("net", [])]  # a cached answer stays as it was
        if any(row.get("exchange") in delivery.DERIVATIVES for row in net):
            holdings = _view(runtime, db, user.id, "holdings", response, book)
            delivery.annotate(
                net,
                catalog=runtime.orders.context.catalog(db),
                last_tick=runtime.options.last_tick,
                today=runtime.market_clock.now().astimezone(IST).date(),
                calendar=runtime.orders.context.calendar,  # the exchange's own, as its jobs read
                held=delivery.held_shares(holdings),
            )
        return {**answer, "net": net}

    return await desk.read(read)


@router.get("/portfolio/orders", response_model=list[BookOrder], response_model_exclude_unset=True)
async def orders(desk: DeskDep, response: Response, book: BookDep) -> list[dict[str, Any]]:
    """Today's order book."""
    return cast(list[dict[str, Any]], await _view_of(desk, "orders", response, book))


@router.get("/portfolio/trades", response_model=list[BookTrade], response_model_exclude_unset=True)
async def trades(desk: DeskDep, response: Response, book: BookDep) -> list[dict[str, Any]]:
    """Today's trades."""
    return cast(list[dict[str, Any]], await _view_of(desk, "trades", response, book))


@router.get("/portfolio/margins", response_model=MarginsOut, response_model_exclude_unset=True)
async def margins(desk: DeskDep, response: Response, book: BookDep) -> dict[str, Any]:
    """Cash and margin in Kite's ``/user/margins`` shape."""
    return cast(dict[str, Any], await _view_of(desk, "margins", response, book))


@router.post(
    "/portfolio/funds",
    response_model=MarginsOut,
    response_model_exclude_unset=True,
    status_code=status.HTTP_201_CREATED,
)
def add_funds(body: FundsIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """Add money to the paper account."""
    runtime.orders.deposit(db, user_id=user.id, amount=body.amount, note="added via API")
    return runtime.portfolio.margins(db, user_id=user.id)


async def place_order(body: OrderIn, cookie: CurrentUserLater) -> Response:
    """Place an order; a repeated ``idempotency_key`` returns the first order (200).

    Your risk rules apply: an entry that breaks a blocking rule is stored REJECTED with
    ``Order rejected by risk rule: …`` (see ``GET /api/risk/events``); exits always pass.
    Past SEBI's order-rate ceiling (10 orders a second across all your orders, paper and
    live) the answer is a 429 with ``Retry-After``, and nothing is stored or sent.
    """
    # The runtime is the cookie's, and the answer is written here, already an `OrderPlaced`:
    # no dependency but the body and the cookie, and no second validation of the answer
    # against its model on the event loop (issue 69: the route ≤ 1.15× the pipeline).
    runtime = cookie.runtime
    placed = await cookie.run(lambda db, user: _place(runtime, db, user, body))
    code = status.HTTP_200_OK if placed.replayed else status.HTTP_201_CREATED
    return Response(placed.model_dump_json(), code, media_type="application/json")


def _place(runtime: Runtime, db: Session, user: SignedIn, body: OrderIn) -> OrderPlaced:
    spec = body.spec()
    submitted = place_ticket(
        db,
        orders=runtime.orders,
        views=runtime.account_views,
        user_id=user.id,
        spec=spec,
        account=Account.of(body.mode, body.broker),
        # the price the ticket showed (an index option's is the model's: no feed prints it)
        last=runtime.orders.last_tick(spec.key),
        client_key=body.idempotency_key,
        book=body.book,
    )
    return OrderPlaced.of(submitted)


# Handled without FastAPI's dependency solver (`LeanRoute`: issue 69, the route ≤ 1.15×
# the pipeline); its OpenAPI is read from the signature as any route's.
router.add_api_route(
    "/orders",
    place_order,
    methods=["POST"],
    response_model=OrderPlaced,
    status_code=status.HTTP_201_CREATED,
    responses=ORDER_RATE_RESPONSES,
    route_class_override=LeanRoute,
)


@router.post("/orders/preview", response_model=TicketPreviewOut)
async def preview_order(
    body: PreviewIn, cookie: CurrentUserLater, runtime: RuntimeDep
) -> TicketPreviewOut:
    """Margin and itemised charges of an order, and the funds available, without placing it.

    The order is checked as a placement would check it (a 422 names the field), except for
    market hours; charges are priced at the limit, the SL-M trigger, or the last price, on
    the schedule of the broker a live order goes to (Zerodha's for paper).
    """
    # Asked again as the ticket changes: the cookie is checked in the one worker thread.
    return await cookie.run(lambda db, user: _preview(runtime, db, user, body))


def _preview(runtime: Runtime, db: Session, user: SignedIn, body: PreviewIn) -> TicketPreviewOut:
    spec = body.spec()
    worker_context = runtime.workers
    instrument = worker_context.orders.check(
        db, spec, runtime.orders.last_tick(spec.key), session=False
    )
    leg = PricedLeg(spec, instrument, reference_price(worker_context, spec))
    account = Account.of(body.mode, body.broker)
    broker, _ = runtime.live_brokers.priced_at(db, user.id, account)
    catalog = worker_context.trading.catalog(db)  # the funds check's risk classes
    cost = cost_contract(worker_context, [leg], broker=broker, catalog=catalog)
    items = cost["itemized"]
    charges = None
    if cost["total_charges"] is not None:  # items that add up to the total, DP included
        charges = {
            key: items[key]
            for key in (
                "brokerage",
                "stt",
                "exchange_transaction_charge",
                "sebi_charge",
                "stamp_duty",
                "gst",
            )
        } | {"dp_charge": cost["dp_charge"], "total": cost["total_charges"]}
    # What the ticket's order may spend: the manual book's money (each book spends its own).
    available = runtime.portfolio.margins(db, user_id=user.id, book=books.MANUAL)["equity"]["net"]
    return TicketPreviewOut.model_validate(
        {
            "price": float(leg.price) if leg.price is not None else None,
            "margin_required": cost["margin_required"],
            "charges": charges,
            "available": available,
            "schedule": schedule_name(broker),
        }
    )


@router.put("/orders/{order_id}", response_model=KiteOrder, responses=ORDER_RATE_RESPONSES)
async def modify_order(
    order_id: str, body: OrderModifyIn, cookie: CurrentUserLater, runtime: RuntimeDep
) -> dict[str, Any]:
    """Modify a working order's quantity, price, trigger price, type or validity.

    A change that enlarges the order or moves its price, trigger, type or validity passes
    your risk rules (the kill switch too) as a new order would: a refusal is a 400 with
    ``Order rejected by risk rule: …`` and the order keeps its terms. A reduction of the
    quantity only lowers risk and is never refused by them, paper or live.
    """

    def modify(db: Session, user: SignedIn) -> dict[str, Any]:
        changes = body.changes()
        order = runtime.orders.modify(db, ModifyOrder(user.id, order_id, changes))
        runtime.account_views.invalidate(user.id)
        return runtime.portfolio.order(order)

    return await cookie.run(modify)


@router.delete("/orders/{order_id}", response_model=KiteOrder)
async def cancel_order(
    order_id: str,
    cookie: CurrentUserLater,
    runtime: RuntimeDep,
    parent_order_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Cancel a working order; on a cover order's stop-loss leg, exit the cover order.

    Kite sends the leg's ``parent_order_id`` with an exit; when given it must match.
    """

    def cancel(db: Session, user: SignedIn) -> dict[str, Any]:
        command = CancelOrder(user.id, order_id, parent_order_id=parent_order_id)
        order = runtime.orders.cancel(db, command)
        runtime.account_views.invalidate(user.id)
        return runtime.portfolio.order(order)

    return await cookie.run(cancel)


@router.post("/orders/{order_id}/slices/cancel", response_model=SlicesCancelled)
async def cancel_slices(
    order_id: str, cookie: CurrentUserLater, runtime: RuntimeDep
) -> dict[str, Any]:
    """Cancel every working slice of a sliced order (`order_id`: any of its children, by
    our id or the broker's), each as ``DELETE /api/orders/{order_id}`` would; answers every
    child as it then stands. A child already final is left so, asking again cancels nothing
    twice; 409 for an order that was not sliced, 404 for another user's."""

    def cancel(db: Session, user: SignedIn) -> dict[str, Any]:
        children = runtime.orders.cancel_slices(db, CancelSlices(user.id, order_id))
        runtime.account_views.invalidate(user.id)
        return {
            "slice_parent": children[0].slice_parent,
            "children": [runtime.portfolio.order(child) for child in children],
        }

    return await cookie.run(cancel)


@router.get("/orders/{order_id}", response_model=OrderDetailOut)
def get_order(order_id: str, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """One of your orders as we recorded it (by our id, or a live order's id at its broker),
    in Kite's order-book shape, plus
    where it went: ``broker``, ``broker_order_id``, and for a live order the ``algo_id`` it
    was sent under and the ``egress_ip`` it left this server from (SEBI's retail-algo rules).
    """
    order = runtime.orders.order(db, user_id=user.id, order_id=order_id)
    return runtime.portfolio.order(order) | {
        "broker": order.broker,
        "broker_order_id": order.broker_order_id,
        "algo_id": order.algo_id,
        "egress_ip": order.egress_ip,
    }


@router.get("/orders/{order_id}/history", response_model=list[OrderEventOut])
def order_history(
    order_id: str, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> list[dict[str, Any]]:
    """Every state the order went through, oldest first; a modification lists the terms it
    changed, each old and new (``changes``: price, trigger, quantity, order type, validity)."""
    order, events = runtime.orders.history(db, user_id=user.id, order_id=order_id)
    return [
        {
            "order_id": order.order_id,
            "status": event.status_after,
            "event": event.kind,
            "order_timestamp": utc_iso(event.ts_event),
            "filled_quantity": event.fill_quantity,
            "average_price": float(event.fill_price) if event.fill_price is not None else 0.0,
            "status_message": event.message,
            "changes": [change_out(change) for change in event.changes or ()],
        }
        for event in events
    ]


@router.get("/gtt/triggers", response_model=list[GttOut])
def list_gtts(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> list[dict[str, Any]]:
    """Every trigger of the user, newest first, each with its book by name."""
    found = runtime.orders.gtts(db, user_id=user.id)
    keys = sorted({books.book_of(row.broker, row.attribution) for row, _ in found})
    labels = book_labels(db, user.id, keys)
    return [
        gtt_dict(row, placed, book_label=labels[books.book_of(row.broker, row.attribution)])
        for row, placed in found
    ]


@router.post("/gtt/triggers", response_model=GttCreated, status_code=status.HTTP_201_CREATED)
async def create_gtt(body: GttIn, cookie: CurrentUserLater, runtime: RuntimeDep) -> GttCreated:
    """Create a single or two-leg (OCO) trigger.

    A leg that would open or extend a position passes your risk rules now (a refusal is a
    400 with ``Order rejected by risk rule: …`` and stores nothing) and again when it fires
    (a refused order is stored REJECTED and the trigger's result says why).
    """

    def create(db: Session, user: SignedIn) -> GttCreated:
        spec = gtt_spec(body)
        # At the user's broker (mode "live"): both switches, a 409 with no session.
        account = Account.of(body.mode, None)
        row = runtime.orders.create_gtt(db, CreateGtt(user.id, spec, account))
        return GttCreated(trigger_id=row.id)

    return await cookie.run(create)


@router.get("/gtt/triggers/{trigger_id}", response_model=GttOut)
def get_gtt(trigger_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """One trigger, with its book by name."""
    row = runtime.orders.gtt(db, user_id=user.id, trigger_id=trigger_id)
    book = books.book_of(row.broker, row.attribution)
    label = book_labels(db, user.id, [book])[book]
    return gtt_dict(row, runtime.orders.gtt_order(db, row), book_label=label)


@router.put("/gtt/triggers/{trigger_id}", response_model=GttCreated)
async def modify_gtt(
    trigger_id: RowId, body: GttIn, cookie: CurrentUserLater, runtime: RuntimeDep
) -> GttCreated:
    """Change an active trigger's values, orders and reference price (Kite's modify: the
    whole trigger is sent, the id stays; the instrument cannot change). The new legs pass
    your risk rules as a new trigger's do; once it has fired, expired or been deleted it is
    a 400."""

    def modify(db: Session, user: SignedIn) -> GttCreated:
        spec = gtt_spec(body)
        row = runtime.orders.modify_gtt(db, ModifyGtt(user.id, trigger_id, spec))
        return GttCreated(trigger_id=row.id)

    return await cookie.run(modify)


@router.delete("/gtt/triggers/{trigger_id}", response_model=GttCreated)
async def delete_gtt(
    trigger_id: RowId, cookie: CurrentUserLater, runtime: RuntimeDep
) -> GttCreated:
    """Delete an active trigger (a live one at its broker first; always allowed, as a
    cancel is: it only removes risk)."""

    def delete(db: Session, user: SignedIn) -> GttCreated:
        row = runtime.orders.delete_gtt(db, DeleteGtt(user.id, trigger_id))
        return GttCreated(trigger_id=row.id)

    return await cookie.run(delete)
