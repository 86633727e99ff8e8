"""Option ticks derived from index ticks, for the contracts someone is waiting on.

The simulated feed prints indices, not the thousands of listed options; an option's
price is the model's, from its index (`OptionMarket.model_tick`). So that working LIMIT
and SL orders on an option fill when the index moves its price through them, and
WebSocket subscribers see it move, the trading loop asks this ticker, after each batch,
for ticks of the option contracts with working orders or triggers (and those a tick hub
in this process has subscribers for, or hubs of other processes announced on the bus)
whose index ticked in the batch. Nothing else is priced, so the cost follows what is
watched, not what is listed. An announcement holds for `ANNOUNCED_FOR` of the injected
clock: hubs repeat theirs, so a hub that died stops costing anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from tradertape.domain.market import Tick
from tradertape.ports.clock import Clock
from tradertape.services.options.market import OptionMarket

ANNOUNCED_FOR = timedelta(seconds=60)  # three of a hub's repeats (feed.fanout)


class OptionTicker:
    """Derives model ticks of watched index options from their index's ticks."""

    def __init__(self, market: OptionMarket, clock: Clock) -> None:
        self._market = market
        self._clock = clock
        self._interest: list[Callable[[], Iterable[str]]] = []
        self._announced: dict[str, tuple[frozenset[str], datetime]] = {}
        self._lock = threading.Lock()  # announcements arrive on the event loop, reads in threads

    def follow(self, source: Callable[[], Iterable[str]]) -> None:
        """Also price the keys `source` returns each batch (a tick hub's subscriptions)."""
        self._interest.append(source)

    def note(self, message: dict[str, Any]) -> None:
        """Take a hub's announcement ``{hub, keys}`` (``interest.ticks`` on the bus)."""
        hub, keys = message.get("hub"), message.get("keys")
        if not isinstance(hub, str) or not isinstance(keys, list):
            return  # not an announcement
        wanted = frozenset(k for k in keys if isinstance(k, str) and k.startswith("NFO:"))
        with self._lock:
            self._announced[hub] = (wanted, self._clock.now())

    def _still_announced(self) -> set[str]:
        since = self._clock.now() - ANNOUNCED_FOR
        with self._lock:
            for hub in [h for h, (_, at) in self._announced.items() if at < since]:
                del self._announced[hub]
            return {key for keys, _ in self._announced.values() for key in keys}

    def derive(self, ticked: Iterable[str], working: Iterable[str]) -> list[Tick]:
        """Model ticks of the watched options whose index is among `ticked`."""
        printed = set(ticked)
        wanted = set(working) | self._still_announced()
        for source in self._interest:
            wanted.update(source())
        derived = []
        for key in sorted(wanted - printed):  # a contract the feed printed keeps its tick
            index = self._market.underlying_key(key)
            if index is None or index not in printed:
                continue
            tick = self._market.model_tick(key)
            if tick is not None:
                derived.append(tick)
        return derived
