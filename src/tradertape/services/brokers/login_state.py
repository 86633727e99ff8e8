"""The ``state`` a broker login carries out to the broker and back to our callback.

Without it the callback would complete any login that reaches it: an attacker could send a
signed-in victim a callback link holding the attacker's own request token, and the victim's
TraderTape would trade the attacker's broker account (login CSRF). The state is an HMAC of
the user, the broker and the time it was issued, so only a login started from this user's
own link (Settings, the Telegram ``/login`` reply) completes. It needs no storage: a state
is good for `STATE_TTL`, as long as a link may sit unopened in a chat.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from tradertape.domain.brokers import BrokerName
from tradertape.security.keys import derive_key
from tradertape.security.tokens import digests_equal

STATE_TTL = timedelta(hours=12)
_SKEW = timedelta(minutes=1)  # a state from a clock a little ahead is still ours


@dataclass(frozen=True, slots=True)
class LoginStates:
    """Issues and checks login states with a key derived from the server secret."""

    key: bytes

    def issue(self, *, user_id: int, broker: BrokerName, now: datetime) -> str:
        """A state for a login this user starts now."""
        issued = int(now.timestamp())
        return f"{issued}.{self._sign(user_id, broker, issued)}"

    def valid(self, state: str | None, *, user_id: int, broker: BrokerName, now: datetime) -> bool:
        """Whether `state` was issued to this user for this broker, and is still fresh."""
        issued_text, _, signature = (state or "").partition(".")
        if not (issued_text.isascii() and issued_text.isdigit()) or not signature:
            return False
        issued = int(issued_text)
        expected = self._sign(user_id, broker, issued)
        if not digests_equal(signature, expected):
            return False
        age = now - datetime.fromtimestamp(issued, tz=now.tzinfo)
        return -_SKEW <= age <= STATE_TTL

    def _sign(self, user_id: int, broker: BrokerName, issued: int) -> str:
        message = f"{user_id}:{broker.value}:{issued}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:32]


def login_states(secret: str) -> LoginStates:
    """The server's login states (the key is derived from its secret for this use only)."""
    return LoginStates(derive_key(secret, "broker-login-state"))
