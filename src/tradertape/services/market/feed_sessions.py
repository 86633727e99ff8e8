"""Which stored broker session a live market feed connects with (Kite's and Upstox's alike).

A self-hosted install runs one feed for everybody, on the session of the first active user
with an unexpired access token, admins first (the install's first account is its admin),
then by user id. The token is decrypted here and handed to the feed only.

`StoredFeedSession` is a feed's whole source over the database: this session, made into the
feed's login, and the catalog's instruments the broker can name (each broker says how).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from sqlalchemy import select

from tradertape.db.engine import Database
from tradertape.db.models import BrokerCredential, User
from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments import Instrument
from tradertape.ports.clock import Clock
from tradertape.services.brokers.credentials import BrokerCredentials


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A user's live session at a broker (`user_id` is our user's)."""

    user_id: int
    api_key: str
    access_token: str = field(repr=False)


def first_live_session(
    *, db: Database, credentials: BrokerCredentials, clock: Clock, broker: BrokerName
) -> LiveSession | None:
    """The first live session at `broker`, admins first, then by user id."""
    query = (
        select(BrokerCredential.user_id, BrokerCredential.api_key)
        .join(User, User.id == BrokerCredential.user_id)
        .where(
            BrokerCredential.broker == broker.value,
            BrokerCredential.access_token_enc.is_not(None),
            BrokerCredential.access_token_expires_at > clock.now(),
            User.is_active.is_(True),
        )
        .order_by(User.is_admin.desc(), User.id)
    )
    with db.session() as session:
        for user_id, api_key in session.execute(query).all():
            token = credentials.access_token(session, user_id=user_id, broker=broker)
            if token:
                return LiveSession(user_id=user_id, api_key=api_key, access_token=token)
    return None


Login = TypeVar("Login")
Wanted = TypeVar("Wanted")


class StoredFeedSession(ABC, Generic[Login, Wanted]):
    """A live feed's source over the database (a broker's says `broker`, `_login`, `_select`
    and `instruments`)."""

    broker: ClassVar[BrokerName]

    def __init__(
        self,
        *,
        db: Database,
        credentials: BrokerCredentials,
        clock: Clock,
        instruments: Iterable[Instrument],
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._clock = clock
        self._wanted = self._select(instruments)

    def login(self) -> Login | None:
        """The first live session at the broker, admins first, then by user id."""
        live = first_live_session(
            db=self._db, credentials=self._credentials, clock=self._clock, broker=self.broker
        )
        return None if live is None else self._login(live)

    @staticmethod
    @abstractmethod
    def _select(instruments: Iterable[Instrument]) -> Wanted:
        """What the source keeps of the instruments to price (those the simulated feed prints)."""

    @staticmethod
    @abstractmethod
    def _login(live: LiveSession) -> Login:
        """The feed's login for a live session."""
