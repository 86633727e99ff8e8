"""A small fake of the cloud's agent API (agent/README.md's contract), for the agent's tests:
in process through httpx's MockTransport, or served on loopback for the CLI's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

KEY = "zt_test_key"


@dataclass
class FakeCloud:
    """The cloud as the agent sees it: pending signals, and everything the agent told it."""

    key: str = KEY
    signals: list[dict[str, Any]] = field(default_factory=list)
    expected: list[dict[str, Any]] = field(default_factory=list)
    kill_switch: str | None = None
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
            return 200, {
                "signals": self.signals,
                "kill_switch": self.kill_switch,
                "obfuscate": self.obfuscate,
                "poll_interval": 30,
            }
        if route == ("POST", "/api/agent/signal-result"):
            self.results.append(body)
            # A result the cloud has heard is no longer pending.
            self.signals = [s for s in self.signals if s["id"] != body["signal_id"]]
            return 200, {"ok": True, "changed": True}
        if route == ("POST", "/api/agent/sync-holdings"):
            self.holdings.append(body)
            return 200, {"ok": True}
        if route == ("POST", "/api/agent/sync-positions"):
            self.positions.append(body)
            return 200, {"ok": True}
        if route == ("GET", "/api/agent/expected-positions"):
            return 200, {"positions": self.expected}
        if route == ("GET", "/api/agent/pending-token"):
            token, self.request_token = self.request_token, None
            return 200, {"broker": "kite", "request_token": token}
        if route == ("POST", "/api/agent/access-token"):
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
    return {
        "id": signal_id,
        "portfolio_id": 7,
        "position_id": None,
        "signal_type": "entry",
        "symbol": "NSE:INFY",
        "isin": "INE009A01021",
        "side": "BUY",
        "quantity": 5,
        "close_price": "1500.00",
        "trigger_price": "1515.00",
        "limit_price": "1522.60",
        "entry_buffer_pct": 1.0,
        "price_rule": "limit",
        "placement": "gtt",
        "product": "CNC",
        "stop_price": None,
        "stop_loss_pct": None,
        "approved": False,
        "refused": None,
        **changes,
    }
