"""What a live broker feed does whatever the broker (Kite's, Upstox's): one session at a time,
its instruments subscribed, each tick published on ``ticks.<KEY>`` as the simulated feed does.

A broker's feed says how to open its client, which credentials a refusal condemns and how its
messages become ticks. This holds the rest: the wait for a session (`serve_sessions`), the
connection's life, the refusal, and the publishing; a failed publish (the bus unreachable, a
Redis restart) is logged and never raised, since it must not take the connection down and
the next tick is due soon.

A refused session is tried again with back-off (30 s, 60 s … 10 min, on the injected clock),
not at once and not never: a socket refused (403) after the broker's nightly maintenance
takes the same token again once the broker is back, and an expired token costs one refused
handshake every ten minutes until someone logs in again. `link` tells the feed watchdog
whether a connection is open, being reopened, refused, or absent; `heard_at` when its socket
last ticked. With a quote reader (`quotes`), the feed also serves `feed.rest_fill.RestFill`:
the current session's adapter for REST quotes, and `fill`, which publishes a price so fetched
as a socket tick is published but leaves `heard_at` alone.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from tradertape.domain.market import Tick
from tradertape.feed.codec import tick_to_message
from tradertape.feed.rest_fill import QuoteReader, quote_tick
from tradertape.feed.sessions import serve_sessions
from tradertape.feed.simulated import ticks_topic
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock
from tradertape_brokers.reconnect import Backoff

log = logging.getLogger("tradertape.feed")

Sleep = Callable[[float], Awaitable[None]]
#: How long a refused session waits before its next handshake, by refusals in a row.
REFUSAL_BACKOFF = Backoff(initial_secs=30.0, factor=2.0, max_secs=600.0)


class FeedLink(StrEnum):
    """A broker feed's connection, as the watchdog reads it."""

    OPEN = "open"  # connected and subscribed
    CONNECTING = "connecting"  # the client is (re)opening it, backing off between tries
    REFUSED = "refused"  # the broker refused the handshake; tried again with back-off
    NONE = "none"  # no session to connect with


class FeedLogin(Protocol):
    """A live session at a broker: whose it is (our user's id) is all the feed reads of it."""

    @property
    def user_id(self) -> int: ...


class FeedClient(Protocol):
    """A broker's socket client: connected, reconnected and decoded by itself until closed."""

    @property
    def connected(self) -> asyncio.Event: ...  # set while a connection is open and subscribed

    async def run(self) -> None: ...

    async def close(self) -> None: ...


Login = TypeVar("Login", bound=FeedLogin)
Login_co = TypeVar("Login_co", bound=FeedLogin, covariant=True)
Name = TypeVar("Name")  # the broker's name of an instrument (Kite's token, Upstox's key)
Wanted = TypeVar("Wanted")  # what the feed keeps of an instrument it subscribes
Wanted_co = TypeVar("Wanted_co", covariant=True)
Client = TypeVar("Client", bound=FeedClient)
#: The broker adapter for a session's REST quotes, given the session and its instruments.
QuoteReaders = Callable[[Login, Mapping[Name, Wanted]], QuoteReader]


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
        quotes: QuoteReaders[Login, Name, Wanted] | None = None,
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
        self._refusals = 0  # refusals in a row of those credentials
        self._retry_at: datetime | None = None  # not before: `REFUSAL_BACKOFF`
        self.client: Client | None = None
        self._reopening = False  # `reconnect` closed the client; the session loop opens anew
        self.published = 0
        self.handshakes_refused = 0
        self.heard_at: datetime | None = None  # the last socket tick's arrival (the clock)
        self._quotes = quotes
        self._reader: tuple[Login, Mapping[Name, Wanted], QuoteReader] | None = None

    @property
    def can_fill(self) -> bool:
        """Whether this feed can fill its prices from the broker's REST quote."""
        return self._quotes is not None

    def quote_reader(self) -> QuoteReader | None:
        """The broker adapter for the session's REST quotes (made once per session), or None
        without a session or a quote reader. A session the store no longer holds (logged
        out, expired: `FeedLink.NONE`) is not used: the broker would refuse its token."""
        login, wanted = self._login, self._wanted
        if self._quotes is None or login is None or not wanted or self.link is FeedLink.NONE:
            return None
        made = self._reader
        if made is None or made[0] is not login or made[1] is not wanted:
            made = self._reader = (login, wanted, self._quotes(login, wanted))
        return made[2]

    @abstractmethod
    def token_of(self, key: str) -> int | None:
        """The instrument token of our subscribed instrument `key`."""

    def rest_tick(self, key: str, quote: Mapping[str, Any], at: datetime) -> Tick | None:
        """The tick a REST quote of our subscribed instrument `key` says, stamped `at`."""
        token = self.token_of(key)
        if token is None:
            return None
        return quote_tick(key, token, quote, at, self.last(key))

    async def fill(self, key: str, tick: Tick) -> None:
        """Publish a price fetched from the REST quote: as a socket tick, but not heard."""
        await self._send(key, tick)

    @property
    def link(self) -> FeedLink:
        """Whether a connection is open, being reopened, refused, or absent (no session)."""
        client = self.client
        if client is None:
            if self._reopening:
                return FeedLink.CONNECTING
            return FeedLink.REFUSED if self._refusals else FeedLink.NONE
        return FeedLink.OPEN if client.connected.is_set() else FeedLink.CONNECTING

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
            self._reopening = True
            await client.close()

    def last(self, key: str) -> Tick | None:
        """The last tick published for `key` (ours, ``NSE:INFY``), if any."""
        return self._last.get(key)

    async def run(self) -> None:
        """Connect with a live session and publish until cancelled; wait while there is none."""
        await serve_sessions(
            name=self.name,
            login=self._find_login,
            instruments=self._source.instruments,
            refused=self._waits_after_refusal,
            session=self._session,
            sleep=self._sleep,
            wait_secs=self._wait_secs,
            no_session=f"no user has a live {self.broker} session",
            no_instruments=self.no_instruments,
        )

    def _find_login(self) -> Login | None:
        found = self._source.login()
        if found is None:
            self._reopening = False  # nothing to reopen with: down
        return found

    def _waits_after_refusal(self, login: Login) -> bool:
        """Whether `login` was refused and its back-off has not run out."""
        if self._credentials(login) != self._refused or self._retry_at is None:
            return False
        waits = self._clock.now() < self._retry_at
        self._reopening = self._reopening and not waits
        return waits

    def _was_refused(self, login: Login) -> None:
        self._reopening = False
        credentials = self._credentials(login)
        self._refusals = self._refusals + 1 if credentials == self._refused else 1
        self._refused = credentials
        wait = REFUSAL_BACKOFF.delay(self._refusals)
        self._retry_at = self._clock.now() + timedelta(seconds=wait)
        self.handshakes_refused += 1
        log.warning(
            "%s feed: %s refused the session of user %d (%d in a row): next try in %.0f s",
            self.name,
            self.broker,
            login.user_id,
            self._refusals,
            wait,
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
        self.client, self._reopening = client, False
        log.info("%s feed: %d instruments for user %d", self.name, len(wanted), login.user_id)
        try:
            await client.run()
        except self.auth_error:
            self._was_refused(login)
        finally:
            self.client = None
            await client.close()

    async def _publish(self, key: str, tick: Tick) -> None:
        """Publish `tick` of our instrument `key`, from the socket (heard, even if the
        publish fails)."""
        self.heard_at = self._clock.now()
        if self._refusals:  # the broker takes the session again
            self._refused, self._refusals, self._retry_at = None, 0, None
        await self._send(key, tick)

    async def _send(self, key: str, tick: Tick) -> None:
        """Publish `tick` (kept as the instrument's last tick even if that fails)."""
        self._last[key] = tick
        try:
            await self._bus.publish(ticks_topic(key), tick_to_message(tick))
        except Exception:  # the bus unreachable (a Redis restart): the next tick is due soon
            log.exception("%s feed: publishing a tick of %s failed", self.name, key)
            return
        self.published += 1
