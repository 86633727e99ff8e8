"""Faults the fake injects on request: rate limits, server errors, slow answers, dead sessions.

A fault applies to the next `count` broker requests that match its method and path prefix
(control and login routes never match). ``429`` and ``5xx`` answer before the request is
processed; ``timeout`` processes it (an order IS accepted) and then answers only after
`delay_secs`, past the client's timeout; ``session_expired`` kills every access token and
answers 403 as Kite does after a master logout.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("429", "500", "502", "503", "504", "timeout", "session_expired")


@dataclass(slots=True)
class Fault:
    """One armed fault."""

    kind: str
    count: int = 1
    delay_secs: float = 2.0
    method: str | None = None  # e.g. "POST"; None: any
    path_prefix: str = "/"

    def matches(self, method: str, path: str) -> bool:
        """Whether a request to `method` `path` triggers this fault."""
        return (self.method is None or self.method == method) and path.startswith(self.path_prefix)


class Faults:
    """The armed faults, consumed first-armed first."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> None:
        """Add a fault."""
        if fault.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        with self._lock:
            self._armed.append(fault)

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._armed.clear()

    def left(self) -> int:
        """How many more requests the armed faults will fail: what a test reads to count
        the requests a client made while they were armed."""
        with self._lock:
            return sum(fault.count for fault in self._armed)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request triggers (its count is spent), if any."""
        with self._lock:
            for fault in self._armed:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._armed.remove(fault)
                    return fault
        return None
