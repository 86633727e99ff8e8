"""The fake Groww on a free loopback port (uvicorn in a thread), for the real growwapi SDK."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
import uvicorn

from tradertape.fakebrokers.groww import FakeGroww, create_app
from tradertape.ports.clock import IST, ManualClock

API_KEY = "growwkey-0001"
API_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # Settings accept a base32 Groww secret
TOTP = "123456"
#: A Friday in market hours.
START = datetime(2026, 11, 20, 10, 0, tzinfo=IST)


@dataclass
class FakeServer:
    """A running fake: its root URL, its state and its clock."""

    root: str
    fake: FakeGroww
    clock: ManualClock

    def control(self, path: str, body: object) -> httpx.Response:
        answer = httpx.post(f"{self.root}/_fake/{path}", json=body, timeout=5)
        answer.raise_for_status()
        return answer


@pytest.fixture
def groww() -> Iterator[FakeServer]:
    clock = ManualClock(START)
    app = create_app(clock=clock, api_keys={API_KEY: API_SECRET}, totp=TOTP)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            httpx.get(f"{root}/_fake/state", timeout=0.2)
            break
        except httpx.TransportError:
            threading.Event().wait(0.01)
    yield FakeServer(root, app.state.fake, clock)
    server.should_exit = True
    thread.join(timeout=10)
