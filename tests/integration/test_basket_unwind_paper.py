"""The paper side of a basket halted at once by the gate (issue 55): the placement cancels
its resting partner and settles the basket's mark itself (a paper cancel and its fills
are one book's), so the loop and a restart send nothing more; a mark left open (a process
that stopped between the mark and the cancel) is finished by the loop's next pass, once."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import sign_in
from tests.workers_kit import set_price
from tradertape.db.models import BasketUnwind, Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.jobs.trading import trading_loop
from tradertape.oms import SubmitOrder
from tradertape.runtime import Runtime
from tradertape.services.baskets import marks as basket_marks
from tradertape.testkit import make_tick

NIFTY = "NSE:NIFTY 50"
CALL = "NIFTY26DEC25000CE"
FAR_CALL = "NIFTY26DEC25500CE"


def _ready(client: TestClient, runtime: Runtime, email: str) -> int:
    user_id = sign_in(client, runtime, email)
    set_price(runtime, NIFTY, "25000")
    set_price(runtime, f"NFO:{CALL}", "300.00")
    set_price(runtime, f"NFO:{FAR_CALL}", "100.00")
    funded = client.post("/api/portfolio/funds", json={"amount": "2000000"})
    assert funded.status_code == 201, funded.text
    return user_id


def _net(client: TestClient) -> dict[str, int]:
    positions = client.get("/api/portfolio/positions").json()["net"]
    return {p["tradingsymbol"]: int(p["quantity"]) for p in positions if p["quantity"]}


def _orders(runtime: Runtime) -> list[tuple[str | None, str, str, int]]:
    with runtime.db.session() as db:
        return [
            (o.client_key, o.transaction_type, o.status, o.filled_quantity or 0)
            for o in db.scalars(select(Order).order_by(Order.id))
        ]


def _marks(runtime: Runtime) -> list[tuple[str, bool]]:
    with runtime.db.session() as db:
        rows = db.scalars(select(BasketUnwind).order_by(BasketUnwind.id)).all()
        return [(row.basket, row.done_at is not None) for row in rows]


def _passes(runtime: Runtime) -> None:
    """Two loop passes, then a restarted process's."""
    loop = trading_loop(runtime)
    loop.run_jobs(force=True)
    loop.run_jobs(force=True)
    restarted = Runtime.build(runtime.settings, clock=runtime.clock, db=runtime.db)
    for symbol, price in ((CALL, "300.00"), (FAR_CALL, "100.00")):
        set_price(restarted, f"NFO:{symbol}", price)
    trading_loop(restarted).run_jobs(force=True)


def test_a_paper_basket_the_gate_halts_settles_its_own_mark(client: TestClient, runtime: Runtime):
    _ready(client, runtime, "paper-halt@x.in")
    rule = client.post(
        "/api/risk/rules", json={"type": "max_order_value", "threshold_amount": "15000"}
    )
    assert rule.status_code == 201, rule.text
    body = {
        "legs": [
            {"tradingsymbol": FAR_CALL, "transaction_type": "SELL", "lots": 3},  # 19,500
            {
                "tradingsymbol": CALL,
                "transaction_type": "BUY",
                "lots": 1,
                "order_type": "LIMIT",
                "price": "150.00",  # rests: 9,750
            },
        ],
        "idempotency_key": "paper-halt",
    }
    answer = client.post("/api/options/basket", json=body).json()
    # the hedge rests, so the short is never sent (issue 66: hedge-first waits for the fill)
    assert [leg["state"] for leg in answer["legs"]] == ["cancelled", "skipped"]
    assert _marks(runtime) == [("chain:paper-halt", True)]  # opened, then settled

    _passes(runtime)
    assert len(_orders(runtime)) == 1  # nothing more sent
    crossing = make_tick(f"NFO:{CALL}", "140.00", ts=runtime.clock.now())
    with runtime.db.session() as db:
        assert runtime.exchange.on_tick(db, crossing, traded_volume=10_000) == []
    assert _net(client) == {}


def _stopped_mid_unwind(runtime: Runtime, user_id: int, basket: str, price: str) -> None:
    """What a process leaves that stopped after the mark's commit, before its cancel: the
    hedge (leg 1, a LIMIT BUY at `price`) placed, the short (leg 0) refused, the mark open."""
    spec = OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=CALL,
        transaction_type=TransactionType.BUY,
        quantity=65,
        product=Product.NRML,
        order_type=OrderType.LIMIT,
        price=Decimal(price),
    )
    with runtime.db.session() as db:
        runtime.orders.submit(
            db,
            SubmitOrder(
                user_id=user_id,
                spec=spec,
                last=runtime.quotes(f"NFO:{CALL}"),
                client_key=f"{basket}:1",
                attribution={"basket_leg": 1, "chain_basket": basket},
            ),
        )
        basket_marks.mark(
            db,
            user_id=user_id,
            broker="paper",
            basket=basket,
            reason="leg 1 was not placed: a risk rule",
            now=runtime.clock.now(),
        )
        db.commit()


def test_an_open_paper_mark_cancels_the_resting_partner_on_the_next_pass(
    client: TestClient, runtime: Runtime
):
    user_id = _ready(client, runtime, "paper-open@x.in")
    _stopped_mid_unwind(runtime, user_id, "chain:paper-open", "150.00")
    assert _orders(runtime) == [("chain:paper-open:1", "BUY", "OPEN", 0)]

    _passes(runtime)
    assert _orders(runtime) == [("chain:paper-open:1", "BUY", "CANCELLED", 0)]
    assert _marks(runtime) == [("chain:paper-open", True)]
    crossing = make_tick(f"NFO:{CALL}", "140.00", ts=runtime.clock.now())
    with runtime.db.session() as db:
        assert runtime.exchange.on_tick(db, crossing, traded_volume=10_000) == []
    assert _net(client) == {}


def test_an_open_paper_mark_exits_the_filled_partner_once(client: TestClient, runtime: Runtime):
    user_id = _ready(client, runtime, "paper-filled@x.in")
    _stopped_mid_unwind(runtime, user_id, "chain:paper-filled", "310.00")  # fills at once
    assert _net(client) == {CALL: 65}

    _passes(runtime)
    assert _orders(runtime) == [
        ("chain:paper-filled:1", "BUY", "COMPLETE", 65),
        ("chain:paper-filled:unwind:1", "SELL", "COMPLETE", 65),
    ]
    assert _marks(runtime) == [("chain:paper-filled", True)]
    assert _net(client) == {}
