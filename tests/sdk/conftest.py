"""The SDK against the real app: in process (TestClient, ASGITransport) and over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.workers_kit import issue_token, set_price
from tradertape.runtime import Runtime
from tradertape_worker import AlgoWorkerConfig, AsyncKiteAlgoWorkerClient, KiteAlgoWorkerClient

BASE = "http://testserver"


class _Body(httpx.SyncByteStream):
    def __init__(self, response: Any) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_raw()

    def close(self) -> None:
        self._response.close()


class InProcess(httpx.BaseTransport):
    """A blocking httpx transport into the app through Starlette's TestClient, streaming
    (httpx's own ASGITransport is async-only and buffers whole responses)."""

    def __init__(self, http: TestClient) -> None:
        self._http = http

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = self._http.build_request(
            request.method, str(request.url), headers=dict(request.headers), content=request.read()
        )
        answer = self._http.send(sent, stream=True)
        return httpx.Response(
            answer.status_code,
            headers=list(answer.headers.raw),
            stream=_Body(answer),
            request=request,
        )


def connect(client: TestClient, token: str) -> KiteAlgoWorkerClient:
    """A blocking SDK client on the app, in process."""
    config = AlgoWorkerConfig(base_url=BASE, token=token)
    return KiteAlgoWorkerClient(config, transport=InProcess(TestClient(client.app, base_url=BASE)))


@pytest.fixture
def secret(client: TestClient, runtime: Runtime) -> str:
    set_price(runtime, "NSE:INFY", "1500")
    set_price(runtime, "NSE:TCS", "3200")
    token, _ = issue_token(client, runtime, "sdk@x.in")
    return token


@pytest.fixture
def config(secret: str) -> AlgoWorkerConfig:
    return AlgoWorkerConfig(base_url=BASE, token=secret)


@pytest.fixture
def sdk(client: TestClient, secret: str) -> Iterator[KiteAlgoWorkerClient]:
    with connect(client, secret) as worker:
        yield worker


@pytest.fixture
async def async_sdk(
    client: TestClient, config: AlgoWorkerConfig
) -> AsyncIterator[AsyncKiteAlgoWorkerClient]:
    transport = httpx.ASGITransport(app=client.app)
    async with AsyncKiteAlgoWorkerClient(config, transport=transport) as worker:
        yield worker
