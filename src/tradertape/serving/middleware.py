"""Request ids: taken from ``X-Request-ID`` when sane, else generated; echoed back."""

from __future__ import annotations

import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradertape.logs import request_id_var

_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: A WebSocket's scope holds the server's own `send` under this key (this middleware is the
#: outermost): the tick stream sends its frames there, past Starlette's per-message checks
#: and the exception handlers' wrappers, which a text frame never needs (`api.routes.ws`).
SERVER_SEND = "tradertape.server_send"


class RequestIdMiddleware:
    """Pure ASGI middleware (no body buffering), so streaming responses stay streaming."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind a request id for the duration of the request."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        # 32 random hex digits, as a UUID4's hex was, at a fifth of `uuid4`'s cost (issue 69)
        request_id = incoming if _SANE.match(incoming) else os.urandom(16).hex()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        if scope["type"] == "websocket":  # no HTTP response to stamp: send goes unwrapped
            scope[SERVER_SEND] = send
            try:
                await self.app(scope, receive, send)
            finally:
                request_id_var.reset(token)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
