"""The fake Kite Connect server: REST routes as ``kiteconnect`` 5.2.2 calls them.

POST/PUT bodies are form-encoded (JSON arrays for the margin calculators), lists arrive as
repeated ``i`` query keys, GTT ``condition``/``orders`` are JSON inside form fields, and
every JSON answer is ``{"status": "success", "data": ...}`` or Kite's error envelope with
an ``error_type``. Control routes under ``/_fake`` set prices, the clock and faults, place
orders as the user would in Kite's own app, and make Kite forget an order.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tradertape.domain.instruments import Exchange, synthetic_token
from tradertape.fakebrokers.kite import calculators, market
from tradertape.fakebrokers.kite.book import KiteBook
from tradertape.fakebrokers.kite.errors import KiteError, input_error
from tradertape.fakebrokers.kite.faults import Fault, Faults
from tradertape.fakebrokers.kite.instruments import DEFAULT_INSTRUMENTS, Instrument, instruments_csv
from tradertape.fakebrokers.kite.sessions import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    DEFAULT_REDIRECT,
    Sessions,
)
from tradertape.fakebrokers.kite.ticker import TICKER_PATH, build_ticker, ticker_control, walker
from tradertape.ports.clock import IST

DEFAULT_HOLDINGS: dict[str, tuple[int, Decimal]] = {
    "NSE:INFY": (10, Decimal("1400.00")),
    "NSE:SBIN": (25, Decimal("700.00")),
}
Form = dict[str, str]
Handler = Callable[["FakeKite", Request, Form], Any]


class FakeKite:
    """Everything the fake knows; the app keeps it at ``app.state.kite``."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        redirect_url: str = DEFAULT_REDIRECT,
        cash: Decimal = Decimal(1_000_000),
        holdings: dict[str, tuple[int, Decimal]] | None = None,
        instruments: tuple[Instrument, ...] = DEFAULT_INSTRUMENTS,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._shift = timedelta(0)
        self.sessions = Sessions()
        self.sessions.register(api_key, api_secret, redirect_url)
        self.faults = Faults()
        self.book = KiteBook(now=self.now, cash=cash, instruments=instruments)
        for key, (quantity, price) in (DEFAULT_HOLDINGS if holdings is None else holdings).items():
            self.book.add_holding(key, quantity, price)

    def now(self) -> datetime:
        """The fake's time: the injected clock plus any shift set through ``/_fake/clock``."""
        return self._clock() + self._shift

    def shift(self, delta: timedelta) -> None:
        """Move the fake's time forward (sessions expire, the day rolls over)."""
        self._shift += delta
        self.book.roll_day()

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """What the fake trades, with Kite's instrument tokens (the ticker subscribes to these)."""
        return self.book.instruments

    def ltp(self, instrument_token: int) -> Decimal:
        """The last price of one instrument."""
        return self.book.ltp(instrument_token)

    def set_price(
        self, key: str, price: Decimal, *, bid: Decimal | None = None, ask: Decimal | None = None
    ) -> None:
        """Move ``EXCH:SYMBOL``'s price (and its touch); orders and GTTs react."""
        self.book.set_price(key, price, bid=bid, ask=ask)


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"status": "success", "data": data})


def _error(exc: KiteError) -> JSONResponse:
    body = {"status": "error", "message": exc.message, "error_type": exc.error_type, "data": None}
    return JSONResponse(body, status_code=exc.status)


async def _form(request: Request) -> Form:
    if request.method not in ("POST", "PUT"):
        return dict(request.query_params)
    body = (await request.body()).decode()
    if "json" in request.headers.get("content-type", ""):
        return {"_json": body}
    return dict(parse_qsl(body, keep_blank_values=True))


def _endpoint(handler: Handler, *, auth: bool = True) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        kite: FakeKite = request.app.state.kite
        fault = kite.faults.take(request.method, request.url.path)
        if fault is not None and fault.kind.isdigit():
            kind = "NetworkException" if fault.kind == "429" else "GeneralException"
            return _error(KiteError(int(fault.kind), kind, f"Injected {fault.kind}."))
        if fault is not None and fault.kind == "session_expired":
            kite.sessions.expire_all()
        try:
            if auth:
                kite.sessions.authenticate(request.headers.get("authorization"), kite.now())
            result = handler(kite, request, await _form(request))
            response = result if isinstance(result, Response) else _ok(result)
        except KiteError as exc:
            response = _error(exc)
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay_secs)
        return response

    return endpoint


# -- session and login --------------------------------------------------------------------


async def connect_login(request: Request) -> Response:
    """Kite's login page, approving at once: 302 to the app's redirect with a request token."""
    kite: FakeKite = request.app.state.kite
    try:
        app, request_token = kite.sessions.login(request.query_params.get("api_key", ""))
    except KiteError as exc:
        return _error(exc)
    query = {"action": "login", "type": "login", "status": "success"}
    query["request_token"] = request_token
    extra = request.query_params.get("redirect_params")
    joiner = "&" if "?" in app.redirect_url else "?"
    target = f"{app.redirect_url}{joiner}{urlencode(query)}" + (f"&{extra}" if extra else "")
    return RedirectResponse(target, status_code=302)


def session_token(kite: FakeKite, request: Request, form: Form) -> Any:
    if request.method == "DELETE":
        return kite.sessions.logout(form.get("access_token", ""))
    for name in ("api_key", "request_token", "checksum"):
        if not form.get(name):
            raise input_error(f"Missing `{name}`.")
    return kite.sessions.exchange(
        api_key=form["api_key"],
        request_token=form["request_token"],
        checksum=form["checksum"],
        now=kite.now(),
    )


# -- account ------------------------------------------------------------------------------


def profile(kite: FakeKite, request: Request, form: Form) -> Any:
    return {
        "user_id": "FK1234",
        "user_name": "Fake Trader",
        "user_shortname": "Fake",
        "email": "fake@tradertape.local",
        "user_type": "individual",
        "broker": "ZERODHA",
        "exchanges": ["NSE", "BSE", "NFO"],
        "products": ["CNC", "NRML", "MIS", "MTF"],
        "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
        "avatar_url": None,
        "meta": {"demat_consent": "physical"},
    }


def margins(kite: FakeKite, request: Request, form: Form) -> Any:
    both = kite.book.margins()
    segment = request.path_params.get("segment")
    if segment is None:
        return both
    if segment not in both:
        raise input_error("Invalid segment.")
    return both[segment]


def place(kite: FakeKite, request: Request, form: Form) -> Any:
    """One order, or with ``autoslice=true`` its slices: ``{order_id, children}``."""
    if form.get("autoslice") == "true":
        return kite.book.place_sliced(request.path_params["variety"], form)
    return {"order_id": kite.book.place(request.path_params["variety"], form)}


def modify(kite: FakeKite, request: Request, form: Form) -> Any:
    return {"order_id": kite.book.modify(request.path_params["order_id"], form)}


def cancel(kite: FakeKite, request: Request, form: Form) -> Any:
    return {"order_id": kite.book.cancel(request.path_params["order_id"])}


def orders(kite: FakeKite, request: Request, form: Form) -> Any:
    with kite.book.lock:
        kite.book.roll_day()
        return [dict(order) for order in kite.book.orders.values()]


def order_history(kite: FakeKite, request: Request, form: Form) -> Any:
    return kite.book.order_history(request.path_params["order_id"])


def trades(kite: FakeKite, request: Request, form: Form) -> Any:
    order_id = request.path_params.get("order_id")
    with kite.book.lock:
        kite.book.roll_day()
        return [dict(t) for t in kite.book.trades if order_id in (None, t["order_id"])]


def positions(kite: FakeKite, request: Request, form: Form) -> Any:
    return kite.book.positions()


def holdings(kite: FakeKite, request: Request, form: Form) -> Any:
    return kite.book.holdings()


# -- market data --------------------------------------------------------------------------


def _quotes(mode: str) -> Handler:
    def handler(kite: FakeKite, request: Request, form: Form) -> Any:
        keys = request.query_params.getlist("i")
        if not keys:
            raise input_error("Missing `i`.")
        known = {i.key: i for i in kite.instruments}
        return {k: market.quote(kite.book, known[k], mode) for k in keys if k in known}

    return handler


def instruments(kite: FakeKite, request: Request, form: Form) -> Any:
    exchange = request.path_params.get("exchange")
    chosen = tuple(i for i in kite.instruments if exchange in (None, i.exchange))
    return PlainTextResponse(instruments_csv(chosen), media_type="text/csv")


def historical(kite: FakeKite, request: Request, form: Form) -> Any:
    token = int(request.path_params["token"])
    inst = next((i for i in kite.instruments if i.instrument_token == token), None)
    if inst is None:
        raise input_error("Invalid `instrument_token`.")
    today = kite.now().astimezone(IST).date()
    rows = market.candles(
        inst, request.path_params["interval"], form.get("from", ""), form.get("to", ""), today
    )
    return {"candles": rows}


def _calculator(compute: Callable[..., Any]) -> Handler:
    def handler(kite: FakeKite, request: Request, form: Form) -> Any:
        orders = calculators.rows(form.get("_json", ""))
        return compute(kite.book, orders, kite.now().astimezone(IST).date())

    return handler


# -- GTT ----------------------------------------------------------------------------------


def gtt_list(kite: FakeKite, request: Request, form: Form) -> Any:
    if request.method == "POST":
        return {"trigger_id": kite.book.place_gtt(form)}
    with kite.book.lock:
        return [json.loads(json.dumps(g)) for g in reversed(kite.book.gtts.values())]


def gtt_one(kite: FakeKite, request: Request, form: Form) -> Any:
    trigger_id = int(request.path_params["trigger_id"])
    if request.method == "PUT":
        return {"trigger_id": kite.book.modify_gtt(trigger_id, form)}
    if request.method == "DELETE":
        return {"trigger_id": kite.book.delete_gtt(trigger_id)}
    with kite.book.lock:
        gtt = kite.book.gtts.get(trigger_id)
        if gtt is None:
            raise KiteError(404, "InputException", "Trigger not found.")
        return json.loads(json.dumps(gtt))


# -- control (tests and demos) ------------------------------------------------------------


def _set_prices(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    for key, price in body.items():
        if isinstance(price, dict):  # {"last": …, "bid": …, "ask": …}: a quote with its touch
            bid, ask = price.get("bid"), price.get("ask")
            kite.set_price(
                key,
                Decimal(str(price["last"])),
                bid=None if bid is None else Decimal(str(bid)),
                ask=None if ask is None else Decimal(str(ask)),
            )
        else:
            kite.set_price(key, Decimal(str(price)))
    tokens = {key: kite.book.instrument(key).instrument_token for key in body}
    return {"prices": {key: float(kite.ltp(token)) for key, token in tokens.items()}}


def _walk(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(int(body.get("seed", 0)))  # noqa: S311 - made-up prices, not secrets
    moved: dict[str, Decimal] = {}
    for _ in range(int(body.get("steps", 1))):
        moved = kite.book.walk(rng, bps=int(body.get("bps", 20)))
    return {"prices": {key: float(price) for key, price in moved.items()}}


def _arm(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    kite.faults.arm(Fault(**body))
    return {"armed": body}


def _disarm(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    kite.faults.clear()
    return {"armed": None}


def _move_clock(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    if "now" in body:
        kite.shift(datetime.fromisoformat(body["now"]) - kite.now())
    else:
        kite.shift(timedelta(seconds=float(body.get("advance_secs", 0))))
    return {"now": kite.now().isoformat()}


def _expire(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    return {"expired": kite.sessions.expire_all()}


def _register(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    app = kite.sessions.register(body["api_key"], body["api_secret"], body["redirect_url"])
    return {"api_key": app.api_key, "redirect_url": app.redirect_url}


def _state(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    return state(kite)


def _place_outside(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """An order the user placed in Kite's own app (no tag of ours): Kite's order form."""
    form = {key: str(value) for key, value in body.items() if key != "variety"}
    return {"order_id": kite.book.place(str(body.get("variety", "regular")), form)}


def _forget(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """Drop an order from the order book and its history, as a broker glitch would (its
    trades, position and holding stay)."""
    order_id = str(body["order_id"])
    with kite.book.lock:
        forgotten = kite.book.orders.pop(order_id, None)
        kite.book.history.pop(order_id, None)
    return {"forgotten": forgotten is not None}


def _funds(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """Set the account's cash (``{"cash": 250000}``), the day's opening balance with it:
    what ``/user/margins`` reports as the equity ``net``."""
    cash = Decimal(str(body["cash"]))
    kite.book.set_cash(cash)
    return {"cash": float(cash)}


def _fill(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """Fill part of a working order at a given price (one trade): partial fills at several
    prices, as the exchange matches an order against several counter-orders."""
    order = kite.book.fill_part(str(body["order_id"]), body.get("quantity"), body.get("price"))
    return {"order": order}


def _reject(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """Reject a working order Kite had accepted (``{"order_id": …, "message": …}``): the
    refusal arrives later, by the order book, a postback or the socket."""
    message = str(body.get("message") or "RMS:Margin Exceeds, Required margin is more")
    return {"order": kite.book.reject(str(body["order_id"]), message)}


def _list(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """List contracts the fake did not know (``{"instruments": [{"exchange": "NFO",
    "tradingsymbol": …, "price": …, "lot_size": 65, "instrument_type": "CE"}]}``), each
    with a token made from its name, as the F&O contracts a test trades."""
    listed = []
    for raw in body["instruments"]:
        exchange, symbol = str(raw["exchange"]), str(raw["tradingsymbol"])
        token = raw.get("instrument_token") or synthetic_token(Exchange(exchange), symbol)
        kind = str(raw.get("instrument_type") or "EQ")
        inst = Instrument(
            int(token),
            exchange,
            symbol,
            str(raw.get("name") or symbol),
            Decimal(str(raw["price"])),
            segment=f"{exchange}-OPT" if kind in ("CE", "PE") else exchange,
            instrument_type=kind,
            lot_size=int(raw.get("lot_size") or 1),
            freeze_quantity=int(raw["freeze_quantity"]) if raw.get("freeze_quantity") else None,
        )
        kite.book.list_instrument(inst)
        listed.append(inst.key)
    return {"listed": listed}


def _arm_slicing(kite: FakeKite, body: dict[str, Any]) -> dict[str, Any]:
    """Shape the next ``autoslice`` order: refuse children (``{"refuse": [{"child": 2,
    "message": …, "error_type"?: …}]}``, 1-based: each answered as an ``error``, the
    others placed), or slice it at a smaller size (``{"slice_at": 1300}``)."""
    refusals = {
        int(item["child"]): (
            str(item.get("error_type") or "InputException"),
            str(item.get("message") or "RMS:Margin Exceeds, Required margin is more"),
        )
        for item in body.get("refuse") or []
    }
    slice_at = int(body["slice_at"]) if body.get("slice_at") else None
    kite.book.arm_slicing(refusals, slice_at=slice_at)
    return {"refuse": sorted(refusals), "slice_at": slice_at}


_CONTROLS: dict[tuple[str, str], Callable[[FakeKite, dict[str, Any]], dict[str, Any]]] = {
    ("POST", "instruments"): _list,
    ("POST", "price"): _set_prices,
    ("POST", "walk"): _walk,
    ("POST", "faults"): _arm,
    ("DELETE", "faults"): _disarm,
    ("POST", "clock"): _move_clock,
    ("POST", "expire-sessions"): _expire,
    ("POST", "apps"): _register,
    ("GET", "state"): _state,
    ("POST", "orders"): _place_outside,
    ("POST", "forget"): _forget,
    ("POST", "funds"): _funds,
    ("POST", "fill"): _fill,
    ("POST", "reject"): _reject,
    ("POST", "autoslice"): _arm_slicing,
}


async def control(request: Request) -> Response:
    """``/_fake/{action}``: price, walk, faults, clock, expire-sessions, apps, state, orders
    (placed outside the client, as in Kite's own app), forget (an order Kite lost), funds
    (the account's cash), fill (part of an order, at a price), reject (a working order,
    after it was accepted), instruments (list more), autoslice (refuse some children of the
    next sliced order, or slice it finer)."""
    action = _CONTROLS.get((request.method, request.path_params["action"]))
    if action is None:
        return JSONResponse({"detail": "unknown control"}, status_code=404)
    try:
        raw = await request.body()
        body = json.loads(raw) if raw else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return JSONResponse(action(request.app.state.kite, body))
    except (ValueError, KeyError, TypeError, KiteError) as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)


def state(kite: FakeKite) -> dict[str, Any]:
    """A summary for tests: every order (and the algo id it came with), trade, GTT and the
    cash."""
    with kite.book.lock:
        return {
            "now": kite.now().isoformat(),
            "cash": float(kite.book.cash),
            "logins": kite.sessions.logins,
            "orders": [dict(o) for o in kite.book.orders.values()],
            "algo_ids": dict(kite.book.algo_ids),
            "trades": list(kite.book.trades),
            "gtts": json.loads(json.dumps(list(kite.book.gtts.values()))),
        }


def _routes() -> list[Route]:
    e = _endpoint
    return [
        Route("/connect/login", connect_login, methods=["GET"]),
        Route("/session/token", e(session_token, auth=False), methods=["POST", "DELETE"]),
        Route("/user/profile", e(profile), methods=["GET"]),
        Route("/user/margins", e(margins), methods=["GET"]),
        Route("/user/margins/{segment}", e(margins), methods=["GET"]),
        Route("/orders", e(orders), methods=["GET"]),
        Route("/orders/{variety}", e(place), methods=["POST"]),
        Route("/orders/{order_id}", e(order_history), methods=["GET"]),
        Route("/orders/{order_id}/trades", e(trades), methods=["GET"]),
        Route("/orders/{variety}/{order_id}", e(modify), methods=["PUT"]),
        Route("/orders/{variety}/{order_id}", e(cancel), methods=["DELETE"]),
        Route("/trades", e(trades), methods=["GET"]),
        Route("/portfolio/positions", e(positions), methods=["GET"]),
        Route("/portfolio/holdings", e(holdings), methods=["GET"]),
        Route("/quote", e(_quotes("quote")), methods=["GET"]),
        Route("/quote/ohlc", e(_quotes("ohlc")), methods=["GET"]),
        Route("/quote/ltp", e(_quotes("ltp")), methods=["GET"]),
        Route("/instruments", e(instruments), methods=["GET"]),
        Route("/instruments/historical/{token}/{interval}", e(historical), methods=["GET"]),
        Route("/instruments/{exchange}", e(instruments), methods=["GET"]),
        Route("/margins/orders", e(_calculator(calculators.order_margins)), methods=["POST"]),
        Route("/margins/basket", e(_calculator(calculators.basket_margins)), methods=["POST"]),
        Route("/charges/orders", e(_calculator(calculators.contract_note)), methods=["POST"]),
        Route("/gtt/triggers", e(gtt_list), methods=["GET", "POST"]),
        Route("/gtt/triggers/{trigger_id}", e(gtt_one), methods=["GET", "PUT", "DELETE"]),
        Route("/_fake/{action}", control, methods=["GET", "POST", "DELETE"]),
    ]


def create_app(
    *, ticker_interval_secs: float = 1.0, walk_secs: float | None = None, **options: Any
) -> Starlette:
    """The fake Kite as an ASGI app; `options` go to `FakeKite` (clock, api_key, cash, ...).

    Its ticker WebSocket is at ``/ws`` (``app.state.ticker``), streaming every
    `ticker_interval_secs`; with `walk_secs` every price moves by itself that often.
    """
    kite = FakeKite(**options)
    ticker = build_ticker(kite, interval_secs=ticker_interval_secs)
    lifespan = walker(kite, every_secs=walk_secs) if walk_secs else None
    routes = [ticker_control(ticker), *_routes(), ticker.route(TICKER_PATH)]  # before /_fake/*
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.kite = kite
    app.state.ticker = ticker
    return app
