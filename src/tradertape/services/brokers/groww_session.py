"""Groww's logins: mint today's access token from the stored API key (Groww has no redirect).

Two key flows (reference §3.1): the user types the current TOTP code, or the server signs
a timestamp with the stored API secret (Groww's "approval" keys, approved daily on its
keys page). The token is stored encrypted with its expiry, 06:00 IST the next morning.
The adapter (``tradertape_brokers.groww``, which loads the growwapi SDK) is imported only
when a Groww call is made, so servers without Groww users never pay for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradertape.db.models import User
from tradertape.domain.brokers import BrokerName
from tradertape.errors import BadRequest, InvalidField, NotFound, ServiceUnavailable
from tradertape.ports.broker import Broker, BrokerError, TransientBrokerError
from tradertape.ports.clock import Clock
from tradertape.security.vault import Vault
from tradertape.services.brokers.credentials import BrokerCredentials, CredentialUpdate
from tradertape_brokers.pacing import RateLimiter
from tradertape_brokers.registry import Credentials, build_broker, new_limiter


@dataclass(frozen=True, slots=True)
class GrowwLogin:
    """How to mint the token: a TOTP code, or the stored secret (exactly one)."""

    totp: str | None = None
    use_secret: bool = False


class GrowwSessions:
    """Mints and stores Groww access tokens for users who saved a Groww API key."""

    def __init__(
        self, *, credentials: BrokerCredentials, vault: Vault, clock: Clock, root: str
    ) -> None:
        self._credentials = credentials
        self._vault = vault
        self._clock = clock
        self._root = root

    def log_in(self, db: Session, *, user: User, login: GrowwLogin) -> None:
        """Mint a token by `login`'s flow and store it (commits); errors name the field."""
        from tradertape_brokers.groww import access_token_from_secret, access_token_from_totp

        row = self._credentials.get(db, user_id=user.id, broker=BrokerName.GROWW)
        if row is None:
            raise NotFound("no Groww API key stored: save it under Settings → Brokers first")
        field = "totp" if login.totp is not None else "use_secret"
        try:
            if login.totp is not None:
                session = access_token_from_totp(
                    row.api_key, login.totp, self._root, now=self._clock.now
                )
            else:
                if row.api_secret_enc is None:
                    raise BadRequest("no Groww API secret stored: send a TOTP code instead")
                secret = self._vault.decrypt(row.api_secret_enc)
                session = access_token_from_secret(
                    row.api_key, secret, self._root, now=self._clock.now
                )
        except TransientBrokerError as exc:
            raise ServiceUnavailable(f"Groww did not answer: {exc}") from exc
        except BrokerError as exc:  # SessionExpired included: the key or code was refused
            raise InvalidField(field, f"Groww refused the login ({exc})") from exc
        update = CredentialUpdate(
            api_key=row.api_key,
            access_token=session.access_token,
            access_token_expires_at=session.expires_at,
        )
        self._credentials.save(db, user=user, broker=BrokerName.GROWW, update=update)


class GrowwConnector:
    """Builds a Groww adapter per session (by the registry); one rate limiter per API key,
    shared by calls."""

    def __init__(self, *, root: str, timeout_secs: float = 10.0) -> None:
        self._root = root
        self._timeout = timeout_secs
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def __call__(self, *, api_key: str, access_token: str) -> Broker:
        """An adapter for this session (the account views call it per fetch)."""
        with self._lock:
            limiter = self._limiters.get(api_key)
            if limiter is None:
                limiter = self._limiters[api_key] = new_limiter(BrokerName.GROWW)
        credentials = Credentials(api_key=api_key, access_token=access_token, root=self._root)
        return build_broker(
            BrokerName.GROWW,
            credentials,
            timeout_secs=self._timeout,
            limiter=limiter,
            attempts=3,  # two retries
        )
