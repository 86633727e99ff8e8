"""The last tick per instrument, as this process has seen it from the feed or the bus.

Order matching, GTT evaluation, square-off and mark-to-market read prices from here;
whoever consumes ticks writes them in: the trading loop in the process that leads, and
`follow` in every other process. It is the process's one last price: the WebSocket streams
the same bus messages in the same order, so the ticket, the quotes, a fill and the marks
read one price.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from tradertape.domain.market import Tick, supersedes
from tradertape.ports.bus import EventBus

log = logging.getLogger("tradertape.oms")


class QuoteBook:
    """Thread-safe map from ``EXCH:SYMBOL`` to its price now (`domain.market.supersedes`).

    A demo replay starting the session again prints 09:15 after 15:30, and that tick is the
    price now (keeping the later-stamped close filled orders at the previous replay's close
    while the screen showed the new price); a print a little late is not.
    """

    def __init__(self) -> None:
        self._ticks: dict[str, Tick] = {}
        self._lock = threading.Lock()

    def update(self, tick: Tick) -> None:
        """Keep `tick` unless the one held is the later price (`supersedes`)."""
        with self._lock:
            held = self._ticks.get(tick.key)
            if held is None or supersedes(tick.ts, held.ts):
                self._ticks[tick.key] = tick

    def __call__(self, key: str) -> Tick | None:
        """The latest tick of `key`, if any."""
        return self._ticks.get(key)

    def __len__(self) -> int:
        return len(self._ticks)


class TickSink(Protocol):
    """Something that keeps ticks (the quote book, the live candle book)."""

    def update(self, tick: Tick) -> None:
        """Take one tick."""
        ...


async def follow(
    bus: EventBus, sinks: Sequence[TickSink], decode: Callable[[dict[str, Any]], Tick]
) -> None:
    """Feed `sinks` every feed tick on the bus, until cancelled: how a process that does not
    run the feed (another API process on the same database and Redis) prices, previews and
    margins orders on the current price. Ticks the leader derived (option model prices,
    marked ``derived``) are left out, as the leader leaves them out of its own quote book:
    here, as there, the option model prices from the latest index tick."""
    subscription = await bus.subscribe("ticks.*")
    try:
        async for _topic, message in subscription:
            if message.get("derived"):
                continue
            try:
                tick = decode(message)
            except (KeyError, ValueError, TypeError, ArithmeticError):
                log.warning("dropped a malformed tick message")
                continue
            for sink in sinks:
                sink.update(tick)
    finally:
        await subscription.close()
