"""The fake Upstox on a loopback port, and the instrument map the adapter needs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.symbols import broker_symbols
from tradertape.fakebrokers.upstox import create_app

RELIANCE = "NSE_EQ|INE002A01018"
INFY = "NSE_EQ|INE009A01021"


def kite_to_upstox() -> dict[str, str]:
    """Every reference instrument with an Upstox key: Kite key → Upstox key."""
    pairs = (broker_symbols(i) for i in reference_catalog())
    return {s.kite: s.upstox for s in pairs if s.upstox is not None}


@dataclass(frozen=True, slots=True)
class FakeUpstox:
    """A running fake: its root URL and a control client."""

    root: str

    def control(self, path: str, body: object = None) -> httpx.Response:
        """POST to ``/_control/<path>`` and fail loudly on an error."""
        response = httpx.post(f"{self.root}/_control/{path}", json=body, timeout=5)
        response.raise_for_status()
        return response

    def state(self) -> dict[str, object]:
        """The fake's books, unauthenticated."""
        data: dict[str, object] = httpx.get(f"{self.root}/_control/state", timeout=5).json()
        return data

    def code(self, client_id: str, redirect_uri: str) -> str:
        """Walk the authorization dialog (it approves at once) and return the code."""
        response = httpx.get(
            f"{self.root}/v2/login/authorization/dialog",
            params={"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri},
        )
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(redirect_uri)
        return parse_qs(urlsplit(location).query)["code"][0]


@contextmanager
def running_fake(
    now: Callable[[], datetime], catalog: InstrumentCatalog | None = None
) -> Iterator[FakeUpstox]:
    """Serve a fresh fake on a free loopback port until the block ends (knowing `catalog`'s
    instruments, by default the reference catalog's)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(now=now, catalog=catalog),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            httpx.get(f"{root}/_control/state", timeout=0.2)
            break
        except httpx.TransportError:
            threading.Event().wait(0.01)
    try:
        yield FakeUpstox(root)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
