"""Groww's REST routes as growwapi 1.5.0 calls them, over a `Book`, plus control routes.

Every ``/v1`` route needs ``Authorization: Bearer <token>`` from the token route, answers
``{"status": "SUCCESS", "payload": ...}`` and refuses with
``{"status": "FAILURE", "error": {"code": "GA00x", "message": ...}}``. Tokens die at the
next 06:00 IST on the fake's clock. ``/_fake/*`` (no auth) drives prices, time, faults.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from tradertape.domain.brokers import BrokerName, access_token_expiry
from tradertape.fakebrokers.groww.book import Book, Refused, Row
from tradertape.fakebrokers.groww.market import daily_candles
from tradertape.security.tokens import digests_equal

V1 = "/v1"
#: An approval checksum older than this (by its timestamp) is refused.
CHECKSUM_WINDOW = timedelta(minutes=5)


@dataclass
class Fault:
    """One injected failure, consumed by the next `times` requests under `path`."""

    kind: str  # "429" | "500" | "503" | "timeout" | "timeout_after_accept" | "expire"
    path: str = "/v1/"
    times: int = 1
    delay_secs: float = 2.0


@dataclass
class FakeGroww:
    """The fake's state: the account, issued tokens, key set-up and pending faults."""

    book: Book
    api_keys: dict[str, str] | None  # api key → its secret; None: any key, any checksum
    totp: str | None  # the one TOTP code accepted; None: any six digits
    tokens: dict[str, datetime] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    user_id: str = "FAKE1234"

    def take_fault(self, path: str) -> Fault | None:
        """The first pending fault matching `path`, spending one of its uses."""
        with self.book.lock:
            for fault in self.faults:
                if path.startswith(fault.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def mint(self, api_key: str, body: Row) -> Row:
        """Check a key flow's body and issue a token."""
        if self.api_keys is not None and api_key not in self.api_keys:
            raise Refused(401, "GA005", "unknown API key")
        kind = body.get("key_type")
        now = self.book.clock.now()
        if kind == "totp":
            code = str(body.get("totp", ""))
            ok = code == self.totp if self.totp else (len(code) == 6 and code.isdigit())
            if not ok:
                raise Refused(400, "GA001", "invalid TOTP")
        elif kind == "approval":
            self._check_approval(api_key, body, now)
        else:
            raise Refused(400, "GA001", "key_type must be totp or approval")
        token = "gw_" + secrets.token_urlsafe(24)
        expires = access_token_expiry(BrokerName.GROWW, now)
        self.tokens[token] = expires
        return {
            "token": token,
            "tokenRefId": secrets.token_hex(8),
            "sessionName": "tradertape",
            "expiry": expires.strftime("%Y-%m-%dT%H:%M:%S"),
            "isActive": True,
        }

    def _check_approval(self, api_key: str, body: Row, now: datetime) -> None:
        try:
            stamp = int(body.get("timestamp", ""))
        except ValueError:
            raise Refused(400, "GA001", "timestamp must be epoch seconds") from None
        if abs(now.timestamp() - stamp) > CHECKSUM_WINDOW.total_seconds():
            raise Refused(400, "GA001", "timestamp is too far from now")
        checksum = str(body.get("checksum", ""))
        if self.api_keys is None:
            if len(checksum) != 64:
                raise Refused(400, "GA001", "checksum must be sha256 hex")
            return
        expected = hashlib.sha256(f"{self.api_keys[api_key]}{stamp}".encode()).hexdigest()
        if not digests_equal(checksum, expected):
            raise Refused(401, "GA005", "checksum does not match the API secret")

    def authorise(self, request: Request) -> None:
        """Refuse a missing, unknown or expired bearer token (401 GA005)."""
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        expires = self.tokens.get(token)
        if expires is None or expires <= self.book.clock.now():
            raise Refused(401, "GA005", "access token is invalid or expired")

    def expire_all(self) -> None:
        """Every issued token dies now (a control action)."""
        now = self.book.clock.now()
        for token in self.tokens:
            self.tokens[token] = now


def ok(payload: Any) -> JSONResponse:
    """Groww's success envelope."""
    return JSONResponse({"status": "SUCCESS", "payload": payload})


def refused(exc: Refused) -> JSONResponse:
    """Groww's failure envelope."""
    body = {"status": "FAILURE", "error": {"code": exc.code, "message": exc.message}}
    return JSONResponse(body, status_code=exc.status)


def _symbols(request: Request) -> list[str]:
    names: list[str] = []
    for value in request.query_params.getlist("exchange_symbols"):
        names.extend(v.strip() for v in value.split(",") if v.strip())
    return names


def _symbol_of(name: str) -> str:
    for sep in ("_", ":"):
        if sep in name:
            return name.split(sep, 1)[1]
    return name


def build_router(fake: FakeGroww) -> APIRouter:  # noqa: C901 - one closure per route
    """The ``/v1`` routes."""
    book = fake.book
    router = APIRouter(prefix=V1)

    @router.post("/token/api/access")
    async def token(request: Request) -> JSONResponse:
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        # No envelope here: growwapi's get_access_token reads ``token`` at the top level.
        return JSONResponse(fake.mint(key, await request.json()))

    @router.get("/changelog")
    def changelog() -> JSONResponse:
        return JSONResponse({"info": [], "warning": []})

    @router.post("/order/create")
    async def create(request: Request) -> JSONResponse:
        row = book.place(await request.json())
        keys = ("groww_order_id", "order_status", "order_reference_id", "remark")
        return ok({k: row[k] for k in keys})

    @router.post("/order/modify")
    async def modify(request: Request) -> JSONResponse:
        row = book.modify(await request.json())
        return ok({"groww_order_id": row["groww_order_id"], "order_status": row["order_status"]})

    @router.post("/order/cancel")
    async def cancel(request: Request) -> JSONResponse:
        body = await request.json()
        row = book.cancel(str(body.get("groww_order_id")), body.get("segment"))
        return ok({"groww_order_id": row["groww_order_id"], "order_status": row["order_status"]})

    @router.get("/order/list")
    def order_list(segment: str | None = None, page: int = 0, page_size: int = 25) -> Response:
        book.match()
        rows = [r for r in book.orders.values() if segment in (None, r["segment"])]
        return ok({"order_list": rows[page * page_size : (page + 1) * page_size]})

    @router.get("/order/detail/{order_id}")
    def detail(order_id: str, segment: str | None = None) -> Response:
        book.match()
        return ok(book.order(order_id, segment))

    def status_of(row: Row) -> Row:
        keys = ("groww_order_id", "order_status", "order_reference_id", "remark")
        return {k: row[k] for k in keys} | {
            "filled_quantity": row["filled_quantity"],
            "average_fill_price": row["average_fill_price"],
        }

    @router.get("/order/status/{order_id}")
    def status(order_id: str, segment: str | None = None) -> Response:
        book.match()
        return ok(status_of(book.order(order_id, segment)))

    @router.get("/order/status/reference/{ref}")
    def status_by_reference(ref: str) -> Response:
        order_id = book.by_reference.get(ref)
        if order_id is None:
            raise Refused(404, "GA004", f"no order with reference {ref}")
        return ok(status_of(book.order(order_id)))

    @router.get("/order/trades/{order_id}")
    def trades(
        order_id: str, segment: str | None = None, page: int = 0, page_size: int = 25
    ) -> Response:
        book.order(order_id, segment)
        rows = [t for t in book.trades if t["groww_order_id"] == order_id]
        return ok({"trade_list": rows[page * page_size : (page + 1) * page_size]})

    @router.get("/holdings/user")
    def holdings() -> Response:
        return ok({"holdings": book.holding_rows()})

    @router.get("/positions/user")
    def positions(segment: str | None = None) -> Response:
        book.match()
        rows = [r for r in book.position_rows() if segment in (None, r["segment"])]
        return ok({"positions": rows})

    @router.get("/positions/trading-symbol")
    def position(trading_symbol: str, segment: str) -> Response:
        rows = book.position_rows()
        wanted = [
            r for r in rows if (r["trading_symbol"], r["segment"]) == (trading_symbol, segment)
        ]
        return ok({"positions": wanted})

    @router.get("/margins/detail/user")
    def margins() -> Response:
        book.match()
        return ok(book.margin_payload())

    @router.get("/live-data/ltp")
    def ltp(request: Request) -> Response:
        book.match()
        return ok({n: float(book.prices.get(_symbol_of(n))) for n in _symbols(request)})

    @router.get("/live-data/ohlc")
    def ohlc(request: Request) -> Response:
        out = {}
        for name in _symbols(request):
            last = float(book.prices.get(_symbol_of(name)))
            out[name] = {"open": last, "high": last, "low": last, "close": last}
        return ok(out)

    @router.get("/live-data/quote")
    def quote(trading_symbol: str, exchange: str, segment: str) -> Response:
        book.match()
        last = book.prices.get(trading_symbol)
        step = Decimal("0.05")
        stamp = int(book.clock.now().timestamp() * 1000)
        return ok(
            {
                "last_price": float(last),
                "last_trade_quantity": 10,
                "last_trade_time": stamp,
                "average_price": float(last),
                "volume": 100_000,
                "total_buy_quantity": 5000,
                "total_sell_quantity": 4800,
                "open_interest": 0,
                "day_change": 0.0,
                "day_change_perc": 0.0,
                "upper_circuit_limit": float(last * Decimal("1.2")),
                "lower_circuit_limit": float(last * Decimal("0.8")),
                "ohlc": {
                    "open": float(last),
                    "high": float(last),
                    "low": float(last),
                    "close": float(last),
                },
                "depth": {
                    "buy": [
                        {"price": float(last - step * i), "quantity": 100 * i} for i in range(1, 6)
                    ],
                    "sell": [
                        {"price": float(last + step * i), "quantity": 100 * i} for i in range(1, 6)
                    ],
                },
                "bid_price": float(last - step),
                "offer_price": float(last + step),
            }
        )

    @router.get("/historical/candles")
    def candles(
        groww_symbol: str, start_time: str, end_time: str, candle_interval: str
    ) -> Response:
        if candle_interval != "1day":
            raise Refused(400, "GA001", "the fake serves daily candles only")
        symbol = groww_symbol.split("-", 1)[-1]
        start = date.fromisoformat(start_time[:10])
        end = date.fromisoformat(end_time[:10])
        rows = daily_candles(symbol, book.prices.get(symbol), start, end)
        return ok({"candles": rows, "start_time": start_time, "end_time": end_time})

    @router.post("/order-advance/create")
    async def smart_create(request: Request) -> Response:
        return ok(book.create_smart(await request.json()))

    @router.put("/order-advance/modify/{smart_id}")
    async def smart_modify(smart_id: str, request: Request) -> Response:
        return ok(book.modify_smart(smart_id, await request.json()))

    @router.post("/order-advance/cancel/{segment}/{kind}/{smart_id}")
    def smart_cancel(segment: str, kind: str, smart_id: str) -> Response:
        return ok(book.cancel_smart(smart_id))

    @router.get("/order-advance/status/{segment}/{kind}/internal/{smart_id}")
    def smart_status(segment: str, kind: str, smart_id: str) -> Response:
        book.match()
        return ok(book.smart_order(smart_id))

    @router.get("/order-advance/list")
    def smart_list(smart_order_type: str | None = None, status: str | None = None) -> Response:
        book.match()
        rows = [
            r
            for r in book.smart.values()
            if smart_order_type in (None, r["smart_order_type"]) and status in (None, r["status"])
        ]
        return ok({"orders": rows})

    @router.get("/user/detail")
    def user() -> Response:
        return ok(
            {
                "vendor_user_id": fake.user_id,
                "ucc": fake.user_id,
                "nse_enabled": True,
                "bse_enabled": True,
                "ddpi_enabled": True,
                "active_segments": ["CASH", "FNO"],
            }
        )

    return router
