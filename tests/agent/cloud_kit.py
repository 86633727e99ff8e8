"""A small fake of the cloud's agent API (docs/agent-api.md's contract), for the agent's unit
tests: in process through httpx's MockTransport, or served on loopback for the CLI's. Its
answers are validated by the server's own pydantic models, so the fake cannot drift from the
contract; the end-to-end tests (`test_e2e_*`) run the agent against the real server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tradertape.api.schemas.agent import (
    AccessTokenIn,
    PendingSignalsOut,
    SignalResultIn,
    SyncHoldingsIn,
    SyncPositionsIn,
)

KEY = "zt_test_key"


@dataclass
class FakeCloud:
    """The cloud as the agent sees it: pending signals, and everything the agent told it."""

    key: str = KEY
    signals: list[dict[str, Any]] = field(default_factory=list)
    expected: list[dict[str, Any]] = field(default_factory=list)
    kill_switch: bool = False
    obfuscate: bool = False
    request_token: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    holdings: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)
    access_tokens: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def answer(self, method: str, path: str, auth: str, body: Any) -> tuple[int, Any]:
        if auth != f"Bearer {self.key}":
            return 401, {"detail": "invalid agent key"}
        route = (method, path)
        if route == ("GET", "/api/agent/pending-signals"):
            self.polls += 1
            answer = {
                "signals": [s for s in self.signals if s["risk"]["allowed"]],
                "refused": [s for s in self.signals if not s["risk"]["allowed"]],
                "kill_switch": self.kill_switch,
                "obfuscate": self.obfuscate,
                "server_time": "2025-06-02T10:00:05Z",
            }
            PendingSignalsOut.model_validate(answer)
            self.signals = [s for s in self.signals if s["risk"]["allowed"]]  # refused once
            return 200, answer
        if route == ("POST", "/api/agent/signal-result"):
            SignalResultIn.model_validate(body)
            self.results.append(body)
            # A result the cloud has heard is no longer pending.
            self.signals = [s for s in self.signals if s["signal_id"] != body["signal_id"]]
            return 200, {"signal_id": body["signal_id"], "duplicate": False}
        if route == ("POST", "/api/agent/sync-holdings"):
            SyncHoldingsIn.model_validate(body)
            self.holdings.append(body)
            return 200, {"ok": True}
        if route == ("POST", "/api/agent/sync-positions"):
            SyncPositionsIn.model_validate(body)
            self.positions.append(body)
            return 200, {"ok": True}
        if route == ("GET", "/api/agent/expected-positions"):
            return 200, self.expected
        if route == ("GET", "/api/agent/pending-token"):
            token, self.request_token = self.request_token, None
            return 200, {"broker": "kite", "request_token": token}
        if route == ("POST", "/api/agent/access-token"):
            AccessTokenIn.model_validate(body)
            self.access_tokens.append(body)
            return 200, {"ok": True}
        return 404, {"detail": "Not Found"}

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content) if request.content else None
            self.headers = dict(request.headers)
            status, data = self.answer(
                request.method, request.url.path, request.headers.get("authorization", ""), body
            )
            return httpx.Response(status, json=data)

        return httpx.MockTransport(handle)

    def asgi(self) -> Any:
        """The same answers as an ASGI app (served for a CLI running as its own process)."""
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def endpoint(request: Request) -> JSONResponse:
            raw = await request.body()
            status, data = self.answer(
                request.method,
                request.url.path,
                request.headers.get("authorization", ""),
                json.loads(raw) if raw else None,
            )
            return JSONResponse(data, status_code=status)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


def entry_signal(signal_id: int = 1, **changes: Any) -> dict[str, Any]:
    """An entry as the cloud hands it out: 5 INFY above a 1500 close with a 1% buffer."""
    signal = {
        "signal_id": signal_id,
        "portfolio_id": 7,
        "portfolio_name": "Momentum · nifty_50",
        "broker": "kite",
        "signal_type": "entry",
        "status": "in_cart",
        "symbol": "NSE:INFY",
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "isin": "INE009A01021",
        "side": "BUY",
        "quantity": 5,
        "amount": "7500.00",
        "close_price": "1500.00",
        "trigger_price": "1515.00",
        "limit_price": "1522.60",
        "entry_buffer_pct": "1.0",
        "limit_pad_pct": "0.500",
        "placement": {
            "kind": "gtt",
            "gtt_type": "single",
            "trigger_values": ["1515.00"],
            "legs": [
                {
                    "transaction_type": "BUY",
                    "quantity": 5,
                    "price": "1522.60",
                    "order_type": "LIMIT",
                    "product": "CNC",
                }
            ],
        },
        "stop": None,
        "position_id": None,
        "signal_date": "2025-06-02",
        "created_at": "2025-06-02T10:00:00Z",
        "tag": f"tt-s{signal_id}",
        "risk": {"allowed": True, "refusal": None, "warnings": [], "checked": "all"},
    }
    return signal | changes
