"""Apps, request tokens and access tokens of the fake Kite.

An app is an API key with its secret and registered redirect URL. The login page mints a
single-use request token; exchanging it (with the right checksum) mints an access token
that dies at the next 06:00 IST, as Kite's do.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from tradertape.fakebrokers.kite.errors import input_error, token_error
from tradertape.ports.clock import IST

DEFAULT_API_KEY = "kitefake"
DEFAULT_API_SECRET = "kitefakesecret"  # noqa: S105 - the fake's published demo secret
DEFAULT_REDIRECT = "http://127.0.0.1:8000/api/brokers/kite/callback"
USER_ID = "FK1234"
_ALPHABET = string.ascii_letters + string.digits


def _token() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(32))


def next_cutoff(at: datetime) -> datetime:
    """The next 06:00 IST after `at`: when an access token minted at `at` dies."""
    local = at.astimezone(IST)
    cutoff = datetime.combine(local.date(), time(6, 0), tzinfo=IST)
    return cutoff if cutoff > local else cutoff + timedelta(days=1)


@dataclass(slots=True)
class App:
    """A registered Kite Connect app."""

    api_key: str
    api_secret: str
    redirect_url: str


@dataclass(slots=True)
class Session:
    """One access token."""

    api_key: str
    expires_at: datetime
    public_token: str


class Sessions:
    """Apps, pending request tokens and live access tokens."""

    def __init__(self) -> None:
        self.apps: dict[str, App] = {}
        self._requests: dict[str, str] = {}  # request token → api key
        self._live: dict[str, Session] = {}  # access token → session
        self.logins = 0

    def register(self, api_key: str, api_secret: str, redirect_url: str) -> App:
        """Add or replace an app."""
        app = App(api_key, api_secret, redirect_url)
        self.apps[api_key] = app
        return app

    def login(self, api_key: str) -> tuple[App, str]:
        """Approve a login at once: the app and a fresh single-use request token."""
        app = self.apps.get(api_key)
        if app is None:
            raise input_error("Invalid `api_key`.")
        request_token = _token()
        self._requests[request_token] = api_key
        return app, request_token

    def exchange(
        self, *, api_key: str, request_token: str, checksum: str, now: datetime
    ) -> dict[str, Any]:
        """Swap a request token for an access token; the ``data`` of the session answer."""
        app = self.apps.get(api_key)
        if app is None:
            raise input_error("Invalid `api_key`.")
        if self._requests.get(request_token) != api_key:
            raise token_error("Token is invalid or has expired.")
        expected = hashlib.sha256((api_key + request_token + app.api_secret).encode()).hexdigest()
        if not secrets.compare_digest(expected.encode(), checksum.encode()):
            raise token_error("Invalid `checksum`.")
        del self._requests[request_token]  # single use, and only once the checksum is right
        access_token, public_token = _token(), _token()
        self._live[access_token] = Session(api_key, next_cutoff(now), public_token)
        self.logins += 1
        return {
            "user_type": "individual",
            "email": "fake@tradertape.local",
            "user_name": "Fake Trader",
            "user_shortname": "Fake",
            "broker": "ZERODHA",
            "exchanges": ["NSE", "BSE", "NFO"],
            "products": ["CNC", "NRML", "MIS", "MTF"],
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "avatar_url": None,
            "user_id": USER_ID,
            "api_key": api_key,
            "access_token": access_token,
            "public_token": public_token,
            "enctoken": _token(),
            "refresh_token": "",
            "silo": "",
            "login_time": now.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
            "meta": {"demat_consent": "physical"},
        }

    def authenticate(self, authorization: str | None, now: datetime) -> Session:
        """The session behind ``Authorization: token key:access_token``; 403 otherwise."""
        if not authorization or not authorization.startswith("token "):
            raise token_error()
        api_key, _, access_token = authorization[len("token ") :].partition(":")
        session = self._live.get(access_token)
        if session is None or session.api_key != api_key:
            raise token_error()
        if session.expires_at <= now:
            del self._live[access_token]
            raise token_error()
        return session

    def is_live(self, api_key: str, access_token: str, now: datetime) -> bool:
        """Whether `access_token` of `api_key` is a live session now (the ticker's handshake)."""
        session = self._live.get(access_token)
        return session is not None and session.api_key == api_key and session.expires_at > now

    def logout(self, access_token: str) -> bool:
        """Kill one access token."""
        return self._live.pop(access_token, None) is not None

    def expire_all(self) -> int:
        """Kill every access token (a master logout); how many died."""
        count = len(self._live)
        self._live.clear()
        return count
