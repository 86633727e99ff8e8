"""Kite sessions on the server: completing a login, and adapters for the account views.

A login ends at our callback with a single-use ``request_token``. Exchanging it needs
``sha256(api_key + request_token + api_secret)``: the server computes it only when the user
chose to store the secret (Class 0); otherwise the browser computes it (Browser Login) and
posts only the checksum, so the secret never reaches us. The access token is stored
encrypted with its 06:00 IST expiry.

``tradertape_brokers.kite`` (and the SDK under it) is imported on first use: a server that
never talks to Kite does not load it.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from tradertape.db.models import BrokerCredential, User
from tradertape.domain.brokers import BrokerName
from tradertape.errors import Conflict, InvalidField, ServiceUnavailable
from tradertape.ports.broker import Broker, BrokerSession, TransientBrokerError
from tradertape.ports.clock import Clock
from tradertape.services.brokers.credentials import BrokerCredentials, CredentialUpdate
from tradertape_brokers.pacing import RateLimiter
from tradertape_brokers.registry import Credentials, build_broker, new_limiter

KITE = BrokerName.KITE


class KiteLogin:
    """Turns a request token into a stored, encrypted Kite session."""

    def __init__(self, *, credentials: BrokerCredentials, clock: Clock, root: str) -> None:
        self._credentials = credentials
        self._clock = clock
        self._root = root

    def complete(
        self, db: Session, *, user: User, request_token: str, checksum: str | None = None
    ) -> BrokerCredential:
        """Exchange `request_token`; without `checksum`, compute it from the stored secret."""
        from tradertape_brokers.kite import LoginFailed, exchange_request_token
        from tradertape_brokers.kite import checksum as kite_checksum

        row = self._credentials.get(db, user_id=user.id, broker=KITE)
        if row is None:
            raise Conflict("save your Kite API key first (Settings → Brokers → Kite)")
        if not request_token:
            raise InvalidField("request_token", "Kite sent no request token")
        if checksum is None:
            secret = self._credentials.api_secret(db, user_id=user.id, broker=KITE)
            if secret is None:
                raise Conflict(
                    "no Kite API secret is stored: the browser computes the checksum "
                    "(POST /api/brokers/kite/session)"
                )
            checksum = kite_checksum(row.api_key, request_token, secret)
        try:
            session: BrokerSession = exchange_request_token(
                row.api_key, request_token, checksum, self._root, now=self._clock.now()
            )
        except LoginFailed as exc:
            raise InvalidField("request_token", str(exc)) from exc
        except TransientBrokerError as exc:
            raise ServiceUnavailable(f"kite did not answer: {exc}") from exc
        update = CredentialUpdate(
            api_key=row.api_key,
            access_token=session.access_token,
            access_token_expires_at=session.expires_at,
            broker_user_id=session.broker_user_id,
        )
        return self._credentials.save(db, user=user, broker=KITE, update=update)


class KiteConnector:
    """Builds a Kite adapter per request (by the registry), pacing each API key with one
    shared limiter."""

    def __init__(self, *, root: str, timeout_secs: float = 7.0) -> None:
        self._root = root
        self._timeout_secs = timeout_secs
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def __call__(self, *, api_key: str, access_token: str) -> Broker:
        """An adapter for one user's session."""
        with self._lock:
            limiter = self._limiters.get(api_key)
            if limiter is None:
                limiter = self._limiters[api_key] = new_limiter(KITE)
        credentials = Credentials(api_key=api_key, access_token=access_token, root=self._root)
        return build_broker(KITE, credentials, limiter=limiter, timeout_secs=self._timeout_secs)
