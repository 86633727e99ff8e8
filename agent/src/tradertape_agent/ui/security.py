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
random session cookie, kept in memory only (a restart asks again). A new PIN is at least
6 digits or a passphrase of at least 10 characters; a shorter one set before that rule
still opens the page (its owner is not shut out by an upgrade) and the settings page asks
for a longer one. Wrong PINs are counted per client address: five lock that address out,
for a minute the first time and twice as long each time after (up to a day), so a guesser
on the LAN locks out only itself and, at a day's wait, tries five PINs a day. A browser
with a valid session cookie is never asked again, so a locked address never locks out the
owner who is signed in.
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
#: Wrong PINs from one address before it waits.
MAX_TRIES = 5
#: An address's first wait; each lockout after it waits twice as long, up to `MAX_LOCKOUT_SECS`.
LOCKOUT_SECS = 60.0
MAX_LOCKOUT_SECS = 24 * 3600.0
#: Addresses remembered at once (a flood of new ones forgets those whose wait has ended).
MAX_ADDRESSES = 4096
MIN_PIN_DIGITS = 6
MIN_PASSPHRASE = 10
MAX_PIN_CHARS = 128
PIN_RULE = (
    f"pin: at least {MIN_PIN_DIGITS} digits,"
    f" or a passphrase of at least {MIN_PASSPHRASE} characters"
)


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
    """Why `pin` may not be set as a new PIN (None: it may)."""
    if len(pin) > MAX_PIN_CHARS or pin != pin.strip() or not pin.isprintable():
        return PIN_RULE
    digits = pin.isascii() and pin.isdigit()
    if (digits and len(pin) >= MIN_PIN_DIGITS) or (not digits and len(pin) >= MIN_PASSPHRASE):
        return None
    return PIN_RULE


@dataclass
class Misses:
    """One address's wrong PINs since its last wait, and its lockouts so far."""

    count: int = 0
    lockouts: int = 0
    until: float = 0.0


@dataclass
class Sessions:
    """Browsers that entered the PIN (random tokens, in memory), and each address's misses."""

    monotonic: Callable[[], float] = time.monotonic
    tokens: set[str] = field(default_factory=set)
    misses: dict[str, Misses] = field(default_factory=dict)

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

    def locked_for(self, address: str) -> float:
        """Seconds before `address` may try another PIN (0: now)."""
        found = self.misses.get(address)
        return 0.0 if found is None else max(0.0, found.until - self.monotonic())

    def missed(self, address: str) -> None:
        """A wrong PIN from `address`: its `MAX_TRIES`th starts a wait, doubling each time."""
        found = self.misses.get(address)
        if found is None:
            self._make_room()
            found = self.misses[address] = Misses()
        found.count += 1
        if found.count >= MAX_TRIES:
            wait = min(LOCKOUT_SECS * 2**found.lockouts, MAX_LOCKOUT_SECS)
            found.count, found.lockouts = 0, found.lockouts + 1
            found.until = self.monotonic() + wait

    def hit(self, address: str) -> None:
        """The right PIN from `address`: its record is forgotten."""
        self.misses.pop(address, None)

    def _make_room(self) -> None:
        if len(self.misses) < MAX_ADDRESSES:
            return
        now = self.monotonic()
        waiting = {a: m for a, m in self.misses.items() if m.until > now}
        # Quiet addresses go first, then the waits ending soonest. A forgotten address starts
        # its back-off again: filling the table takes 4,096 addresses guessing at once.
        keep = sorted(waiting, key=lambda a: waiting[a].until)[-(MAX_ADDRESSES - 1) :]
        self.misses = {a: waiting[a] for a in keep}
