"""The broker's login flow: today's `BrokerSession`, dying at its daily cut-off.

A redirect flow exchanges the one-time code the broker's login page sent to our callback
(with the API secret); an API-key flow mints the token from the key and a TOTP code or the
key's secret. Either way the session carries when the token dies, the broker's cut-off in
IST (the server's row, ``session_ends_at``, says the same and the conformance suite holds
the two together).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tradertape_brokers.port import BrokerSession

#: The broker's API; the fake serves elsewhere (the adapter takes a ``root``).
DEFAULT_ROOT = "https://api.broker.example"


def exchange_code(
    api_key: str, api_secret: str, code: str, root: str, *, now: Callable[[], datetime]
) -> BrokerSession:
    """Today's session for the one-time `code` of a redirect login (`now` stamps it)."""
    raise NotImplementedError("the broker's token exchange: POST its session route")
