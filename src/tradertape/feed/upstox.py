"""The Upstox feed: live ticks from Upstox's market data feed (V3), on the simulated feed's path.

With ``TRADERTAPE_FEED=upstox`` the process that leads runs this instead of `SimulatedFeed`:
it takes a live Upstox session from an `UpstoxFeedSource` (the stored token of the admin or
first user with one, as the Kite feed does), subscribes in full mode to the instruments the
platform prices (those the simulated feed would print, by their ``NSE_EQ|<ISIN>`` and
``NSE_INDEX|<name>`` keys), turns every feed of every frame into a `Tick` and publishes it on
``ticks.<KEY>`` exactly as the simulated and Kite feeds do, so ``WS /api/ws/ticks``, GTTs,
protection and workers run on those prices unchanged.

Without a session the feed logs it and looks again every ``wait_secs``; a token Upstox
refuses (it expires at 03:30 IST) is not tried again until a new one is stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from tradertape.domain.market import DepthLevel, Tick
from tradertape.feed.broker_feed import BrokerFeed, FeedSource, QuoteReaders, Sleep
from tradertape.feed.rest_fill import QuoteReader
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock
from tradertape_brokers.reconnect import Backoff
from tradertape_brokers.upstox.adapter import UpstoxBroker
from tradertape_brokers.upstox.keys import InstrumentKeys
from tradertape_brokers.upstox_feed import (
    Feed,
    FeedFrame,
    FrameType,
    IndexFull,
    Ltpc,
    MarketFull,
    Mode,
    Quote,
    ltpc_of,
)
from tradertape_brokers.upstox_feed.client import DEFAULT_ROOT, FeedAuthError, UpstoxFeedClient

log = logging.getLogger("tradertape.feed")


@dataclass(frozen=True, slots=True)
class UpstoxFeedLogin:
    """A live Upstox session the feed connects with (`user_id` is our user's)."""

    user_id: int
    access_token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class FeedInstrument:
    """Our key and instrument token for an Upstox instrument key."""

    key: str
    instrument_token: int


#: Where the feed finds its session, and the Upstox key (``NSE_EQ|INE009A01021``) → our
#: instrument of every one to subscribe (the database, in the server).
UpstoxFeedSource = FeedSource[UpstoxFeedLogin, str, FeedInstrument]


@dataclass(frozen=True, slots=True)
class UpstoxFeedConfig:
    """How the Upstox feed connects.

    Parameters
    ----------
    root
        The API root the authorize endpoint is under (``TRADERTAPE_UPSTOX_ROOT``).
    mode
        Subscription mode: full carries the depth the paper exchange fills against.
    wait_secs
        How often to look again for a session when there is none.
    """

    root: str = DEFAULT_ROOT
    mode: Mode = Mode.FULL
    wait_secs: float = 30.0
    backoff: Backoff = field(default_factory=Backoff)


class ClientFactory(Protocol):
    """Builds the feed client (tests may wrap or replace `UpstoxFeedClient`)."""

    def __call__(
        self,
        *,
        access_token: str,
        on_frame: Callable[[FeedFrame], Awaitable[None]],
        root: str,
        backoff: Backoff,
        sleep: Sleep,
    ) -> UpstoxFeedClient:
        """A client for one session."""
        ...


class UpstoxFeed(BrokerFeed[UpstoxFeedLogin, str, FeedInstrument, UpstoxFeedClient]):
    """Publishes Upstox's ticks on ``ticks.<KEY>``."""

    name = "upstox"
    broker = "Upstox"
    auth_error = FeedAuthError
    no_instruments = "no instrument has an Upstox key"

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        source: UpstoxFeedSource,
        config: UpstoxFeedConfig | None = None,
        client_factory: ClientFactory = UpstoxFeedClient,
        sleep: Sleep = asyncio.sleep,
        quotes: QuoteReaders[UpstoxFeedLogin, str, FeedInstrument] | None = None,
    ) -> None:
        self.config = config or UpstoxFeedConfig()
        super().__init__(
            bus=bus,
            clock=clock,
            source=source,
            wait_secs=self.config.wait_secs,
            sleep=sleep,
            quotes=quotes,
        )
        self._factory = client_factory

    @property
    def keys(self) -> tuple[str, ...]:
        """Our keys of the instruments subscribed in the current session."""
        return tuple(i.key for i in self._wanted.values())

    def token_of(self, key: str) -> int | None:
        """The instrument token of our subscribed instrument `key`."""
        found = (i.instrument_token for i in self._wanted.values() if i.key == key)
        return next(found, None)

    def _credentials(self, login: UpstoxFeedLogin) -> str:
        return login.access_token

    async def _open(self, login: UpstoxFeedLogin) -> UpstoxFeedClient:
        client = self._factory(
            access_token=login.access_token,
            on_frame=self.on_frame,
            root=self.config.root,
            backoff=self.config.backoff,
            sleep=self._sleep,
        )
        await client.subscribe(self._wanted, self.config.mode)
        return client

    async def on_frame(self, frame: FeedFrame) -> None:
        """Publish a tick per feed of a subscribed instrument."""
        if frame.type is FrameType.MARKET_INFO:
            log.info("upstox feed: market status %s", frame.market_status)
            return
        now = frame.current_ts or self._clock.now()
        for upstox_key, feed in frame.feeds.items():
            instrument = self._wanted.get(upstox_key)
            if instrument is not None:
                key = instrument.key
                await self._publish(key, feed_tick(feed, instrument, now, self.last(key)))


def upstox_quotes(
    root: str, *, timeout_secs: float
) -> QuoteReaders[UpstoxFeedLogin, str, FeedInstrument]:
    """REST quotes through the Upstox adapter (its full market quote) at `root`, for the
    feed's session and instruments (`feed.rest_fill`)."""

    def reader(login: UpstoxFeedLogin, wanted: Mapping[str, FeedInstrument]) -> QuoteReader:
        keys = InstrumentKeys({i.key: upstox_key for upstox_key, i in wanted.items()})
        return UpstoxBroker(
            access_token=login.access_token,
            keys=keys,
            root=root,
            timeout_secs=timeout_secs,
            attempts=1,  # the fill's next call is the retry
        )

    return reader


def feed_tick(feed: Feed, instrument: FeedInstrument, now: datetime, previous: Tick | None) -> Tick:
    """The `Tick` a feed says, at `now` (the frame's server time).

    An ltpc feed updates the previous tick's price (its day range follows); without one, its
    price stands for the whole day so far. Full feeds carry the day's candle, volume and up
    to five (thirty) levels of depth; Upstox counts no orders per level, so those are 0.
    """
    ltpc = ltpc_of(feed)
    ltp, close = ltpc.ltp, ltpc.cp or ltpc.ltp
    if isinstance(feed, Ltpc):
        if previous is not None:
            return replace(
                previous,
                ts=now,
                last_price=ltp,
                last_quantity=ltpc.ltq,
                high=max(previous.high, ltp),
                low=min(previous.low, ltp),
                prev_close=close,
            )
        token = instrument.instrument_token
        return Tick(instrument.key, token, now, ltp, ltpc.ltq, 0, ltp, ltp, ltp, close)
    day = feed.day() if isinstance(feed, MarketFull | IndexFull) else None
    open_, high, low = (day.open, day.high, day.low) if day else (ltp, ltp, ltp)
    if isinstance(feed, IndexFull):
        token = instrument.instrument_token
        return Tick(instrument.key, token, now, ltp, 0, 0, open_, high, low, close)
    depth = feed.depth if isinstance(feed, MarketFull) else (feed.best,) if feed.best else ()
    bids, asks = _book(depth)
    return Tick(
        key=instrument.key,
        instrument_token=instrument.instrument_token,
        ts=now,
        last_price=ltp,
        last_quantity=ltpc.ltq,
        volume=feed.volume,
        open=open_,
        high=high,
        low=low,
        prev_close=close,
        bid=bids[0].price if bids else None,
        ask=asks[0].price if asks else None,
        bid_quantity=bids[0].quantity if bids else 0,
        ask_quantity=asks[0].quantity if asks else 0,
        bids=bids,
        asks=asks,
    )


def _book(depth: tuple[Quote, ...]) -> tuple[tuple[DepthLevel, ...], tuple[DepthLevel, ...]]:
    # Upstox pads a thin book with empty levels; ours lists only real ones.
    bids = tuple(DepthLevel(q.bid_price, q.bid_quantity, 0) for q in depth if q.bid_quantity)
    asks = tuple(DepthLevel(q.ask_price, q.ask_quantity, 0) for q in depth if q.ask_quantity)
    return bids, asks
