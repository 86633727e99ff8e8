"""The fake's login state: single-use codes, access tokens dying at 03:30 IST, and faults."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tradertape.domain.brokers import BrokerName, access_token_expiry


@dataclass(slots=True)
class Fault:
    """A failure to inject into the next `count` matching requests."""

    kind: str  # "429" | "500" | "503" | "timeout"
    count: int
    path: str  # requests whose path starts with this
    delay_secs: float  # for "timeout": how long to sit on the reply after doing the work


class Sessions:
    """Codes, tokens and the fault queue."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self._codes: dict[str, tuple[str, str]] = {}  # code → (client_id, redirect_uri)
        self._tokens: dict[str, datetime] = {}  # token → expiry
        self.faults: list[Fault] = []

    def issue_code(self, client_id: str, redirect_uri: str) -> str:
        """A fresh single-use authorization code."""
        code = secrets.token_urlsafe(8)
        self._codes[code] = (client_id, redirect_uri)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str) -> str | None:
        """A new access token for a valid code (the code is spent either way)."""
        issued = self._codes.pop(code, None)
        if issued != (client_id, redirect_uri):
            return None
        token = secrets.token_urlsafe(24)
        self._tokens[token] = access_token_expiry(BrokerName.UPSTOX, self.now())
        return token

    def valid(self, token: str) -> bool:
        """Whether `token` is known and not past its 03:30 IST expiry."""
        expires = self._tokens.get(token)
        return expires is not None and self.now() < expires

    def expire_all(self) -> int:
        """Kill every live token (a mid-day session expiry); returns how many."""
        count = len(self._tokens)
        self._tokens.clear()
        return count

    def take_fault(self, path: str) -> Fault | None:
        """The first queued fault matching `path`, consumed once."""
        for fault in self.faults:
            if path.startswith(fault.path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None
