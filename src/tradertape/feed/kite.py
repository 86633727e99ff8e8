"""The Kite feed: live ticks from Zerodha's ticker, on the same bus path as the simulated feed.

With ``TRADERTAPE_FEED=kite`` the process that leads runs this instead of `SimulatedFeed`:
it takes a live Kite session from a `KiteFeedSource` (the stored credentials of the admin or
first user with one), subscribes in full mode to the instruments the platform prices (those
the simulated feed would print, by the Kite tokens of the imported instruments dump), turns
every packet into a `Tick` and publishes it on ``ticks.<KEY>`` exactly as the simulated feed
does. The trading loop then fills its quote book from the bus, so ``WS /api/ws/ticks``,
GTTs, protection and workers run on those prices unchanged.

Order updates that arrive on the socket are published on `KITE_ORDER_UPDATES_TOPIC` for the
OMS to book (this module books nothing). Without a session, or when Kite refuses the token
(it expires about 06:00 IST), the feed logs it and looks again every ``wait_secs``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from tradertape.domain.market import DepthLevel, Tick
from tradertape.feed.broker_feed import BrokerFeed, FeedSource, QuoteReaders, Sleep
from tradertape.feed.rest_fill import QuoteReader
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock
from tradertape_brokers.kite.adapter import KiteBroker
from tradertape_brokers.kite.limits import Backoff as CallBackoff
from tradertape_brokers.kite_ticker import (
    BrokerMessage,
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    Mode,
    OrderUpdate,
    Packet,
    QuotePacket,
    TextMessage,
    TickerError,
)
from tradertape_brokers.kite_ticker.client import (
    DEFAULT_URL,
    Backoff,
    KiteTickerClient,
    TickerAuthError,
)

log = logging.getLogger("tradertape.feed")

#: Order updates pushed on the ticker socket: ``{"broker", "user_id", "received_at", "data"}``
#: where ``data`` holds the order's fields as Kite's postback carries them.
KITE_ORDER_UPDATES_TOPIC = "broker.kite.order_updates"


@dataclass(frozen=True, slots=True)
class KiteLogin:
    """A live Kite session the feed connects with (`user_id` is our user's)."""

    user_id: int
    api_key: str
    access_token: str = field(repr=False)


#: Where the feed finds its session, and the Kite token → our key (``NSE:INFY``) of every
#: instrument to subscribe (the database, in the server).
KiteFeedSource = FeedSource[KiteLogin, int, str]


@dataclass(frozen=True, slots=True)
class KiteFeedConfig:
    """How the Kite feed connects.

    Parameters
    ----------
    url
        The ticker's WebSocket root (``TRADERTAPE_KITE_TICKER_URL``).
    mode
        Subscription mode: full carries the depth the paper exchange fills against.
    wait_secs
        How often to look again for a session or instruments when there are none.
    read_timeout_secs
        Silence (not even a heartbeat) after which the connection counts as dead.
    """

    url: str = DEFAULT_URL
    mode: Mode = Mode.FULL
    wait_secs: float = 30.0
    read_timeout_secs: float = 10.0
    backoff: Backoff = field(default_factory=Backoff)


class ClientFactory(Protocol):
    """Builds the ticker client (tests may wrap or replace `KiteTickerClient`)."""

    def __call__(
        self,
        *,
        api_key: str,
        access_token: str,
        on_packets: Callable[[list[Packet]], Awaitable[None]],
        on_text: Callable[[TextMessage], Awaitable[None]],
        url: str,
        backoff: Backoff,
        read_timeout_secs: float,
        sleep: Sleep,
    ) -> KiteTickerClient:
        """A client for one session."""
        ...


class KiteFeed(BrokerFeed[KiteLogin, int, str, KiteTickerClient]):
    """Publishes Kite's ticks on ``ticks.<KEY>`` and its order updates on the bus."""

    name = "kite"
    broker = "Kite"
    auth_error = TickerAuthError
    no_instruments = "no instrument has a Kite token (import the Kite instruments dump)"

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        source: KiteFeedSource,
        config: KiteFeedConfig | None = None,
        client_factory: ClientFactory = KiteTickerClient,
        sleep: Sleep = asyncio.sleep,
        quotes: QuoteReaders[KiteLogin, int, str] | None = None,
    ) -> None:
        self.config = config or KiteFeedConfig()
        super().__init__(
            bus=bus,
            clock=clock,
            source=source,
            wait_secs=self.config.wait_secs,
            sleep=sleep,
            quotes=quotes,
        )
        self._factory = client_factory
        self.order_updates = 0

    @property
    def keys(self) -> tuple[str, ...]:
        """The instruments subscribed in the current session."""
        return tuple(self._wanted.values())

    def token_of(self, key: str) -> int | None:
        """The Kite token of our subscribed instrument `key`."""
        return next((token for token, ours in self._wanted.items() if ours == key), None)

    def _credentials(self, login: KiteLogin) -> tuple[str, str]:
        return login.api_key, login.access_token

    async def _open(self, login: KiteLogin) -> KiteTickerClient:
        client = self._factory(
            api_key=login.api_key,
            access_token=login.access_token,
            on_packets=self.on_packets,
            on_text=self.on_text,
            url=self.config.url,
            backoff=self.config.backoff,
            read_timeout_secs=self.config.read_timeout_secs,
            sleep=self._sleep,
        )
        await client.subscribe(self._wanted, self.config.mode)
        return client

    async def on_packets(self, packets: list[Packet]) -> None:
        """Publish a tick per packet of a subscribed instrument."""
        now = self._clock.now()
        for packet in packets:
            key = self._wanted.get(packet.instrument_token)
            if key is not None:
                await self._publish(key, packet_tick(packet, key, now, self.last(key)))

    async def on_text(self, message: TextMessage) -> None:
        """Publish order updates; log the server's errors and notices."""
        if isinstance(message, OrderUpdate):
            user_id = self._login.user_id if self._login is not None else None
            update: dict[str, Any] = {
                "broker": "kite",
                "user_id": user_id,
                "received_at": self._clock.now().isoformat(),
                "data": message.data,
            }
            try:
                await self._bus.publish(KITE_ORDER_UPDATES_TOPIC, update)
            except Exception:  # polling and postbacks still report the order
                log.exception("kite feed: publishing an order update failed: %s", message.data)
                return
            self.order_updates += 1
        elif isinstance(message, TickerError):
            log.warning("kite ticker error: %s", message.message)
        elif isinstance(message, BrokerMessage):
            log.info("kite ticker message: %s", message.message)


def kite_quotes(root: str, *, timeout_secs: float) -> QuoteReaders[KiteLogin, int, str]:
    """REST quotes through the Kite adapter (``GET /quote``, paced by its own limiter) at
    `root`, for the feed's session (`feed.rest_fill`)."""

    def reader(login: KiteLogin, wanted: Mapping[int, str]) -> QuoteReader:
        del wanted  # Kite names instruments as we do (``NSE:INFY``)
        return KiteBroker(
            api_key=login.api_key,
            access_token=login.access_token,
            root=root,
            timeout_secs=timeout_secs,
            backoff=CallBackoff(attempts=1),  # the fill's next call is the retry
        )

    return reader


def _book(levels: tuple[DepthEntry, ...]) -> tuple[DepthLevel, ...]:
    # Kite pads a thin book with empty levels; ours lists only real ones.
    return tuple(DepthLevel(lv.price, lv.quantity, lv.orders) for lv in levels if lv.quantity)


def packet_tick(packet: Packet, key: str, now: datetime, previous: Tick | None) -> Tick:
    """The `Tick` a packet says, at its exchange time if it has one (else `now`).

    An ltp packet updates the previous tick's price; without one, its price stands for the
    whole day so far. Quote packets carry no depth; full packets carry up to five levels.
    """
    token, ltp = packet.instrument_token, packet.last_price
    if isinstance(packet, LtpPacket):
        if previous is not None:
            return replace(previous, last_price=ltp, ts=now, last_quantity=0)
        return Tick(key, token, now, ltp, 0, 0, ltp, ltp, ltp, ltp)
    if isinstance(packet, IndexQuotePacket):
        ts = packet.exchange_timestamp if isinstance(packet, IndexFullPacket) else None
        return Tick(
            key, token, ts or now, ltp, 0, 0, packet.open, packet.high, packet.low, packet.close
        )
    return _quote_tick(packet, key, now)


def _quote_tick(packet: QuotePacket, key: str, now: datetime) -> Tick:
    bids: tuple[DepthLevel, ...] = ()
    asks: tuple[DepthLevel, ...] = ()
    ts = now
    if isinstance(packet, FullPacket):
        bids, asks = _book(packet.bids), _book(packet.asks)
        ts = packet.exchange_timestamp or now
    return Tick(
        key=key,
        instrument_token=packet.instrument_token,
        ts=ts,
        last_price=packet.last_price,
        last_quantity=packet.last_traded_quantity,
        volume=packet.volume_traded,
        open=packet.open,
        high=packet.high,
        low=packet.low,
        prev_close=packet.close,
        bid=bids[0].price if bids else None,
        ask=asks[0].price if asks else None,
        bid_quantity=bids[0].quantity if bids else 0,
        ask_quantity=asks[0].quantity if asks else 0,
        bids=bids,
        asks=asks,
    )
