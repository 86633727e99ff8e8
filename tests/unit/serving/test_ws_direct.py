"""Text frames written past ASGI to a real uvicorn connection (serve's options): a client
library reads them as the ASGI path's own, every length form; a client that stops reading
makes the connection unwritable, and a closed one is never written."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect

from tests.market import eventually
from tradertape.serving.process import UVICORN
from tradertape.serving.ws_direct import (
    DirectTextWriter,
    direct_text_writer,
    text_frame,
    text_header,
)

pytestmark = pytest.mark.anyio

SIZES = (5, 125, 126, 65535, 65536, 200_000)  # each side of both length boundaries


class App:
    """Accepts, then writes what `script` says through the direct writer."""

    def __init__(self) -> None:
        self.writers: list[DirectTextWriter | None] = []
        self.closed = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        writer = direct_text_writer(send)
        self.writers.append(writer)
        assert writer is not None
        if scope["path"] == "/sizes":
            for size in SIZES:
                assert writer.writable()
                writer.write_text("é" * (size // 2) + "x" * (size % 2))  # 2 bytes each in UTF-8
        if scope["path"] == "/pieces":  # the same texts, each in pieces (split mid-character)
            for size in SIZES:
                assert writer.writable()
                payload = ("é" * (size // 2) + "x" * (size % 2)).encode()
                writer.write_utf8((b"", payload[:1], payload[1 : size // 3], payload[size // 3 :]))
        while (await receive())["type"] != "websocket.disconnect":
            pass
        self.closed.set()


@pytest.fixture
async def served() -> AsyncIterator[tuple[App, int]]:
    app = App()
    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", ws_ping_interval=None, **UVICORN)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await eventually(lambda: server.started)
    yield app, sock.getsockname()[1]
    server.should_exit = True
    await task


def test_header_lengths_follow_rfc_6455():
    assert text_frame(b"hi") == b"\x81\x02hi"
    assert text_frame(b"x" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert text_frame(b"x" * 65536)[:10] == b"\x81\x7f" + (65536).to_bytes(8, "big")


def test_other_servers_take_the_asgi_path():
    async def send(message: Any) -> None:
        return None

    assert direct_text_writer(None) is None
    assert direct_text_writer(send) is None


async def test_a_client_library_reads_every_length(served: tuple[App, int]):
    app, port = served
    async with connect(f"ws://127.0.0.1:{port}/sizes", max_size=None) as ws:
        for size in SIZES:
            text = await asyncio.wait_for(ws.recv(), timeout=5)
            assert text == "é" * (size // 2) + "x" * (size % 2)
    await asyncio.wait_for(app.closed.wait(), timeout=5)
    writer = app.writers[0]
    assert writer is not None
    assert not writer.writable()  # closed: the ASGI path raises, nothing is written here


async def test_a_frame_written_in_pieces_reads_as_one_text(served: tuple[App, int]):
    _, port = served
    async with connect(f"ws://127.0.0.1:{port}/pieces", max_size=None) as ws:
        for size in SIZES:
            text = await asyncio.wait_for(ws.recv(), timeout=5)
            assert text == "é" * (size // 2) + "x" * (size % 2)


def test_a_header_for_pieces_is_the_whole_frames():
    for size in SIZES:
        assert text_frame(b"x" * size) == text_header(size) + b"x" * size


async def test_a_client_that_stops_reading_makes_the_socket_unwritable(served: tuple[App, int]):
    app, port = served
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, limit=1024
    )  # reads nothing after the handshake
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    await eventually(lambda: len(app.writers) == 1)
    direct = app.writers[0]
    assert direct is not None
    frames = 0
    while direct.writable():  # the kernel's buffers, then the transport's high-water mark
        direct.write_text("x" * 60_000)
        frames += 1
        assert frames < 10_000, "never paused"
        await asyncio.sleep(0)  # the loop flushes what the socket takes
    assert frames > 1
    writer.close()
    await writer.wait_closed()
