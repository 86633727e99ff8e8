"""Where a user logs in to their broker again, and how their session stands.

A broker whose row's login flow is `LoginFlow.REDIRECT` logs in through the browser: its
login page sends the user back to our callback with a single-use code. One whose flow is
`LoginFlow.API_KEY` has no redirect: its token is minted from the API key and a TOTP code
or the stored secret (reference §3.1; its `services.brokers.<name>_session`).
Only the API key, which every login URL carries, appears here; secrets and access tokens
never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from tradertape.domain.brokers import BROKERS, BrokerName, LoginFlow
from tradertape.ports.clock import IST, Clock
from tradertape.services.brokers.credentials import BrokerCredentials, BrokerStatus
from tradertape.services.brokers.login_state import LoginStates

KITE_LOGIN = "https://kite.zerodha.com/connect/login"
UPSTOX_ROOT = "https://api.upstox.com"
UPSTOX_DIALOG_PATH = "/v2/login/authorization/dialog"
#: What a user of a broker without a browser login does instead (its row's label, name
#: and cut-off filled in).
API_KEY_HOW = (
    "no browser login: {label} mints today's token from your API key. Send the current code "
    'of a TOTP key (POST /api/brokers/{name}/session {{"totp": "123456"}}), or, for an '
    'approval key whose secret you stored, {{"use_secret": true}} after approving it on the '
    "{label} Trade API keys page; the token lasts until {ends}"
)


def how_to_log_in(broker: BrokerName) -> str | None:
    """Instructions for a broker without a browser login; None for one with a link."""
    row = BROKERS[broker]
    if row.login is not LoginFlow.API_KEY:
        return None
    return API_KEY_HOW.format(label=row.label, name=row.name.value, ends=row.session_ends)


def redirect_url(public_base_url: str, broker: BrokerName) -> str:
    """The callback to register with the broker (shown on the Settings card)."""
    return f"{public_base_url.rstrip('/')}/api/brokers/{broker.value}/callback"


def login_url(
    broker: BrokerName,
    *,
    api_key: str,
    public_base_url: str,
    upstox_root: str = UPSTOX_ROOT,
    kite_login_url: str = KITE_LOGIN,
    state: str | None = None,
) -> str | None:
    """The broker's login page for this app key; ``None`` for a broker without one.

    `kite_login_url` and `upstox_root` are settings (a local fake in tests and demos).
    `state` (`services.brokers.login_state`) comes back to our callback: Kite echoes its
    ``redirect_params``, Upstox its ``state``.
    """
    if broker is BrokerName.KITE:  # the redirect is the one registered with the Kite app
        query: dict[str, str | int] = {"v": 3, "api_key": api_key}
        if state is not None:
            query["redirect_params"] = urlencode({"state": state})
        return f"{kite_login_url}?{urlencode(query)}"
    if broker is BrokerName.UPSTOX:  # Upstox wants the registered redirect repeated
        query = {
            "response_type": "code",
            "client_id": api_key,
            "redirect_uri": redirect_url(public_base_url, broker),
        }
        if state is not None:
            query["state"] = state
        return f"{upstox_root.rstrip('/')}{UPSTOX_DIALOG_PATH}?{urlencode(query)}"
    return None


@dataclass(frozen=True, slots=True)
class BrokerLogin:
    """One configured broker: its login link (or how to refresh it) and session state."""

    broker: BrokerName
    url: str | None
    how: str | None  # instructions when there is no link
    status: BrokerStatus


class BrokerLogins:
    """Login links for the brokers a user has stored credentials for."""

    def __init__(
        self,
        *,
        brokers: BrokerCredentials,
        public_base_url: str,
        upstox_root: str = UPSTOX_ROOT,
        kite_login_url: str = KITE_LOGIN,
        states: LoginStates,
        clock: Clock,
    ) -> None:
        self._brokers = brokers
        self._states = states
        self._clock = clock
        self._base_url = public_base_url
        self._upstox_root = upstox_root
        self._kite_login_url = kite_login_url

    def for_user(self, db: Session, *, user_id: int) -> list[BrokerLogin]:
        """Each configured broker, in a fixed order."""
        logins = []
        for broker in BrokerName:
            row = self._brokers.get(db, user_id=user_id, broker=broker)
            if row is None:
                continue
            url = login_url(
                broker,
                api_key=row.api_key,
                public_base_url=self._base_url,
                upstox_root=self._upstox_root,
                kite_login_url=self._kite_login_url,
                state=self._states.issue(user_id=user_id, broker=broker, now=self._clock.now()),
            )
            how = how_to_log_in(broker)
            logins.append(BrokerLogin(broker, url, how, self._brokers.status(row, broker)))
        return logins


def session_note(status: BrokerStatus, *, now: datetime) -> str:
    """The access token's state in words: valid until / expired at / none."""
    expires = status.access_token_expires_at
    if expires is None or status.status not in ("connected", "expired"):
        return "no access token"
    when = f"{expires.astimezone(IST):%H:%M IST %d %b}"
    return f"token valid until {when}" if expires > now else f"token expired at {when}"
