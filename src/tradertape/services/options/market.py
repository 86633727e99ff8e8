"""The options side of the simulated market: listed contracts and their model prices.

`OptionMarket.catalog` is the exchange's catalog source: the stored catalog (reference
data plus any imported Kite dump), with a generated NSE-like contract set added for
every index whose options the dump does not list (real contracts take precedence).
The strike grid is anchored on the index's previous close, the same in every process
for the whole day, so every API process lists the same contracts.

`OptionMarket.last_tick` is the venue's price source: the feed's tick when there is one,
else, for an NFO option, a tick priced with Black-76 and the series' smile from the
underlying index's latest tick (a one-tick spread around the model price, and the day's
volume so far as `domain.open_interest.session_volume` models it), so a paper MARKET order
fills at a sensible premium, option positions are marked and the chain reads its bid, ask
and volume from the contract's own tick.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy.orm import Session

from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    UnknownInstrumentError,
    synthetic_token,
)
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.domain.open_interest import session_fraction, session_volume, synthetic_oi
from tradertape.domain.option_listing import (
    EXPIRY_CLOSE,
    IST,
    OPTION_TICK,
    RISK_FREE_RATE,
    SERIES,
    OptionSeries,
    contracts,
    expiries,
    parse_option_symbol,
    round_premium,
    smile_vol,
    years_to_expiry,
)
from tradertape.domain.option_math import Greeks, OptionKind, greeks, implied_vol
from tradertape.oms import CatalogSource, LastTick
from tradertape.ports.clock import Clock

_LIQUID_QUANTITY = 1_000_000  # units a priced tick says traded: model quotes are deep
_UNDERLYINGS = tuple(SERIES)
_SEEN = "tradertape.options.catalog"  # Session.info key: (market, transaction, its catalog)


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """One contract's model quote with the inputs that produced it."""

    instrument: Instrument
    kind: OptionKind
    spot: Decimal
    forward: float
    years: float
    ltp: Decimal
    iv: float | None  # implied from the tick-rounded ltp (None when it has none)
    greeks: Greeks  # at the implied volatility (the model's when there is none)
    ts: datetime
    bid: Decimal | None = None  # the tick's best bid and offer (what a LIMIT leg starts at)
    ask: Decimal | None = None
    volume: int = 0  # units traded today, as the tick says


@dataclass(frozen=True)  # no slots: `chains` is cached on the instance
class Listing:
    """A catalog with its options indexed by underlying and expiry."""

    base: InstrumentCatalog
    catalog: InstrumentCatalog
    day: date
    anchors: tuple[tuple[str, Decimal], ...]

    @cached_property
    def chains(self) -> dict[str, dict[date, list[Instrument]]]:
        """Underlying → expiry → its options, by strike then CE before PE."""
        out: dict[str, dict[date, list[Instrument]]] = {}
        for i in self.catalog:
            if i.option_type is None or i.expiry is None or i.underlying is None:
                continue
            if i.exchange is not Exchange.NFO or i.expiry < self.day:
                continue
            out.setdefault(i.underlying, {}).setdefault(i.expiry, []).append(i)
        for by_expiry in out.values():
            for options in by_expiry.values():
                options.sort(key=lambda i: (i.strike or 0, i.instrument_type.value))
        return out


def _imported_options(catalog: InstrumentCatalog) -> frozenset[str]:
    return frozenset(
        i.underlying
        for i in catalog
        if i.option_type is not None and i.exchange is Exchange.NFO and i.underlying
    )


@dataclass(frozen=True, slots=True)
class _Modelled:
    """An option's model tick and what it was made of: its index's tick, the listing, its
    expiry (past it, no model price) and its underlying's name."""

    spot: Tick
    listing: Listing | None
    expiry: date
    underlying: str
    tick: Tick


class OptionMarket:
    """Lists index options for the simulated market and prices them from the index."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: TradingCalendar,
        base: CatalogSource,
        quotes: LastTick,
        rate: float = RISK_FREE_RATE,
    ) -> None:
        """``clock`` is market time; ``base`` the stored catalog; ``quotes`` the feed's ticks."""
        self._clock = clock
        self._calendar = calendar
        self._base = base
        self._quotes = quotes
        self.rate = rate
        self._lock = threading.Lock()
        self._listing: Listing | None = None
        self._imported: tuple[InstrumentCatalog, frozenset[str]] | None = None
        # Each option's last model tick, with what it was made of (`model_tick`).
        self._modelled: dict[str, _Modelled] = {}
        self._index_keys: dict[str, str | None] = {}  # an underlying's index key (shipped)

    @property
    def clock(self) -> Clock:
        """Market time."""
        return self._clock

    def index(self, underlying: str) -> Instrument | None:
        """The index an F&O underlying name (``NIFTY``) stands for, if we know it."""
        try:
            return reference_catalog().index_named(Exchange.NSE, underlying)
        except UnknownInstrumentError:
            return None

    def spot(self, underlying: str) -> Tick | None:
        """The underlying index's latest tick (its key looked up once a name: every order's
        catalog asks it of each underlying, `_anchors`)."""
        if underlying not in self._index_keys:
            index = self.index(underlying)
            self._index_keys[underlying] = index.key if index is not None else None
        key = self._index_keys[underlying]
        return self._quotes(key) if key is not None else None

    def _anchors(self, imported: frozenset[str]) -> tuple[tuple[str, Decimal], ...]:
        anchors = []
        for name in _UNDERLYINGS:
            tick = self.spot(name)
            if name in imported or tick is None:
                continue
            anchor = tick.prev_close if tick.prev_close > 0 else tick.last_price
            anchors.append((name, anchor))
        return tuple(anchors)

    def listing(self, db: Session) -> Listing:
        """The catalog with generated options, rebuilt only when its inputs change."""
        base = self._base(db)
        day = self._clock.now().astimezone(IST).date()
        with self._lock:
            if self._imported is None or self._imported[0] is not base:
                self._imported = (base, _imported_options(base))
            imported = self._imported[1]
            anchors = self._anchors(imported)
            held = self._listing
            if held is not None and (held.base, held.day, held.anchors) == (base, day, anchors):
                return held
        generated: list[Instrument] = []
        for name, anchor in anchors:
            series = SERIES[name]
            index = self.index(name)
            lot = index.lot_size if index is not None else 1
            listed = expiries(series, day, self._calendar)
            generated.extend(contracts(series, lot_size=lot, anchor=anchor, listed=listed))
        universes = {n: [i.key for i in base.universe(n)] for n in base.universe_names}
        catalog = InstrumentCatalog([*base, *generated], universes) if generated else base
        listing = Listing(base=base, catalog=catalog, day=day, anchors=anchors)
        with self._lock:
            self._listing = listing
        return listing

    def catalog(self, db: Session) -> InstrumentCatalog:
        """The exchange's catalog source (see the module docstring). Asked again in the
        same transaction (an order is checked, funded and measured on it), it answers as
        the first time without looking again."""
        seen = db.info.get(_SEEN)
        if seen is not None and seen[0] is self and seen[1] is db.get_transaction():
            catalog: InstrumentCatalog = seen[2]
            return catalog
        catalog = self.listing(db).catalog
        db.info[_SEEN] = (self, db.get_transaction(), catalog)
        return catalog

    def last_tick(self, key: str) -> Tick | None:
        """The feed's tick of `key`, else a model tick for an NFO index option."""
        tick = self._quotes(key)
        if tick is not None or not key.startswith("NFO:"):
            return tick
        return self.model_tick(key)

    def underlying_key(self, key: str) -> str | None:
        """The index key an NFO index option's price follows (None for anything else)."""
        if not key.startswith("NFO:"):
            return None
        index = self.index(_underlying_of(key.partition(":")[2]))
        return index.key if index is not None else None

    def expired(self, expiry: date) -> bool:
        """Whether a contract of `expiry` is settled now: from its expiry day's close."""
        local = self._clock.now().astimezone(IST)
        return expiry < local.date() or (expiry == local.date() and local.time() >= EXPIRY_CLOSE)

    def model_tick(self, key: str) -> Tick | None:
        """The model's tick of an NFO index option from its index's latest tick, whatever
        the feed printed (None when `key` is no such option, its index has no price, or it
        has expired: an expired contract is worth its settlement, never a model price).

        The tick is a function of the index's tick and the listing alone (its time is the
        index tick's), so it is made once per index tick: asked again on the same index
        tick and listing (an order's checks, its funds, the risk book's marks, a basket's
        legs: 24 times a 4-leg basket), it answers the tick it made."""
        held = self._listing
        kept = self._modelled.get(key)
        if (
            kept is not None
            and kept.listing is held
            and self.spot(kept.underlying) is kept.spot
            and not self.expired(kept.expiry)
        ):
            return kept.tick
        symbol = key.partition(":")[2]
        instrument = held.catalog.find(key) if held is not None else None
        days = tuple(held.chains.get(_underlying_of(symbol), {})) if held is not None else ()
        terms = parse_option_symbol(symbol, _UNDERLYINGS, days)
        if terms is None:
            return None
        expiry = instrument.expiry if instrument and instrument.expiry else terms.expiry
        if self.expired(expiry):
            return None  # settled at its index's close (`domain.expiry`), never modelled
        index = self.index(terms.underlying)
        spot = self.spot(terms.underlying)
        quote = self._model(
            terms.underlying,
            terms.expiry,
            terms.strike,
            terms.kind,
            instrument_token=(
                instrument.instrument_token if instrument else synthetic_token(Exchange.NFO, symbol)
            ),
            key=key,
            lot_size=instrument.lot_size if instrument else (index.lot_size if index else 1),
        )
        if spot is not None and quote is not None and quote.ts == spot.ts:
            self._modelled[key] = _Modelled(spot, held, expiry, terms.underlying, quote)
        return quote

    def _model(
        self,
        underlying: str,
        expiry: date,
        strike: Decimal,
        kind: OptionKind,
        *,
        instrument_token: int,
        key: str,
        lot_size: int,
    ) -> Tick | None:
        spot = self.spot(underlying)
        series = SERIES.get(underlying)
        if spot is None or series is None:
            return None
        ltp = self._premium(series, spot, expiry, strike, kind, spot.ts)
        prev = self._premium(series, spot, expiry, strike, kind, spot.ts, prev=True)
        half = OPTION_TICK if ltp >= 10 else Decimal(0)  # cheap options: bid = ask = ltp
        return Tick(
            key=key,
            instrument_token=instrument_token,
            ts=spot.ts,
            last_price=ltp,
            last_quantity=_LIQUID_QUANTITY,
            volume=self._volume(spot, key.partition(":")[2], strike, kind, lot_size),
            open=prev,
            high=max(prev, ltp),
            low=min(prev, ltp),
            prev_close=prev,
            bid=max(ltp - half, OPTION_TICK),
            ask=ltp + half,
            bid_quantity=_LIQUID_QUANTITY,
            ask_quantity=_LIQUID_QUANTITY,
        )

    def _volume(
        self, spot: Tick, symbol: str, strike: Decimal, kind: OptionKind, lot_size: int
    ) -> int:
        """The day's traded units so far (`open_interest.session_volume`): the same figure
        the chain shows, since the chain reads it from this tick."""
        oi = synthetic_oi(
            symbol,
            strike=strike,
            is_call=kind is OptionKind.CE,
            anchor=oi_anchor(spot),
            lot_size=lot_size,
        )
        local = spot.ts.astimezone(IST)
        fraction = session_fraction(local.hour * 60 + local.minute)
        return session_volume(symbol, oi=oi, lot_size=lot_size, fraction=fraction)

    def _premium(
        self,
        series: OptionSeries,
        spot: Tick,
        expiry: date,
        strike: Decimal,
        kind: OptionKind,
        now: datetime,
        *,
        prev: bool = False,
    ) -> Decimal:
        price = spot.prev_close if prev and spot.prev_close > 0 else spot.last_price
        years = years_to_expiry(now, expiry)
        forward = float(price) * math.exp(self.rate * years)
        vol = smile_vol(series, forward, float(strike), years)
        value = greeks(kind, forward, float(strike), years, vol, self.rate).price
        return round_premium(value)

    def quote(self, instrument: Instrument) -> OptionQuote | None:
        """The contract's price, implied volatility and greeks now (None without a spot)."""
        if instrument.option_type is None or instrument.expiry is None:
            return None
        if instrument.strike is None or instrument.underlying is None:
            return None
        spot = self.spot(instrument.underlying)
        tick = self.last_tick(instrument.key)
        if spot is None or tick is None:
            return None
        kind = OptionKind(instrument.instrument_type.value)
        years = years_to_expiry(tick.ts, instrument.expiry)
        forward = float(spot.last_price) * math.exp(self.rate * years)
        strike = float(instrument.strike)
        iv = implied_vol(kind, float(tick.last_price), forward, strike, years, self.rate)
        series = SERIES.get(instrument.underlying)
        model_vol = smile_vol(series, forward, strike, years) if series else 0.2
        point = greeks(kind, forward, strike, years, iv if iv is not None else model_vol, self.rate)
        return OptionQuote(
            instrument=instrument,
            kind=kind,
            spot=spot.last_price,
            forward=forward,
            years=years,
            ltp=tick.last_price,
            iv=iv,
            greeks=point,
            ts=tick.ts,
            bid=tick.bid or None,
            ask=tick.ask or None,
            volume=tick.volume,
        )


def oi_anchor(spot: Tick) -> Decimal:
    """The index level open interest is modelled around: the previous close (stable
    through the session), else the last price."""
    return spot.prev_close if spot.prev_close > 0 else spot.last_price


def _underlying_of(symbol: str) -> str:
    for name in sorted(_UNDERLYINGS, key=len, reverse=True):
        if symbol.startswith(name):
            return name
    return ""
