"""Upstox sessions on the server: completing the browser login, and adapters for the views.

Upstox's token endpoint wants the app's secret itself with the code (reference §2.1): no
checksum the browser could compute instead, as Kite's. So the secret comes from one of three
places: stored encrypted (Class 0; the callback completes the login), typed into the browser
for this one exchange (``POST /api/brokers/upstox/session``: it passes through the server
once and is never stored), or held by the agent (the relay: the code goes to the agent,
which exchanges it). The access token is stored encrypted with its 03:30 IST expiry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from tradertape.db.models import User
from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.ports.broker import Broker, BrokerError, TransientBrokerError
from tradertape.ports.clock import Clock
from tradertape.security.vault import Vault
from tradertape.services.brokers.credentials import BrokerCredentials, CredentialUpdate
from tradertape.services.brokers.login import redirect_url
from tradertape_brokers.registry import Credentials, build_broker

if TYPE_CHECKING:  # the SDK loads on first use: a server without Upstox users never pays for it
    from tradertape.db.engine import Database
    from tradertape.services.brokers.upstox_keys import CatalogKeys

#: The catalog as it stands now (the shipped instruments and every imported dump's).
CurrentCatalog = Callable[[], InstrumentCatalog]


class UpstoxLoginFailed(Exception):
    """The login could not complete; `reason` is a short code for the settings page."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def stored_catalog(db: Database, catalog: Callable[[Session], InstrumentCatalog]) -> CurrentCatalog:
    """`catalog` (the shipped instruments with the imported dumps merged over them, as
    `services.market.instruments.build_catalog`) read in a session of its own, for a
    caller that holds none (an adapter naming an instrument)."""

    def current() -> InstrumentCatalog:
        with db.session() as session:
            return catalog(session)

    return current


@dataclass(frozen=True, slots=True)
class UpstoxLogin:
    """Completes ``/api/brokers/upstox/callback``: the dialog's code → a stored session."""

    credentials: BrokerCredentials
    vault: Vault
    clock: Clock
    root: str
    public_base_url: str

    def complete(
        self, db: Session, *, user: User, code: str, api_secret: str | None = None
    ) -> datetime:
        """Exchange `code` and store the token; returns when it expires.

        `api_secret` is the browser's, used for this exchange only; without it, the stored one.
        """
        row = self.credentials.get(db, user_id=user.id, broker=BrokerName.UPSTOX)
        if row is None:
            raise UpstoxLoginFailed("not_configured", "save the Upstox API key first")
        if api_secret is not None:
            secret = api_secret
        elif row.api_secret_enc is not None:
            secret = self.vault.decrypt(row.api_secret_enc)
        else:
            raise UpstoxLoginFailed(
                "no_secret",
                "Upstox's token exchange needs the API secret: type it at the login "
                "(POST /api/brokers/upstox/session) or hand the code to your agent",
            )
        from tradertape_brokers.upstox import exchange_code

        callback = redirect_url(self.public_base_url, BrokerName.UPSTOX)
        try:
            session = exchange_code(
                row.api_key, secret, code, callback, self.root, now=self.clock.now
            )
        except TransientBrokerError as exc:
            raise UpstoxLoginFailed("unreachable", str(exc)) from exc
        except BrokerError as exc:
            raise UpstoxLoginFailed("rejected", str(exc)) from exc
        update = CredentialUpdate(
            api_key=row.api_key,
            access_token=session.access_token,
            access_token_expires_at=session.expires_at,
            broker_user_id=session.broker_user_id,
        )
        self.credentials.save(db, user=user, broker=BrokerName.UPSTOX, update=update)
        return session.expires_at


class UpstoxConnector:
    """Builds (and reuses, per token) the adapter `AccountViews` reads a user's account with."""

    def __init__(
        self,
        *,
        root: str,
        catalog: InstrumentCatalog | CurrentCatalog,
        timeout_secs: float = 10.0,
    ) -> None:
        """`catalog` is the catalog the adapters name instruments from: a fixed one, or
        (the server's) a reader of the current one, imported contracts included."""
        self._root = root
        self._timeout = timeout_secs
        if isinstance(catalog, InstrumentCatalog):
            fixed = catalog
            self._catalog: CurrentCatalog = lambda: fixed
        else:
            self._catalog = catalog
        self._keys: CatalogKeys | None = None
        self._adapters: dict[str, Broker] = {}
        self._lock = threading.Lock()

    def _instrument_keys(self) -> CatalogKeys:
        """One map for every session's adapter (a contract learned for one is known to
        all), made on first use: its module loads the SDK."""
        if self._keys is None:
            from tradertape.services.brokers.upstox_keys import CatalogKeys

            self._keys = CatalogKeys(self._catalog)
        return self._keys

    def __call__(self, *, api_key: str, access_token: str) -> Broker:
        """The adapter for this token (one SDK client per live session), by the registry."""
        with self._lock:
            adapter = self._adapters.get(access_token)
            if adapter is None:
                if len(self._adapters) > 256:  # tokens die daily; forget old ones
                    self._adapters.clear()
                adapter = build_broker(
                    BrokerName.UPSTOX,
                    Credentials(api_key=api_key, access_token=access_token, root=self._root),
                    instrument_keys=self._instrument_keys(),
                    timeout_secs=self._timeout,
                )
                self._adapters[access_token] = adapter
            return adapter


def settings_location(
    broker: BrokerName, *, reason: str | None = None, login: str | None = None, **more: str
) -> str:
    """Where the browser lands after a login: the brokers settings page, with the outcome."""
    outcome = login or ("ok" if reason is None else "failed")
    query = {"broker": broker.value, "login": outcome, **more}
    if reason is not None:
        query["reason"] = reason
    return f"/settings/brokers?{urlencode(query)}"


def upstox_callback(
    login: UpstoxLogin, db: Session, *, user: User, code: str | None, state: str
) -> str:
    """Complete the login from the callback's query; returns the settings page to land on.

    Without a stored secret the browser is sent on with the code and the login's `state`
    (``login=code``): the user types the secret there for one exchange, or hands the code
    to the agent.
    """
    if not code:
        return settings_location(BrokerName.UPSTOX, reason="no_code")
    row = login.credentials.get(db, user_id=user.id, broker=BrokerName.UPSTOX)
    if row is not None and row.api_secret_enc is None:
        return settings_location(BrokerName.UPSTOX, login="code", code=code, state=state)
    try:
        login.complete(db, user=user, code=code)
    except UpstoxLoginFailed as exc:
        return settings_location(BrokerName.UPSTOX, reason=exc.reason)
    return settings_location(BrokerName.UPSTOX)
