"""The socket faults both fake brokers' market feeds can play on command (issue 54), as
real brokers' feeds do: go silent while staying connected (the token rollover), drop every
connection (a network blip), refuse handshakes with a 403 (the nightly maintenance).

One mechanism for the fake Kite ticker and the fake Upstox feed: each feed's connection is
a `FaultyConnection` and each feed a `SocketFaults`, adding only its own wire format.
"""

from __future__ import annotations

import asyncio
from typing import Any, Generic, TypeVar


class FaultyConnection:
    """A connection's part of the faults: dropped on command, silent for good once told."""

    def __init__(self) -> None:
        self.dropped = asyncio.Event()
        self.silent = False  # no market frames (`SocketFaults.silence`)
        self._lock = asyncio.Lock()  # held while a frame is sent

    async def silence(self) -> None:
        """Send no market frame from now on; a frame being sent has gone when this returns."""
        self.silent = True
        async with self._lock:
            pass


C = TypeVar("C", bound=FaultyConnection)


class SocketFaults(Generic[C]):
    """A feed's open connections and the faults it plays on them."""

    def __init__(self) -> None:
        self._connections: set[C] = set()
        self.connections_opened = 0
        self.refusing = False  # every handshake gets a 403 (`refuse`, until `allow`)
        self.handshakes_refused = 0

    @property
    def connections(self) -> int:
        """Open connections now."""
        return len(self._connections)

    async def drop_all(self) -> int:
        """Close every open connection (code 1011); return how many there were."""
        dropped = list(self._connections)
        for connection in dropped:
            connection.dropped.set()
        return len(dropped)

    async def silence(self) -> int:
        """Make every open connection silent for good; return how many. No market frame
        goes out on them once this returns; new connections stream as usual."""
        silenced = list(self._connections)
        for connection in silenced:
            await connection.silence()
        return len(silenced)

    async def refuse(self) -> int:
        """Refuse every handshake (403) until `allow`; drop the open connections (how many)."""
        self.refusing = True
        return await self.drop_all()

    def allow(self) -> None:
        """Accept handshakes again (undo `refuse`)."""
        self.refusing = False

    def faults(self) -> dict[str, Any]:
        """The socket faults now, for a control route (each feed adds what it sent)."""
        return {
            "connections": self.connections,
            "connections_opened": self.connections_opened,
            "silent": sum(c.silent for c in self._connections),
            "refusing": self.refusing,
            "handshakes_refused": self.handshakes_refused,
        }
