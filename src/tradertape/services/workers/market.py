"""Market data for workers: instruments, quotes and snapshots, in the worker contract's shapes.

Everything is served from what this server already holds: the instrument catalog, the
last tick per instrument (`QuoteBook`), the live minute candles (`CandleBook`) and the
candle store. Workers never talk to a broker feed themselves. Quotes are a *list* (as
the published backend returns them), each entry carrying the instrument's identity, its
age and an ``is_stale`` flag (older than 15 s of market time).

A quote also says where its price came from and how the feed stands (issue 54), fields the
published clients do not parse and so ignore: ``price_source`` is ``rest`` for a price the
broker's REST quote filled while the feed's socket was quiet (`feed.rest_fill`), ``feed``
otherwise; ``feed_state`` is the feed's state as every process answers it
(`feed.shared_state`). While the feed is known to be quiet, a price its socket sent is
stale whatever its age (``is_stale``): nothing newer can have come.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.candles.live import CandleBook
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import Exchange, Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.ticks import order_tick
from tradertape.domain.utc_times import utc_iso
from tradertape.errors import InvalidField, NotFound
from tradertape.feed.codec import TickMode, depth_dict, tick_to_dict, timestamp
from tradertape.feed.rest_fill import REST
from tradertape.feed.shared_state import FeedState
from tradertape.oms import TradingContext
from tradertape.services.workers.context import LastTick

MAX_TOKEN = 2**32 - 1
STALE_AFTER = timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class FeedMark:
    """What a quote says of the feed: its state, and whether it is known to be quiet."""

    state: str = "live"
    quiet: bool = False


LIVE = FeedMark()


def _live() -> FeedMark:
    return LIVE


def feed_mark(state: FeedState) -> FeedMark:
    """The feed's mark as every process answers it (the leader's verdict, `FeedState`)."""
    return FeedMark(state.status().state.value, state.quiet())


@dataclass(frozen=True, slots=True)
class WorkerMarket:
    """What the worker market-data services read."""

    trading: TradingContext  # the catalog, and market time
    last_tick: LastTick
    candles: CandleBook
    store: CandleStore
    calendar: TradingCalendar
    stale_after: timedelta = STALE_AFTER
    feed: Callable[[], FeedMark] = _live  # the feed's state (`feed_mark`)

    def catalog(self, db: Session) -> InstrumentCatalog:
        """The instruments as of this session (imports included)."""
        return self.trading.catalog(db)

    def now(self) -> datetime:
        """Market time."""
        return self.trading.clock.now()

    def is_stale(self, tick: Tick | None, now: datetime) -> bool:
        """No tick, or one further than `stale_after` from `now` either way (`tick_age`)."""
        return tick is None or tick_age(tick, now) > self.stale_after


def tick_age(tick: Tick, now: datetime) -> timedelta:
    """How far the tick's time is from the market clock `now`, either way: a tick stamped
    after `now` is not this session's price either (a demo replay's close still held after
    the next replay opened)."""
    return abs(now - tick.ts)


def instrument_view(instrument: Instrument, last: Tick | None = None) -> dict[str, Any]:
    """An instrument as ``resolve_ticker`` returns it; ``tick_size`` is the tick its orders
    are held to at `last` (docs/api-conventions.md, "Ticks")."""
    return {
        "symbol": instrument.key,
        "instrument_token": instrument.instrument_token,
        "exchange": instrument.exchange.value,
        "tradingsymbol": instrument.tradingsymbol,
        "name": instrument.name,
        "instrument_type": instrument.instrument_type.value,
        "segment": instrument.segment,
        "tick_size": float(order_tick(instrument, last.last_price if last else None)),
        "lot_size": instrument.lot_size,
        "expiry": instrument.expiry.isoformat() if instrument.expiry else None,
        "strike": float(instrument.strike) if instrument.strike is not None else None,
    }


def find(catalog: InstrumentCatalog, ref: str | int) -> Instrument | None:
    """An instrument by ``EXCH:SYMBOL``, bare NSE symbol or instrument token.

    Index names are taken as Kite writes them (``NSE:NIFTY 50``, ``NSE:NIFTY BANK``) and in
    every other spelling search accepts (``NSE:NIFTY``, ``Nifty 50``, ``NIFTY50``).
    """
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdecimal()):
        return _by_token(catalog, int(ref))
    text = " ".join(ref.split()).upper()
    found = catalog.find(text) or catalog.find(text.replace(" ", ""))
    if found is not None:
        return found
    code, _, name = text.rpartition(":")
    try:
        return catalog.index_named(Exchange(code or "NSE"), name)
    except (ValueError, LookupError):
        return None


def _by_token(catalog: InstrumentCatalog, token: int) -> Instrument | None:
    try:
        return catalog.by_token(token)
    except LookupError:
        return None


def resolve_one(market: WorkerMarket, db: Session, symbol: str) -> dict[str, Any]:
    """``GET /market/instruments/resolve``: one instrument, or 404."""
    instrument = find(market.catalog(db), symbol)
    if instrument is None:
        raise NotFound(f"unknown instrument '{symbol}'")
    return instrument_view(instrument, market.last_tick(instrument.key))


def _check_tokens(tokens: list[int], field: str) -> None:
    for index, token in enumerate(tokens):
        if not 0 < token <= MAX_TOKEN:
            raise InvalidField(f"{field}[{index}]", f"{token} is not an instrument token")


def resolve_many(
    market: WorkerMarket, db: Session, symbols: list[str], tokens: list[int]
) -> tuple[list[Instrument], list[str | int]]:
    """The instruments named (in order, once each) and the names that matched nothing."""
    _check_tokens(tokens, "instrument_tokens")
    catalog = market.catalog(db)
    found: dict[str, Instrument] = {}
    missing: list[str | int] = []
    refs: list[str | int] = [*symbols, *tokens]
    for ref in refs:
        instrument = find(catalog, ref)
        if instrument is None:
            missing.append(ref)
        else:
            found.setdefault(instrument.key, instrument)
    return list(found.values()), missing


def resolve_list(
    market: WorkerMarket, db: Session, symbols: list[str], tokens: list[int]
) -> dict[str, Any]:
    """``POST /market/instruments/resolve``."""
    found, missing = resolve_many(market, db, symbols, tokens)
    views = [instrument_view(i, market.last_tick(i.key)) for i in found]
    return {"instruments": views, "missing": missing}


def search(
    market: WorkerMarket, db: Session, query: str, *, exchange: str | None, limit: int
) -> dict[str, Any]:
    """``GET /market/instruments/search``: symbol and name prefixes, exact symbols first."""
    wanted = exchange.upper() if exchange else None
    hits = market.catalog(db).search(query, limit=limit if wanted is None else 10_000)
    if wanted is not None:
        hits = [i for i in hits if i.exchange.value == wanted][:limit]
    return {"results": [instrument_view(i, market.last_tick(i.key)) for i in hits]}


def quote_view(
    instrument: Instrument,
    tick: Tick,
    mode: TickMode,
    now: datetime,
    stale_after: timedelta,
    *,
    book: bool = False,
    feed: FeedMark = LIVE,
) -> dict[str, Any]:
    """One entry of ``quotes``: identity, the Kite-shaped tick for `mode`, its age on the
    market clock `now` (`tick_age`), where its price came from and staleness (old, or a
    socket price of a `feed` known to be quiet). With `book`, ``quote`` carries the
    ``depth`` too, as a REST quote does (Kite's quote and the SDK's docs); a stream's quote
    mode is the ticker's, without it."""
    age = tick_age(tick, now).total_seconds()
    body = tick_to_dict(tick, mode)
    body.pop("timestamp", None)
    body.pop("instrument_token", None)  # the catalog's token names the instrument
    entry: dict[str, Any] = {**instrument_view(instrument, tick), "mode": mode.value, **body}
    if book and mode is TickMode.QUOTE:
        entry["depth"] = depth_dict(tick)
    if mode is not TickMode.LTP:
        entry["average_price"] = None  # no traded VWAP in the simulated feed
        entry["buy_quantity"] = sum(level.quantity for level in tick.bids) or tick.bid_quantity
        entry["sell_quantity"] = sum(level.quantity for level in tick.asks) or tick.ask_quantity
        entry["last_trade_time"] = timestamp(tick.ts)
        entry["exchange_timestamp"] = timestamp(tick.ts)
    entry["received_at"] = utc_iso(tick.ts)
    entry["age_ms"] = int(age * 1000)
    filled = tick.source == REST
    entry["is_stale"] = age > stale_after.total_seconds() or (feed.quiet and not filled)
    entry["price_source"] = REST if filled else "feed"
    entry["feed_state"] = feed.state
    return entry


def parse_mode(mode: str) -> TickMode:
    """``ltp``, ``quote`` or ``full``; a 422 naming ``mode`` otherwise."""
    try:
        return TickMode(mode)
    except ValueError:
        raise InvalidField("mode", "must be 'ltp', 'quote' or 'full'") from None


def quotes_of(
    market: WorkerMarket, instruments: list[Instrument], mode: TickMode
) -> tuple[list[dict[str, Any]], list[str]]:
    """Quotes of the instruments that have a tick, and the keys of those that have none
    (REST answers: ``quote`` carries the depth)."""
    now, feed = market.now(), market.feed()
    entries, missing = [], []
    for instrument in instruments:
        tick = market.last_tick(instrument.key)
        if tick is None:
            missing.append(instrument.key)
        else:
            entries.append(
                quote_view(instrument, tick, mode, now, market.stale_after, book=True, feed=feed)
            )
    return entries, missing


def quotes(
    market: WorkerMarket, db: Session, symbols: list[str], tokens: list[int], mode: str
) -> dict[str, Any]:
    """``POST /market/quotes``: ``{quotes: [...], missing: [...]}``."""
    chosen = parse_mode(mode)
    found, unknown = resolve_many(market, db, symbols, tokens)
    entries, unquoted = quotes_of(market, found, chosen)
    return {"quotes": entries, "missing": [*unknown, *unquoted]}
