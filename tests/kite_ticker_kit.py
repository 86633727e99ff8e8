"""Test kit for the Kite ticker: the fake ticker served by uvicorn on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from tests.market import eventually
from tradertape.fakebrokers.kite_ticker import FakeTicker, create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serving(target: FakeTicker | Starlette) -> AsyncIterator[str]:
    """Serve a ticker (at ``/``) or an app on this event loop; yield its ``ws://`` root."""
    port = free_port()
    app = create_app(target) if isinstance(target, FakeTicker) else target
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started)
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
