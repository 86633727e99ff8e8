"""Who may talk to the local UI: Host and Origin checks, and the optional PIN.

The seed leaves the UI open on the LAN with no authentication. Two attacks need no password
at all and are refused here:

- DNS rebinding: a web page's own name re-pointed at this machine reaches the UI with a foreign
  ``Host``; only this machine's names and addresses (and the configured list) are answered.
- Cross-site requests: a page the user visits posts to ``http://localhost:5679`` (an approval,
  a settings change). Every write must come from the UI's own page: ``Sec-Fetch-Site`` when the
  browser sends it is ``same-origin``, an ``Origin`` must be the UI's own, and the body must be
  JSON (which a foreign page cannot send without a CORS preflight the UI never grants).

A PIN (hashed with scrypt in the settings) may be set; once entered the browser holds a
random session cookie, kept in memory only (a restart asks again).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

COOKIE = "tt_agent_session"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Wrong PINs before the UI stops trying them for `LOCKOUT_SECS`.
MAX_TRIES = 5
LOCKOUT_SECS = 60.0


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, lower-cased, without its port (IPv6 brackets kept off)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def machine_names(hostname: str | None = None) -> set[str]:
    """This machine's names and addresses: loopback, its hostname and ``<hostname>.local``,
    and every address its hostname resolves to plus the one its default route leaves from."""
    name = (hostname or socket.gethostname()).lower()
    short = name.split(".", 1)[0]
    found = {"localhost", "127.0.0.1", "::1", name, short, f"{short}.local"}
    try:
        for info in socket.getaddrinfo(name, None):
            found.add(str(info[4][0]).split("%", 1)[0].lower())
    except OSError:
        pass
    try:  # the LAN address: connecting a UDP socket sends nothing
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            found.add(str(probe.getsockname()[0]))
    except OSError:
        pass
    return found


def is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name == "localhost" or name.endswith(".localhost")


@dataclass
class HostCheck:
    """The names the UI answers to."""

    allowed: set[str]

    @classmethod
    def for_machine(cls, extra: Iterable[str] = (), hostname: str | None = None) -> HostCheck:
        return cls(machine_names(hostname) | {host_name(h) for h in extra if h.strip()})

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        name = host_name(host_header)
        return name in self.allowed or is_loopback(name)


def write_refusal(
    method: str,
    host_header: str,
    origin: str | None,
    fetch_site: str | None,
    content_type: str | None,
) -> str | None:
    """Why a write must be refused (None: it may go on). Reads pass."""
    if method.upper() not in WRITES:
        return None
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return "Refused: this request came from another site"
    if origin is not None:
        parts = urlsplit(origin)
        if origin == "null" or (parts.netloc or "").lower() != host_header.strip().lower():
            return "Refused: this request came from another site"
    if (content_type or "").split(";", 1)[0].strip().lower() != "application/json":
        return "Refused: the agent UI only accepts JSON"
    return None


# -- the PIN ------------------------------------------------------------------------------------

_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, salt: str | None = None) -> str:
    """``scrypt$<salt>$<hex>`` of `pin` (salt random unless given)."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt.encode(), n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${salt}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    kind, _, rest = stored.partition("$")
    salt, _, _digest = rest.partition("$")
    if kind != "scrypt" or not salt:
        return False
    return hmac.compare_digest(hash_pin(pin, salt), stored)


def pin_problem(pin: str) -> str | None:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        return "pin: 4 to 12 digits"
    return None


@dataclass
class Sessions:
    """Browsers that entered the PIN (random tokens, in memory), and wrong tries in a row."""

    monotonic: Callable[[], float] = time.monotonic
    tokens: set[str] = field(default_factory=set)
    misses: int = 0
    locked_until: float = 0.0

    def open(self) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens.add(token)
        return token

    def valid(self, token: str | None) -> bool:
        return bool(token) and any(hmac.compare_digest(token or "", t) for t in self.tokens)

    def close(self, token: str | None) -> None:
        self.tokens.discard(token or "")

    def clear(self) -> None:
        self.tokens.clear()

    def locked_for(self) -> float:
        """Seconds before another PIN may be tried (0: now)."""
        return max(0.0, self.locked_until - self.monotonic())

    def missed(self) -> None:
        self.misses += 1
        if self.misses >= MAX_TRIES:
            self.misses = 0
            self.locked_until = self.monotonic() + LOCKOUT_SECS

    def hit(self) -> None:
        self.misses = 0
