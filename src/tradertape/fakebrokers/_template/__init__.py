"""The skeleton a fourth broker's fake copies (its siblings: ``kite``, ``upstox``, ``groww``).

A fake speaks the broker's wire format as its official SDK calls it, on loopback, so the
adapter (``tradertape_brokers.<name>``) runs unchanged against it: in the conformance suite
(``tests/brokers/conformance``), the demo and ``tradertape fake-broker <name>``. Copy this
package to ``fakebrokers/<name>/``, replace the routes below with the broker's (paths,
field names, envelopes, error codes as its documentation gives them), and register it in
``fakebrokers.FAKES``. What every fake keeps, so one harness drives them all:

- an injected clock (``create_app(clock=...)``): its sessions die at the broker's daily
  cut-off on it, and CNC buys settle the next day;
- a login as the broker's flow has it (a redirect with a one-time code, or a token minted
  from an API key), answering today's token;
- a book: orders rest, fill when the price comes to them, and show in trades, positions,
  holdings and margins; a buy beyond the cash is refused as the broker refuses it;
- control routes under ``/_fake/``: ``prices`` (move a last price: resting orders react),
  ``faults`` (answer the next requests of a path 429, 5xx or slowly), ``state``.

A fake imports the domain, the ports, ``security`` and the adapters' wire helpers, never
the database, the OMS or services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tradertape.ports.clock import Clock, ManualClock

__all__ = ["TemplateBook", "create_app"]


@dataclass
class TemplateBook:
    """The fake's account: cash, last prices, orders, and faults still to answer."""

    clock: Clock
    cash: Decimal
    prices: dict[str, Decimal] = field(default_factory=dict)  # the broker's symbol → price
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)  # path → 429s still to answer

    def place(self, symbol: str, quantity: int, price: Decimal) -> dict[str, Any]:
        """A new resting order (the broker's own checks, its funds first, go here)."""
        order_id = f"T{len(self.orders) + 1:06d}"
        order = {"id": order_id, "symbol": symbol, "quantity": quantity, "price": str(price)}
        order["status"] = "OPEN"
        order["placed_at"] = self.clock.now().isoformat()
        self.orders[order_id] = order
        return order

    def fault(self, path: str) -> bool:
        """Whether the next request of `path` is answered 429 (and one fewer is left)."""
        left = self.faults.get(path, 0)
        if left:
            self.faults[path] = left - 1
        return left > 0


def create_app(*, clock: Clock | None = None, cash: Decimal | int = 1_000_000) -> FastAPI:
    """The fake; ``app.state.book`` is its `TemplateBook` (for in-process tests)."""
    book = TemplateBook(clock=clock or ManualClock(datetime.now(UTC)), cash=Decimal(cash))
    app = FastAPI(title="Fake broker (template)", docs_url=None, redoc_url=None)
    app.state.book = book

    @app.post("/orders")  # the broker's own path, body and envelope
    async def place(request: Request) -> JSONResponse:
        if book.fault("/orders"):
            return JSONResponse({"error": "too many requests"}, status_code=429)
        body = await request.json()
        order = book.place(str(body["symbol"]), int(body["quantity"]), Decimal(body["price"]))
        return JSONResponse({"data": order})

    @app.post("/_fake/prices")
    async def prices(request: Request) -> dict[str, str]:
        moved = {str(k): Decimal(str(v)) for k, v in (await request.json()).items()}
        book.prices.update(moved)  # then match the resting orders against the new prices
        return {k: str(v) for k, v in book.prices.items()}

    @app.post("/_fake/faults")
    async def faults(request: Request) -> dict[str, int]:
        body = await request.json()
        book.faults[str(body["path"])] = int(body.get("times", 1))
        return book.faults

    @app.get("/_fake/state")
    def state() -> dict[str, Any]:
        return {"cash": str(book.cash), "orders": list(book.orders.values())}

    return app
