"""What a live broker feed does whatever the broker (Kite's, Upstox's): one session at a time,
its instruments subscribed, each tick published on ``ticks.<KEY>`` as the simulated feed does.

A broker's feed says how to open its client, which credentials a refusal condemns and how its
messages become ticks. This holds the rest: the wait for a session (`serve_sessions`), the
connection's life, the refusal, and the publishing; a failed publish (the bus unreachable, a
Redis restart) is logged and never raised, since it must not take the connection down and
the next tick is due soon.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from typing import ClassVar, Generic, Protocol, TypeVar

from tradertape.domain.market import Tick
from tradertape.feed.codec import tick_to_message
from tradertape.feed.sessions import serve_sessions
from tradertape.feed.simulated import ticks_topic
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock

log = logging.getLogger("tradertape.feed")

Sleep = Callable[[float], Awaitable[None]]


class FeedLogin(Protocol):
    """A live session at a broker: whose it is (our user's id) is all the feed reads of it."""

    @property
    def user_id(self) -> int: ...


class FeedClient(Protocol):
    """A broker's socket client: connected, reconnected and decoded by itself until closed."""

    async def run(self) -> None: ...

    async def close(self) -> None: ...


Login = TypeVar("Login", bound=FeedLogin)
Login_co = TypeVar("Login_co", bound=FeedLogin, covariant=True)
Name = TypeVar("Name")  # the broker's name of an instrument (Kite's token, Upstox's key)
Wanted = TypeVar("Wanted")  # what the feed keeps of an instrument it subscribes
Wanted_co = TypeVar("Wanted_co", covariant=True)
Client = TypeVar("Client", bound=FeedClient)


class FeedSource(Protocol[Login_co, Name, Wanted_co]):
    """Where a feed finds its session and its instruments (the database, in the server)."""

    def login(self) -> Login_co | None:
        """The session to connect with, if any user has a live one."""
        ...

    def instruments(self) -> Mapping[Name, Wanted_co]:
        """The broker's name → what the feed keeps, of every instrument to subscribe."""
        ...


class BrokerFeed(ABC, Generic[Login, Name, Wanted, Client]):
    """Publishes a broker's ticks on ``ticks.<KEY>`` for as long as it runs."""

    name: ClassVar[str]  # in the log: "kite feed: …"
    broker: ClassVar[str]  # the broker as people name it: "Kite"
    auth_error: ClassVar[type[Exception]]  # what the client raises when the broker refuses
    no_instruments: ClassVar[str]  # why the feed waits with a session but nothing to subscribe

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        source: FeedSource[Login, Name, Wanted],
        wait_secs: float,
        sleep: Sleep,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._source = source
        self._wait_secs = wait_secs
        self._sleep = sleep
        self._wanted: dict[Name, Wanted] = {}
        self._login: Login | None = None
        self._last: dict[str, Tick] = {}
        self._refused: object = None  # the credentials of the last session the broker refused
        self.client: Client | None = None
        self.published = 0

    @property
    def subscriptions(self) -> int:
        """How many instruments the current session subscribed (0 without one)."""
        return len(self._wanted) if self.client is not None else 0

    async def reconnect(self) -> None:
        """Drop the current connection (the watchdog found it silent): the session loop opens
        a new one with the stored session, which may be a newer token, and subscribes again."""
        client = self.client
        if client is not None:
            log.warning("%s feed: reconnecting a silent connection", self.name)
            await client.close()

    def last(self, key: str) -> Tick | None:
        """The last tick published for `key` (ours, ``NSE:INFY``), if any."""
        return self._last.get(key)

    async def run(self) -> None:
        """Connect with a live session and publish until cancelled; wait while there is none."""
        await serve_sessions(
            name=self.name,
            login=self._source.login,
            instruments=self._source.instruments,
            refused=lambda login: self._credentials(login) == self._refused,
            session=self._session,
            sleep=self._sleep,
            wait_secs=self._wait_secs,
            no_session=f"no user has a live {self.broker} session",
            no_instruments=self.no_instruments,
        )

    @abstractmethod
    def _credentials(self, login: Login) -> object:
        """What of `login` the broker refused: a session with the same is not tried again."""

    @abstractmethod
    async def _open(self, login: Login) -> Client:
        """A client for `login`, subscribed to the instruments of the session (`_wanted`)."""

    async def _session(self, login: Login, wanted: Mapping[Name, Wanted]) -> None:
        self._login, self._wanted = login, dict(wanted)
        client = await self._open(login)
        self.client = client
        log.info("%s feed: %d instruments for user %d", self.name, len(wanted), login.user_id)
        try:
            await client.run()
        except self.auth_error:
            log.warning(
                "%s feed: %s refused the session of user %d", self.name, self.broker, login.user_id
            )
            self._refused = self._credentials(login)
        finally:
            self.client = None
            await client.close()

    async def _publish(self, key: str, tick: Tick) -> None:
        """Publish `tick` of our instrument `key` (kept as its last tick even if that fails)."""
        self._last[key] = tick
        try:
            await self._bus.publish(ticks_topic(key), tick_to_message(tick))
        except Exception:  # the bus unreachable (a Redis restart): the next tick is due soon
            log.exception("%s feed: publishing a tick of %s failed", self.name, key)
            return
        self.published += 1
