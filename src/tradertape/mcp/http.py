"""``/mcp`` on the server: the streamable HTTP transport, behind an assistant key.

`McpDoor` sends ``/mcp`` to `McpEndpoint` before the web app's own middleware and routes
(which take a browser session or the other keys, never this one), and everything else on.
The endpoint refuses a request without a valid assistant key with a 401 (the key is
checked again by each tool call, `desk`), then hands it to the SDK's session manager:
stateless, each POST answered with JSON, so any process of the server answers any call.

A browser cannot call it for a signed-in user: it takes no cookie, only the key, which a
page from another site does not have; the SDK's DNS-rebinding check (host names) is off
because the server is reached under names the SDK cannot know (`public_base_url`, a proxy).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.abc import TaskGroup, TaskStatus
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tradertape.errors import Unauthenticated
from tradertape.mcp.desk import admit, bearer_of
from tradertape.mcp.server import build_server
from tradertape.runtime import Runtime

PATH = "/mcp"
_NO_REBINDING_CHECK = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class McpEndpoint:
    """The MCP server over streamable HTTP, for assistant keys only.

    Built at its first request, not with the app: its tools' schemas cost tens of
    milliseconds, which every app (each test's) would pay for an endpoint most never call.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._tasks: TaskGroup | None = None
        self._server: MCPServer | None = None
        self._building = anyio.Lock()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve while this lasts (the app's lifespan); the server's session manager, once
        built, runs in a task of this one's and stops with it."""
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None
                self._server = None
                tasks.cancel_scope.cancel()

    async def _ready(self) -> MCPServer | None:
        """The server, built and started at the first call (None: the app is not running)."""
        async with self._building:
            if self._server is None and self._tasks is not None:
                server = build_server(self.runtime)
                server.streamable_http_app(
                    streamable_http_path=PATH,
                    stateless_http=True,
                    json_response=True,
                    transport_security=_NO_REBINDING_CHECK,
                )
                await self._tasks.start(_manage, server)
                self._server = server
            return self._server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = await anyio.to_thread.run_sync(self._refusal, bearer_of(Headers(scope=scope)))
        if refusal is not None:
            await _answer(send, 401, refusal, {"www-authenticate": 'Bearer realm="tradertape"'})
            return
        server = await self._ready()
        if server is None:
            await _answer(send, 503, "the MCP server is starting or stopping; try again", {})
            return
        await server.session_manager.handle_request(scope, receive, send)

    def _refusal(self, secret: str) -> str | None:
        if not secret:
            return "missing 'Authorization: Bearer zta_…' header: an assistant key (Settings)"
        with self.runtime.db.session() as db:
            try:
                admit(db, self.runtime, secret)
            except Unauthenticated as refused:
                return refused.detail
        return None


async def _manage(server: MCPServer, *, task_status: TaskStatus[None]) -> None:
    """Run `server`'s session manager until cancelled (entered and left in this one task)."""
    async with server.session_manager.run():
        task_status.started()
        await anyio.sleep_forever()


class McpDoor:
    """ASGI middleware: ``/mcp`` to the endpoint, the rest to the app."""

    def __init__(self, app: ASGIApp, endpoint: McpEndpoint) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == PATH:
            await self.endpoint(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _answer(send: Send, status: int, detail: str, headers: dict[str, str]) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
