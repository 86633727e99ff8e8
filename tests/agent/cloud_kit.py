"""A small fake of the cloud's agent API (docs/agent-api.md's contract), for the agent's unit
tests: in process through httpx's MockTransport, or served on loopback for the CLI's. Its
answers are validated by the server's own pydantic models, so the fake cannot drift from the
contract; the end-to-end tests (`test_e2e_*`) run the agent against the real server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from tradertape.api.schemas.agent import (
    AccessTokenIn,
    AgentFundsOut,
    PendingSignalsOut,
    PendingTokenOut,
    SignalResultIn,
    SyncHoldingsIn,
    SyncPositionsIn,
)
from tradertape.api.schemas.alerts import AlertFireOut
from tradertape.api.schemas.uploads import UploadBatchOut, UploadReportOut


def multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart body's fields: text as text, a file as ``(filename, bytes)``."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        filename = part.get_filename()
        fields[str(name)] = (filename, payload) if filename else payload.decode()
    return fields


def upload_report(kind: str, filename: str, rows: int, *, obfuscated: bool) -> dict[str, Any]:
    """The cloud's report of an imported file (the server's model checks its shape)."""
    report: dict[str, Any] = {
        "filename": filename,
        "kind": kind,
        "status": "imported",
        "broker": "zerodha",
        "account_code": "ZX1234",
        "segment": "EQ" if kind == "tradebook" else None,
        "rows_read": rows,
        "rows_added": rows,
        "duplicates": 0,
        "skipped": 0,
        "errors": [],
        "upload": None,
    }
    UploadReportOut.model_validate(report)
    return report


KEY = "zt_test_key"


@dataclass
class FakeCloud:
    """The cloud as the agent sees it: pending signals, and everything the agent told it."""

    key: str = KEY
    signals: list[dict[str, Any]] = field(default_factory=list)
    expected: list[dict[str, Any]] = field(default_factory=list)
    kill_switch: bool = False
    obfuscate: bool = False
    request_token: str | None = None  # Kite's, left by the web app's login
    #: Other brokers' relayed logins: broker → the pending-token answer's fields.
    relayed: dict[str, dict[str, Any]] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)  # the last request's
    results: list[dict[str, Any]] = field(default_factory=list)
    holdings: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)
    access_tokens: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    #: The mutual funds the cloud holds (None: it answers 404, as an older cloud does).
    funds: dict[str, Any] | None = None
    uploads: list[dict[str, Any]] = field(default_factory=list)
    #: The account's alert fires (None: it answers 404, as a cloud before alerts does).
    alert_fires: list[dict[str, Any]] | None = field(default_factory=list)
    #: How the next results are answered instead of recorded (an HTTP status each, in turn).
    result_answers: list[int] = field(default_factory=list)
    #: Every result request that arrived, recorded or not.
    result_requests: int = 0
    #: The catalog's sectors the poll names.
    sectors: dict[str, str] = field(default_factory=dict)
    #: Signals waiting for the user's approval (``pending_approval``).
    awaiting: list[dict[str, Any]] = field(default_factory=list)
    #: The agent's decisions as they arrived: ``(signal_id, "approve" | "reject")``.
    decisions: list[tuple[int, str]] = field(default_factory=list)

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
                "sectors": self.sectors,
                "awaiting": self.awaiting,
            }
            PendingSignalsOut.model_validate(answer)
            self.signals = [s for s in self.signals if s["risk"]["allowed"]]  # refused once
            return 200, answer
        if route == ("POST", "/api/agent/signal-result"):
            SignalResultIn.model_validate(body)
            self.result_requests += 1
            if self.result_answers:
                status = self.result_answers.pop(0)
                return status, {"detail": f"answered {status} by the test"}
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
            broker = self.query.get("broker", "kite")
            if broker != "kite":
                waiting = {"broker": broker, "request_token": None, "created_at": None}
                waiting |= self.relayed.pop(broker, {})
                return 200, PendingTokenOut.model_validate(waiting).model_dump(mode="json")
            token, self.request_token = self.request_token, None
            return 200, {"broker": "kite", "request_token": token}
        return self._more(method, path, body)

    def _decide(self, signal_id: int, action: str) -> tuple[int, Any]:
        """Approve: out of ``awaiting`` into the cart; reject: out of both."""
        self.decisions.append((signal_id, action))
        found = [s for s in self.awaiting + self.signals if s["signal_id"] == signal_id]
        if not found:
            return 409, {"detail": f"signal {signal_id} is not pending"}
        self.awaiting = [s for s in self.awaiting if s["signal_id"] != signal_id]
        if action == "approve":
            self.signals.append(found[0] | {"status": "in_cart"})
        else:
            self.signals = [s for s in self.signals if s["signal_id"] != signal_id]
        status = "in_cart" if action == "approve" else "rejected"
        return 200, {"signal_id": signal_id, "status": status, "approved_at": None, "error": None}

    def _more(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """The routes beyond the poll loop's: the login relay, funds, uploads."""
        route = (method, path)
        parts = path.split("/")
        if method == "POST" and path.startswith("/api/agent/signals/") and len(parts) == 6:
            return self._decide(int(parts[4]), parts[5])
        if route == ("POST", "/api/agent/access-token"):
            AccessTokenIn.model_validate(body)
            self.access_tokens.append(body)
            return 200, {"ok": True}
        if route == ("GET", "/api/agent/alert-fires") and self.alert_fires is not None:
            after = int(self.query.get("after_id", "0"))
            fires = [f for f in self.alert_fires if f["id"] > after][:50]
            for fire in fires:
                AlertFireOut.model_validate(fire)
            return 200, fires
        if route == ("GET", "/api/agent/mutual-funds") and self.funds is not None:
            AgentFundsOut.model_validate(self.funds)
            return 200, self.funds
        if method == "POST" and path in ("/api/uploads/tradebook", "/api/uploads/ledger"):
            return self._upload(path.rsplit("/", 1)[1], body)
        return 404, {"detail": "Not Found"}

    def _upload(self, kind: str, form: Any) -> tuple[int, Any]:
        filename, content = form["files[]" if kind == "tradebook" else "file"]
        self.uploads.append({"kind": kind, "filename": filename, "content": content, **form})
        rows = max(0, len(content.splitlines()) - 1)
        report = upload_report(kind, filename, rows, obfuscated=form.get("obfuscated") == "true")
        if kind == "ledger":
            return 201, report
        answer = {"files": [report]}
        UploadBatchOut.model_validate(answer)
        return 201, answer

    @staticmethod
    def body_of(content_type: str, raw: bytes) -> Any:
        if not raw:
            return None
        if content_type.startswith("multipart/"):
            return multipart(content_type, raw)
        return json.loads(raw)

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            body = self.body_of(request.headers.get("content-type", ""), request.content)
            self.headers = dict(request.headers)
            self.query = dict(request.url.params)
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
            self.query = dict(request.query_params)
            status, data = self.answer(
                request.method,
                request.url.path,
                request.headers.get("authorization", ""),
                self.body_of(request.headers.get("content-type", ""), raw),
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


def alert_fire(fire_id: int, **changes: Any) -> dict[str, Any]:
    """A fire as the cloud hands it out: INFY crossed 1500, its order placed."""
    fire = {
        "id": fire_id,
        "alert_id": 3,
        "symbol": "NSE:INFY",
        "price": "1501",
        "fired_at": "2025-06-02T04:31:00Z",
        "order_status": "placed",
        "order_id": "P-1",
        "order_message": None,
        "legs": None,
        "expires_at": None,
        "decided_at": None,
    }
    return fire | changes
