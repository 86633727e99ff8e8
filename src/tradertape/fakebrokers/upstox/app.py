"""The fake Upstox REST API, routed and encoded as ``upstox-python-sdk`` 2.30.0 calls it.

Successful replies are ``{"status": "success", "data": ...}``; failures are an HTTP 4xx/5xx
with ``{"status": "error", "errors": [{"errorCode", "error_code", "message", ...}]}``. The
token endpoint answers flat, as Upstox does. ``/_control/*`` is the tests' remote control.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from tradertape.fakebrokers.upstox.book import Book, FakeError
from tradertape.fakebrokers.upstox.sessions import Fault, Sessions
from tradertape.ports.clock import IST

OPEN_PATHS = ("/_control", "/v2/login/")
# The SDK's HistoryV3Api sends no token (its auth settings are empty): candles are public.
PUBLIC_PATHS = ("/v3/historical-candle/", "/v2/historical-candle/")
Handler = Callable[[Request], Awaitable[Response]]


def ok(data: Any, **extra: Any) -> JSONResponse:
    """The success envelope."""
    return JSONResponse({"status": "success", "data": data, **extra})


def error(status: int, code: str, message: str) -> JSONResponse:
    """The error envelope (both spellings of the code, as real replies carry)."""
    item = {
        "errorCode": code,
        "error_code": code,
        "message": message,
        "propertyPath": None,
        "property_path": None,
        "invalidValue": None,
        "invalid_value": None,
    }
    return JSONResponse({"status": "error", "errors": [item]}, status_code=status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise FakeError(400, "UDAPI100036", "Invalid input: body is not JSON") from None


def install_session_check(app: FastAPI, sessions: Sessions) -> None:
    """Faults, then the Bearer token, for every API route."""

    @app.middleware("http")
    async def guard(request: Request, call_next: Handler) -> Response:
        path = request.url.path
        if path.startswith(OPEN_PATHS):
            return await call_next(request)
        fault = sessions.take_fault(path)
        if fault is not None and fault.kind == "429":
            return error(429, "UDAPI10005", "Too many requests")
        if fault is not None and fault.kind != "timeout":
            return error(int(fault.kind), "UDAPI100500", "Something went wrong")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        public = path.startswith(PUBLIC_PATHS)
        if not public and (scheme.lower() != "bearer" or not sessions.valid(token)):
            return error(401, "UDAPI100050", "Invalid token used to access API")
        try:
            response = await call_next(request)
        except FakeError as exc:
            response = error(exc.status, exc.code, exc.message)
        if fault is not None:  # the work is done; the reply is late (a client timeout)
            await asyncio.sleep(fault.delay_secs)
        return response


def install_login(app: FastAPI, sessions: Sessions) -> None:
    """The authorization dialog (approves at once) and the token exchange."""

    @app.get("/v2/login/authorization/dialog")
    async def dialog(
        client_id: str, redirect_uri: str, response_type: str = "code", state: str | None = None
    ) -> Response:
        query = {"code": sessions.issue_code(client_id, redirect_uri)}
        if state is not None:
            query["state"] = state
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{urlencode(query)}", status_code=302)

    @app.post("/v2/login/authorization/token")
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "authorization_code" or not form.get("client_secret"):
            return error(400, "UDAPI100016", "Invalid Credentials")
        minted = sessions.redeem(
            form.get("code", ""), form.get("client_id", ""), form.get("redirect_uri", "")
        )
        if minted is None:
            return error(400, "UDAPI100057", "Invalid Auth code")
        return JSONResponse(
            {
                "email": "trader@example.in",
                "exchanges": ["NSE", "NFO", "BSE"],
                "products": ["D", "I", "CO", "MTF"],
                "broker": "UPSTOX",
                "user_id": "FAKE01",
                "user_name": "Fake Trader",
                "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
                "user_type": "individual",
                "poa": False,
                "is_active": True,
                "access_token": minted,
                "extended_token": None,
            }
        )


def install_orders(app: FastAPI, book: Book) -> None:
    """Order placement, changes and the order and trade books (v2 and v3 paths)."""

    @app.post("/v3/order/place")
    async def place_v3(request: Request) -> Response:
        algo = request.headers.get("x-algo-name")
        body = await _json(request)
        if body.get("slice"):  # above the freeze quantity: every child's id
            placed = book.place_sliced(body, algo_name=algo)
            return ok({"order_ids": [o.order_id for o in placed]}, metadata={"latency": 1})
        order = book.place(body, algo_name=algo)
        return ok({"order_ids": [order.order_id]}, metadata={"latency": 1})

    @app.post("/v2/order/place")
    async def place_v2(request: Request) -> Response:
        algo = request.headers.get("x-algo-name")
        return ok({"order_id": book.place(await _json(request), algo_name=algo).order_id})

    @app.put("/v3/order/modify")
    @app.put("/v2/order/modify")
    async def modify(request: Request) -> Response:
        order = book.modify(await _json(request))
        return ok({"order_id": order.order_id}, metadata={"latency": 1})

    @app.delete("/v3/order/cancel")
    @app.delete("/v2/order/cancel")
    async def cancel(order_id: str) -> Response:
        return ok({"order_id": book.cancel(order_id).order_id}, metadata={"latency": 1})


def install_books(app: FastAPI, book: Book) -> None:
    """The order book, an order's details and history, and the trade book."""

    @app.get("/v2/order/retrieve-all")
    async def order_book() -> Response:
        return ok([book.order_row(o) for o in book.orders.values()])

    @app.get("/v2/order/details")
    async def order_details(order_id: str) -> Response:
        order = book.orders.get(order_id)
        if order is None:
            raise FakeError(400, "UDAPI100010", f"Order not found: {order_id}")
        return ok(book.order_row(order))

    @app.get("/v2/order/history")
    async def order_history(order_id: str | None = None, tag: str | None = None) -> Response:
        rows = [
            row
            for o in book.orders.values()
            if o.order_id == order_id or (tag is not None and o.tag == tag)
            for row in o.history
        ]
        return ok(rows)

    @app.get("/v2/order/trades/get-trades-for-day")
    async def trades() -> Response:
        return ok(book.trades)

    @app.get("/v2/order/trades")
    async def trades_of(order_id: str) -> Response:
        return ok([t for t in book.trades if t["order_id"] == order_id])


def install_gtt(app: FastAPI, book: Book) -> None:
    """GTT v3: place, modify, cancel (DELETE with a JSON body), read."""

    def reply(gtt_id: str) -> Response:
        return ok({"gtt_order_ids": [gtt_id]}, metadata={"latency": 1})

    @app.post("/v3/order/gtt/place")
    async def place(request: Request) -> Response:
        return reply(book.place_gtt(await _json(request)).gtt_id)

    @app.put("/v3/order/gtt/modify")
    async def modify(request: Request) -> Response:
        return reply(book.modify_gtt(await _json(request)).gtt_id)

    @app.delete("/v3/order/gtt/cancel")
    async def cancel(request: Request) -> Response:
        body = await _json(request)
        return reply(book.cancel_gtt(str(body.get("gtt_order_id") or "")).gtt_id)

    @app.get("/v3/order/gtt")
    async def read(gtt_order_id: str | None = None) -> Response:
        rows = [book.gtt_row(g) for g in book.gtts.values()]
        if gtt_order_id is not None:
            rows = [r for r in rows if r["gtt_order_id"] == gtt_order_id]
            if not rows:
                raise FakeError(400, "UDAPI1100", f"GTT order not found: {gtt_order_id}")
        return ok(rows)


def install_account(app: FastAPI, book: Book) -> None:
    """Holdings, positions, profile, funds."""

    @app.get("/v2/portfolio/long-term-holdings")
    async def holdings() -> Response:
        return ok([book.holding_row(h) for h in book.holdings.values()])

    @app.get("/v2/portfolio/short-term-positions")
    async def positions() -> Response:
        return ok([book.position_row(p) for p in book.positions.values()])

    @app.get("/v2/user/profile")
    async def profile() -> Response:
        return ok(
            {
                "email": "trader@example.in",
                "exchanges": ["NSE", "NFO", "BSE"],
                "products": ["D", "I"],
                "broker": "UPSTOX",
                "user_id": "FAKE01",
                "user_name": "Fake Trader",
                "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
                "user_type": "individual",
                "poa": False,
                "is_active": True,
            }
        )

    @app.get("/v2/user/get-funds-and-margin")
    async def funds(segment: str | None = None) -> Response:
        data = book.funds()
        if segment == "SEC":
            data.pop("commodity")
        elif segment == "COM":
            data.pop("equity")
        return ok(data)


def _keys(request: Request) -> list[str]:
    raw = request.query_params.get("symbol") or request.query_params.get("instrument_key") or ""
    keys = [k for k in raw.split(",") if k]
    if len(keys) > 500:
        raise FakeError(400, "UDAPI100043", "Too many instrument keys")
    return keys


def install_market(app: FastAPI, book: Book) -> None:
    """Quotes and daily candles."""

    @app.get("/v2/market-quote/quotes")
    async def quotes(request: Request) -> Response:
        data = {}
        for key in _keys(request):
            exchange, symbol = book.instrument(key)
            ltp = float(book.price(key))
            name = f"{key.partition('|')[0]}:{symbol}"
            stamp = int(book.now().timestamp() * 1000)
            data[name] = {
                "ohlc": {"open": ltp, "high": ltp, "low": ltp, "close": ltp},
                "depth": {
                    "buy": [{"quantity": 10, "price": ltp - 0.05, "orders": 1}],
                    "sell": [{"quantity": 10, "price": ltp + 0.05, "orders": 1}],
                },
                "timestamp": book.now().astimezone(IST).isoformat(),
                "instrument_token": key,
                "symbol": symbol,
                "last_price": ltp,
                "volume": 1000,
                "average_price": ltp,
                "oi": 0.0,
                "net_change": 0.0,
                "total_buy_quantity": 10.0,
                "total_sell_quantity": 10.0,
                "lower_circuit_limit": round(ltp * 0.8, 2),
                "upper_circuit_limit": round(ltp * 1.2, 2),
                "last_trade_time": str(stamp),
                "oi_day_high": 0.0,
                "oi_day_low": 0.0,
            }
        return ok(data)

    @app.get("/v3/historical-candle/{key}/{unit}/{interval}/{to_date}/{from_date}")
    async def candles(key: str, unit: str, interval: str, to_date: str, from_date: str) -> Response:
        return ok({"candles": _daily(book, key, unit, to_date, from_date)})

    @app.get("/v3/historical-candle/{key}/{unit}/{interval}/{to_date}")
    async def candles_to(key: str, unit: str, interval: str, to_date: str) -> Response:
        start = (date.fromisoformat(to_date) - timedelta(days=30)).isoformat()
        return ok({"candles": _daily(book, key, unit, to_date, start)})


def _daily(book: Book, key: str, unit: str, to_date: str, from_date: str) -> list[list[Any]]:
    """Weekday candles ending at today's price, newest first."""
    if unit != "days":
        raise FakeError(400, "UDAPI100036", "Invalid input: the fake serves daily candles")
    book.instrument(key)
    try:
        first, last = date.fromisoformat(from_date), date.fromisoformat(to_date)
    except ValueError:
        raise FakeError(400, "UDAPI100036", "Invalid input: dates are YYYY-MM-DD") from None
    close = book.price(key)
    rows: list[list[Any]] = []
    day = last
    while day >= first:
        if day.weekday() < 5:
            c = float(close)
            stamp = datetime(day.year, day.month, day.day, tzinfo=IST).isoformat()
            rows.append([stamp, c, round(c * 1.01, 2), round(c * 0.99, 2), c, 100000, 0])
            close = close * Decimal("0.999")
        day -= timedelta(days=1)
    return rows


def install_control(app: FastAPI, book: Book, sessions: Sessions, clock: _Clock) -> None:
    """``/_control/*``: prices, faults, the clock, session expiry, holdings, settlement
    (and funds, `install_funds_control`; slicing, `install_slicing_control`)."""
    install_funds_control(app, book)
    install_slicing_control(app, book)

    @app.post("/_control/prices")
    async def prices(request: Request) -> Response:
        body = await _json(request)
        book.set_prices({k: Decimal(str(v)) for k, v in body.items()})
        return JSONResponse({k: float(v) for k, v in book.prices.items()})

    @app.post("/_control/step")
    async def step(steps: int = 1) -> Response:
        book.step(steps)
        return JSONResponse({k: float(v) for k, v in book.prices.items()})

    @app.post("/_control/faults")
    async def faults(request: Request) -> Response:
        body = await _json(request)
        sessions.faults.append(
            Fault(
                kind=str(body.get("kind", "429")),
                count=int(body.get("count", 1)),
                path=str(body.get("path", "/v")),
                delay_secs=float(body.get("delay_secs", 2.0)),
            )
        )
        return JSONResponse({"queued": len(sessions.faults)})

    @app.post("/_control/clock")
    async def set_clock(request: Request) -> Response:
        body = await _json(request)
        clock.fixed = datetime.fromisoformat(str(body["now"])) if body.get("now") else None
        return JSONResponse({"now": book.now().isoformat()})

    @app.post("/_control/expire-sessions")
    async def expire() -> Response:
        return JSONResponse({"expired": sessions.expire_all()})

    @app.post("/_control/holdings")
    async def holdings(request: Request) -> Response:
        for row in await _json(request):
            book.add_holding(
                str(row["instrument_key"]), int(row["quantity"]), Decimal(str(row["average_price"]))
            )
        return JSONResponse({"holdings": len(book.holdings)})

    @app.post("/_control/settle")
    async def settle() -> Response:
        book.settle()
        return JSONResponse({"holdings": len(book.holdings)})

    @app.get("/_control/state")
    async def state() -> Response:
        return JSONResponse(
            {
                "orders": [book.order_row(o) for o in book.orders.values()],
                "algo_ids": {o.order_id: o.algo_name for o in book.orders.values()},
                "gtts": [book.gtt_row(g) for g in book.gtts.values()],
                "prices": {k: float(v) for k, v in book.prices.items()},
                "cash": float(book.cash),
                "used": float(book.used),
            }
        )


class _Clock:
    """The fake's time: the injected clock, unless a control call pinned it."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed if self.fixed is not None else self._now()


def install_slicing_control(app: FastAPI, book: Book) -> None:
    """``/_control/slice``: slice the next ``slice`` order at ``{"slice_at": 1300}``
    (whole lots), as an Upstox whose freeze quantity is not the client's figure."""

    @app.post("/_control/slice")
    async def slice_at(request: Request) -> Response:
        body = await _json(request)
        book.slice_at = int(body["slice_at"]) if body.get("slice_at") else None
        return JSONResponse({"slice_at": book.slice_at})


def install_funds_control(app: FastAPI, book: Book) -> None:
    """``/_control/funds``: set the account's cash (``{"cash": "250000"}``), which the funds
    view reports (less what fills have used)."""

    @app.post("/_control/funds")
    async def set_funds(request: Request) -> Response:
        body = await _json(request)
        book.cash = Decimal(str(body["cash"]))
        return JSONResponse({"cash": float(book.cash)})
