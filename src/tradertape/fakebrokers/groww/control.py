"""``/_fake/*``: what tests and demos use to move the fake Groww (no auth, loopback only).

- ``GET  /_fake/state``: prices, cash, open orders, smart orders, time.
- ``POST /_fake/prices``  ``{"INFY": 1510.5, "NSE:TCS": "3490"}``: set last prices.
- ``POST /_fake/tick``    ``{"steps": 5}``: random-walk every price.
- ``POST /_fake/clock``   ``{"advance_secs": 3600}`` or ``{"now": ISO-8601}``.
- ``POST /_fake/faults``  ``{"kind": "429"|"500"|"503"|"timeout"|"timeout_after_accept"|
  "expire", "path": "/v1/order/create", "times": 1, "delay_secs": 2.0}``.
- ``POST /_fake/expire``: every issued token dies now.
- ``POST /_fake/holdings`` ``{"symbol": "INFY", "quantity": 10, "average_price": 1400}``.
- ``POST /_fake/funds``   ``{"cash": 500000}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from tradertape.fakebrokers.groww.app import FakeGroww, Fault
from tradertape.ports.clock import ManualClock

FAULT_KINDS = ("429", "500", "503", "timeout", "timeout_after_accept", "expire")


def build_control(  # noqa: C901 - one closure per route
    fake: FakeGroww, clock: ManualClock | None
) -> APIRouter:
    """The control routes; moving time needs the fake to run on a `ManualClock`."""
    book = fake.book
    router = APIRouter(prefix="/_fake")

    @router.get("/state")
    def state() -> dict[str, Any]:
        book.match()
        return {
            "now": book.clock.now().isoformat(),
            "prices": book.prices.snapshot(),
            "cash": str(book.cash),
            "orders": list(book.orders.values()),
            "smart_orders": list(book.smart.values()),
            "holdings": book.holding_rows(),
            "faults": [f.__dict__ for f in fake.faults],
        }

    @router.post("/prices")
    async def prices(request: Request) -> dict[str, str]:
        body: dict[str, Any] = await request.json()
        with book.lock:
            for key, value in body.items():
                book.prices.set(key.split(":")[-1], Decimal(str(value)))
            book.match()
        return book.prices.snapshot()

    @router.post("/tick")
    async def tick(request: Request) -> dict[str, str]:
        body: dict[str, Any] = await request.json()
        with book.lock:
            book.prices.walk(int(body.get("steps", 1)))
            book.match()
        return book.prices.snapshot()

    @router.post("/clock")
    async def move_clock(request: Request) -> dict[str, str]:
        if clock is None:
            raise HTTPException(409, "this fake runs on a clock it cannot move")
        body: dict[str, Any] = await request.json()
        if "now" in body:
            clock.set(datetime.fromisoformat(str(body["now"])))
        else:
            clock.advance(timedelta(seconds=float(body.get("advance_secs", 0))))
        book.match()
        return {"now": clock.now().isoformat()}

    @router.post("/faults")
    async def faults(request: Request) -> dict[str, Any]:
        body: dict[str, Any] = await request.json()
        if body.get("kind") not in FAULT_KINDS:
            raise HTTPException(422, f"kind must be one of {', '.join(FAULT_KINDS)}")
        fault = Fault(
            kind=str(body["kind"]),
            path=str(body.get("path", "/v1/")),
            times=int(body.get("times", 1)),
            delay_secs=float(body.get("delay_secs", 2.0)),
        )
        with book.lock:
            fake.faults.append(fault)
        return fault.__dict__

    @router.post("/expire")
    def expire() -> dict[str, int]:
        fake.expire_all()
        return {"expired": len(fake.tokens)}

    @router.post("/holdings")
    async def holdings(request: Request) -> list[dict[str, Any]]:
        body: dict[str, Any] = await request.json()
        book.add_holding(
            str(body["symbol"]), int(body["quantity"]), Decimal(str(body["average_price"]))
        )
        return book.holding_rows()

    @router.post("/funds")
    async def funds(request: Request) -> dict[str, str]:
        body: dict[str, Any] = await request.json()
        with book.lock:
            book.cash = Decimal(str(body["cash"]))
        return {"cash": str(book.cash)}

    return router
