"""The server's egress IP toward each broker: configured, or detected from the local socket.

SEBI's retail-algo rules accept orders only from the static IP a client registered with
the broker. The settings page shows that registration beside the address this server's
orders leave from: ``TRADERTAPE_EGRESS_IP`` when set (the public address of a server
behind NAT), else the local address the OS would send from toward the broker's host,
found with a UDP ``connect`` (which sends nothing). The name lookup runs in a worker
thread with a short timeout, and answers are kept a few minutes, so a page view never
waits on DNS for long. No outside service is asked (what the internet sees of a NAT'd
server is only known when configured).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from tradertape.domain.addresses import is_public

CACHE_SECS = 300.0
LOOKUP_TIMEOUT_SECS = 1.0
_lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="egress")

Source = Literal["configured", "detected"]


def local_address_toward(host: str, port: int = 443) -> str | None:
    """The local address the OS routes to `host` from (no packet is sent); None if unknown."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError:
        return None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            try:
                probe.connect(address)
                return str(probe.getsockname()[0])
            except OSError:
                continue
    return None


@dataclass(frozen=True, slots=True)
class EgressIp:
    """The address and how it is known (None: neither configured nor detectable)."""

    ip: str | None
    source: Source | None


@dataclass(slots=True)
class ServerEgress:
    """Egress addresses per broker name (`roots`: each broker's REST root URL)."""

    configured: str | None
    roots: Mapping[str, str]
    _cache: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def of(self, broker: str) -> EgressIp:
        """The configured address, else the one detected toward the broker's host."""
        if self.configured:
            return EgressIp(self.configured, "configured")
        detected = self._detected(broker)
        return EgressIp(detected, "detected" if detected else None)

    def ip(self, broker: str) -> str | None:
        """`of`'s address alone (the fallback a live order records, `AlgoIdentity`)."""
        return self.of(broker).ip

    def public(self, broker: str) -> str | None:
        """The address the broker sees this server's orders come from, when known: the
        configured one, or a detected one that is public. A detected private address (a
        server behind NAT) says nothing of the public one, so it is None (unknown)."""
        found = self.of(broker)
        if found.source == "configured" or is_public(found.ip):
            return found.ip
        return None

    def _detected(self, broker: str) -> str | None:
        root = self.roots.get(broker)
        parts = urlsplit(root) if root else None
        if parts is None or not parts.hostname:
            return None
        now = time.monotonic()
        with self._guard:
            cached = self._cache.get(parts.hostname)
        if cached is not None and now - cached[0] < CACHE_SECS:
            return cached[1]
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = _lookups.submit(local_address_toward, parts.hostname, port).result(
                timeout=LOOKUP_TIMEOUT_SECS
            )
        except FutureTimeout:
            return None  # the lookup goes on; its answer is not cached (the next view asks)
        with self._guard:
            self._cache[parts.hostname] = (now, found)
        return found
