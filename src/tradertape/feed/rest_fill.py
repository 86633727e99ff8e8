"""Prices of a quiet broker feed, filled from the broker's REST quote until ticks return.

When a broker's socket goes silent, is dropped or refused in market hours, the watchdog
(`feed.watchdog.FeedWatch`) marks the feed and asks for reconnects; meanwhile the prices the
desk, the paper exchange, GTTs and workers read would keep their last value. `RestFill` asks
the broker's REST quote (``GET /quote`` at Kite, ``GET /v2/market-quote/quotes`` at Upstox,
through the broker adapter's `quote`) for the instruments the feed subscribed, and publishes
each answer as a tick on ``ticks.<KEY>``, the socket's path, so everything downstream prices
from it unchanged. It is paced: at most one call every `every_secs` per feed, at most
`quote_batch` instruments a call (both brokers' full quote takes 500), rotating through the
batches when the feed follows more; a failed call (a 5xx, an expired token) is logged and
the next one waits twice as long (up to a minute), never raised into the feed.

The feed tells a filled price apart from a socket tick by where it came from: only socket
ticks move `BrokerFeed.heard_at`, which the watchdog reads, so a filled price never makes a
silent socket look alive. The filled tick is stamped when it was asked for: fresh while the
REST answers, so a paper MARKET order priced from it says nothing of staleness; once the
REST fails too, the price ages and the order says so (`oms.paper.working.stale_price_note`).
`GET /api/market/feed` answers ``filling_from: "rest"`` while the prices are so filled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from tradertape.domain.market import DepthLevel, Tick
from tradertape.ports.clock import Clock
from tradertape_brokers.threads import in_thread

log = logging.getLogger("tradertape.feed")

#: Seconds between two REST quote calls of one feed (Kite allows one quote call a second
#: per API key, which the adapter's own limiter also holds; this leaves room for the others).
FILL_EVERY_SECS = 3.0
#: The longest wait after failed calls in a row (the wait doubles from `FILL_EVERY_SECS`).
MAX_FILL_BACKOFF_SECS = 60.0
#: Instruments per full-quote call: Kite's ``/quote`` and Upstox's market quote take 500.
QUOTE_BATCH = 500
REST = "rest"


class QuoteReader(Protocol):
    """What the fill needs of a broker adapter (`tradertape_brokers.port.Broker.quote`)."""

    def quote(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Full quotes in Kite's shape, keyed by ``EXCH:SYMBOL`` (ours)."""
        ...


class FillableFeed(Protocol):
    """What `RestFill` reads of a broker feed (`feed.broker_feed.BrokerFeed`)."""

    @property
    def name(self) -> str: ...

    @property
    def keys(self) -> tuple[str, ...]: ...  # our keys of the instruments subscribed

    @property
    def heard_at(self) -> datetime | None: ...  # the last socket tick's arrival

    def quote_reader(self) -> QuoteReader | None:
        """The adapter for the current session's quotes (None: no session, or no REST)."""
        ...

    def rest_tick(self, key: str, quote: Mapping[str, Any], at: datetime) -> Tick | None:
        """The tick a quote of our instrument `key` says, stamped `at`."""
        ...

    async def fill(self, key: str, tick: Tick) -> None:
        """Publish a filled tick as the socket's are (without counting it as heard)."""
        ...


class RestFill:
    """Fills one broker feed's prices from its REST quote, paced, while the watchdog asks."""

    def __init__(
        self,
        feed: FillableFeed,
        *,
        clock: Clock,
        every_secs: float = FILL_EVERY_SECS,
        quote_batch: int = QUOTE_BATCH,
    ) -> None:
        self._feed = feed
        self._clock = clock
        self._every = every_secs
        self._batch = quote_batch
        self._next_at: datetime | None = None  # no call before this instant
        self._cursor = 0  # where the next batch starts among the feed's keys
        self.filling_from: str | None = None  # "rest" while the last call filled prices
        self.last_fill_at: datetime | None = None
        self.calls = 0  # REST quote calls since start-up
        self.failures = 0  # failed calls in a row
        self.filled = 0  # prices filled since start-up

    def stop(self) -> None:
        """Ticks are back (or the market is not open): fill no more until the next spell."""
        if self.filling_from is not None:
            log.info("%s feed: ticks are back, no more prices from the REST quote", self._feed.name)
        self.filling_from, self._next_at, self._cursor, self.failures = None, None, 0, 0

    def _next_batch(self, keys: tuple[str, ...]) -> list[str]:
        if self._cursor >= len(keys):
            self._cursor = 0
        batch = list(keys[self._cursor : self._cursor + self._batch])
        self._cursor += len(batch)
        return batch

    async def step(self) -> int:
        """One beat of a quiet spell: at most one quote call per `every_secs`; how many
        prices it filled (0 when not due, without a session, or when the call failed)."""
        now = self._clock.now()
        if self._next_at is not None and now < self._next_at:
            return 0
        keys = self._feed.keys
        reader = self._feed.quote_reader() if keys else None
        if reader is None:
            return 0
        batch = self._next_batch(keys)
        heard = self._feed.heard_at
        self._next_at = now + timedelta(seconds=self._every)
        self.calls += 1
        try:  # a cancel waits for the call: a thread cannot be stopped (`in_thread`)
            quotes = await in_thread(reader.quote, batch)
        except Exception as exc:  # a 5xx, a refused token, a timeout: the next call backs off
            self.failures += 1
            wait = min(MAX_FILL_BACKOFF_SECS, self._every * 2**self.failures)
            self._next_at = now + timedelta(seconds=wait)
            self.filling_from = None
            log.warning(
                "%s feed: the REST quote failed (%d in a row), next try in %.0f s: %s",
                self._feed.name,
                self.failures,
                wait,
                exc,
            )
            return 0
        self.failures = 0
        if self._feed.heard_at != heard:  # the socket ticked meanwhile: its prices are newer
            return 0
        filled = 0
        for key in batch:
            quote = quotes.get(key)
            tick = self._feed.rest_tick(key, quote, now) if quote else None
            if tick is not None:
                await self._feed.fill(key, tick)
                filled += 1
        if filled:
            if self.filling_from is None:
                log.warning("%s feed: quiet, prices filled from the REST quote", self._feed.name)
            self.filling_from, self.last_fill_at = REST, now
            self.filled += filled
        return filled


def _dec(value: Any) -> Decimal | None:
    """A JSON number as the exact decimal it prints as (``1520.05``, not its binary float)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _levels(rows: Any) -> tuple[DepthLevel, ...]:
    # Brokers pad a thin book with empty levels; ours lists only real ones.
    levels = []
    for row in rows or ():
        price, quantity = _dec(row.get("price")), int(row.get("quantity") or 0)
        if price is not None and quantity:
            levels.append(DepthLevel(price, quantity, int(row.get("orders") or 0)))
    return tuple(levels)


def quote_tick(
    key: str, token: int, quote: Mapping[str, Any], at: datetime, previous: Tick | None
) -> Tick | None:
    """The `Tick` a Kite-shaped full quote says (both adapters answer in it), stamped `at`
    and marked as the REST quote's (``source``), which the quotes it prices say.

    The day's open, high and low and the previous close come from ``ohlc`` (else from the
    previous tick, else the price itself); the depth from ``depth``. None without a price.
    """
    last = _dec(quote.get("last_price"))
    if last is None or last <= 0:
        return None
    ohlc = quote.get("ohlc") or {}

    def day(field: str, held: Decimal | None) -> Decimal:
        value = _dec(ohlc.get(field))
        return value if value else (held if held is not None else last)

    bids, asks = (
        _levels((quote.get("depth") or {}).get("buy")),
        _levels((quote.get("depth") or {}).get("sell")),
    )
    volume = quote.get("volume")
    return Tick(
        key=key,
        instrument_token=token,
        ts=at,
        last_price=last,
        last_quantity=int(quote.get("last_quantity") or 0),
        volume=int(volume) if volume is not None else (previous.volume if previous else 0),
        open=day("open", previous.open if previous else None),
        high=max(day("high", previous.high if previous else None), last),
        low=min(day("low", previous.low if previous else None), last),
        prev_close=day("close", previous.prev_close if previous else None),
        bid=bids[0].price if bids else None,
        ask=asks[0].price if asks else None,
        bid_quantity=bids[0].quantity if bids else 0,
        ask_quantity=asks[0].quantity if asks else 0,
        bids=bids,
        asks=asks,
        source=REST,  # quotes say so: a price the socket did not send
    )
