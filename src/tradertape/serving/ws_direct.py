"""A WebSocket text frame written to the socket at once, past ASGI, when the connection allows.

The tick hub hands each burst of ticks to every client (500 in bench/ticks_fanout.py). Through
ASGI a frame costs each client a wake-up of its writer task, a coroutine and the protocol
library's frame serializer: together about as much as the frame's own system call, and on a
busy two-core machine the last client of a burst waits for all of it. uvicorn's sans-I/O
protocol (the one `serving.process.UVICORN` selects) keeps its connection state in plain
attributes, so when a connection is open, writable (its transport below the high-water mark)
and has negotiated no extension (permessage-deflate is off in `UVICORN`), a text frame is a
header of 2 to 10 bytes and the UTF-8 payload (RFC 6455 §5.2; a server never masks), written
to the transport in the hub's own loop over clients.

Whenever that is not so (another WebSocket implementation, a paused or closing connection),
`writable` says no and the caller takes the ASGI path, which waits for the transport to
drain or raises for a closed connection: nothing is ever written twice or out of order,
because the caller only writes here when it has nothing queued for that ASGI path.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

_TEXT_FIN = 0x81  # FIN bit and opcode 1 (text)
_SHORT = struct.Struct("!BBH")  # lengths 126 .. 65535
_LONG = struct.Struct("!BBQ")  # longer


def text_header(size: int) -> bytes:
    """The header of one unfragmented, unmasked text frame whose payload is `size` bytes."""
    if size < 126:
        return bytes((_TEXT_FIN, size))
    if size < 1 << 16:
        return _SHORT.pack(_TEXT_FIN, 126, size)
    return _LONG.pack(_TEXT_FIN, 127, size)


def text_frame(payload: bytes) -> bytes:
    """One unfragmented, unmasked text frame carrying `payload` (UTF-8)."""
    return text_header(len(payload)) + payload


class DirectTextWriter:
    """Writes text frames straight to one uvicorn sans-I/O connection while it is writable."""

    __slots__ = ("_conn", "_protocol")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._conn = protocol.conn

    def writable(self) -> bool:
        """Whether a frame written now goes out as the ASGI path would send it: accepted,
        open in both directions, no close sent or received, no extension to apply, not
        mid-fragment, and the transport not paused (its buffer below the high-water mark)."""
        protocol, conn = self._protocol, self._conn
        return (
            protocol.handshake_complete
            and not protocol.disconnected
            and not protocol.close_sent
            and protocol.initial_response is None
            and protocol.writable.is_set()
            and not protocol.transport.is_closing()
            and conn.state is State.OPEN
            and not conn.extensions
            and not conn.expect_continuation_frame
        )

    def write_text(self, text: str) -> None:
        """Write one text frame (the caller has just checked `writable`)."""
        self._protocol.transport.write(text_frame(text.encode()))

    def write_utf8(self, chunks: tuple[bytes, ...]) -> None:
        """Write one text frame whose payload is `chunks` joined (UTF-8, the caller has just
        checked `writable`): header and chunks go to one ``writelines``, which uvloop sends
        as one writev, so the payload is never copied into a single object here."""
        size = 0
        for chunk in chunks:
            size += len(chunk)
        self._protocol.transport.writelines((text_header(size), *chunks))


def direct_text_writer(send: Callable[..., Any] | None) -> DirectTextWriter | None:
    """A direct writer for the connection whose ASGI `send` this is (the server's own, see
    `serving.middleware.SERVER_SEND`), or None when the server is not uvicorn's sans-I/O
    protocol (Starlette's test client, another implementation): those take the ASGI path."""
    protocol = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    return DirectTextWriter(protocol)
