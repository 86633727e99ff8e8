"""Instruments: what can be traded or watched, keyed the way Kite writes it (``NSE:RELIANCE``).

Generic over segments from day one (equity, index, future, option) so options and F&O
need no new shape later. An `InstrumentCatalog` is an immutable in-memory index; where
its rows come from (shipped reference data, a Kite dump) is the loader's business.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType


class Exchange(StrEnum):
    """Exchange segment codes as Kite uses them."""

    NSE = "NSE"
    BSE = "BSE"
    NFO = "NFO"
    BFO = "BFO"


class InstrumentType(StrEnum):
    """Kite's ``instrument_type`` plus INDEX for the non-tradable indices."""

    EQ = "EQ"
    INDEX = "INDEX"
    FUT = "FUT"
    CE = "CE"
    PE = "PE"


# The low byte of a Kite instrument token names the segment (1 NSE, 2 NFO, 4 BSE, 5 BFO, 9 indices).
_SEGMENT_ID = {Exchange.NSE: 1, Exchange.NFO: 2, Exchange.BSE: 4, Exchange.BFO: 5}
_INDEX_SEGMENT_ID = 9


class UnknownInstrumentError(LookupError):
    """No instrument has this key; `symbol` is what the caller asked for."""

    def __init__(self, symbol: str) -> None:
        super().__init__(f"unknown instrument '{symbol}'")
        self.symbol = symbol


class UnknownUniverseError(LookupError):
    """No universe has this name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"unknown universe '{name}'; known: {', '.join(sorted(known))}")
        self.name = name


_DERIVATIVES = frozenset({InstrumentType.FUT, InstrumentType.CE, InstrumentType.PE})
_OPTIONS = frozenset({InstrumentType.CE, InstrumentType.PE})


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable (or watchable) instrument."""

    exchange: Exchange
    tradingsymbol: str
    instrument_type: InstrumentType
    name: str
    instrument_token: int
    isin: str | None = None
    sector: str | None = None
    industry: str | None = None
    lot_size: int = 1
    tick_size: Decimal = Decimal("0.05")
    expiry: date | None = None
    strike: Decimal | None = None
    underlying: str | None = None
    # The exchange's own contract number (Kite's ``exchange_token``); Upstox keys
    # derivatives by it. Known only for instruments that came from a broker dump.
    exchange_token: int | None = None
    # Upstox keys indices by a display name (``NSE_INDEX|Nifty 50``) that cannot be
    # derived from anything else, so the reference data carries it.
    upstox_key: str | None = None

    @property
    def key(self) -> str:
        """``EXCHANGE:TRADINGSYMBOL``, the key used across the API (Kite's format)."""
        return f"{self.exchange}:{self.tradingsymbol}"  # a StrEnum formats as its value

    @property
    def is_tradable(self) -> bool:
        """Indices are quoted but cannot be ordered."""
        return self.instrument_type is not InstrumentType.INDEX

    @property
    def is_derivative(self) -> bool:
        """Futures and options."""
        return self.instrument_type in _DERIVATIVES

    @property
    def option_type(self) -> InstrumentType | None:
        """CE or PE for an option; `None` for anything else."""
        if self.instrument_type in _OPTIONS:
            return self.instrument_type
        return None

    @property
    def segment(self) -> str:
        """Kite's ``segment`` column (``NSE``, ``INDICES``, ``NFO-FUT``, ``NFO-OPT``...)."""
        if self.instrument_type is InstrumentType.INDEX:
            return "INDICES"
        if self.instrument_type is InstrumentType.FUT:
            return f"{self.exchange.value}-FUT"
        if self.option_type is not None:
            return f"{self.exchange.value}-OPT"
        return self.exchange.value


def synthetic_token(exchange: Exchange, tradingsymbol: str, *, index: bool = False) -> int:
    """A stable Kite-style token for instruments we know without a broker dump.

    The low byte carries the segment id like a real token; the rest is a CRC of the key.
    A Kite dump, when imported, replaces these with the real tokens.
    """
    segment = _INDEX_SEGMENT_ID if index else _SEGMENT_ID[exchange]
    body = zlib.crc32(f"{exchange.value}:{tradingsymbol}".encode()) & 0x7FFFFF
    return (body << 8) | segment


def split_key(symbol: str, *, default_exchange: Exchange = Exchange.NSE) -> tuple[Exchange, str]:
    """``"NSE:INFY"`` → (NSE, "INFY"); a bare ``"INFY"`` takes the default exchange."""
    exchange_code, sep, tradingsymbol = symbol.strip().partition(":")
    if not sep:
        return default_exchange, exchange_code.upper()
    try:
        return Exchange(exchange_code.upper()), tradingsymbol.upper()
    except ValueError as exc:
        raise UnknownInstrumentError(symbol) from exc


class InstrumentCatalog:
    """An immutable index of instruments and named universes."""

    def __init__(
        self, instruments: Iterable[Instrument], universes: Mapping[str, Iterable[str]]
    ) -> None:
        by_key: dict[str, Instrument] = {}
        for instrument in instruments:
            by_key[instrument.key] = instrument  # later rows (an imported dump) win
        self._by_key = MappingProxyType(by_key)
        self._by_token = MappingProxyType({i.instrument_token: i for i in by_key.values()})
        self._by_isin = MappingProxyType(
            {(i.exchange, i.isin): i for i in by_key.values() if i.isin}
        )
        self._by_exchange_token = MappingProxyType(
            {(i.exchange, i.exchange_token): i for i in by_key.values() if i.exchange_token}
        )
        self._indices = MappingProxyType(_index_names(by_key.values()))
        self._contracts = MappingProxyType(
            {_contract_key(i): i for i in by_key.values() if i.is_derivative and i.underlying}
        )
        resolved: dict[str, tuple[str, ...]] = {}
        for name, keys in universes.items():
            members = tuple(sorted(keys))
            missing = [k for k in members if k not in by_key]
            if missing:
                raise ValueError(f"universe {name} names unknown instruments {missing[:5]}")
            resolved[name] = members
        self._universes = MappingProxyType(resolved)

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_key.values())

    def get(self, symbol: str) -> Instrument:
        """The instrument for ``NSE:INFY`` (or bare ``INFY`` on NSE); raises if unknown."""
        instrument = self._by_key.get(symbol)  # a key as the catalog writes it: most asks
        if instrument is None:
            exchange, tradingsymbol = split_key(symbol)
            instrument = self._by_key.get(f"{exchange}:{tradingsymbol}")
        if instrument is None:
            raise UnknownInstrumentError(symbol)
        return instrument

    def find(self, symbol: str) -> Instrument | None:
        """Like `get`, but `None` when unknown."""
        try:
            return self.get(symbol)
        except UnknownInstrumentError:
            return None

    def by_token(self, token: int) -> Instrument:
        """The instrument with a Kite instrument token."""
        instrument = self._by_token.get(token)
        if instrument is None:
            raise UnknownInstrumentError(str(token))
        return instrument

    def by_isin(self, isin: str, exchange: Exchange = Exchange.NSE) -> Instrument:
        """The instrument listed on `exchange` with this ISIN."""
        instrument = self._by_isin.get((exchange, isin.upper()))
        if instrument is None:
            raise UnknownInstrumentError(isin)
        return instrument

    def by_exchange_token(self, exchange: Exchange, token: int) -> Instrument:
        """The instrument with this exchange token on `exchange` (how Upstox keys F&O)."""
        instrument = self._by_exchange_token.get((exchange, token))
        if instrument is None:
            raise UnknownInstrumentError(str(token))
        return instrument

    def index_named(self, exchange: Exchange, name: str) -> Instrument:
        """The index on `exchange` known by `name` under any spelling brokers use.

        Kite says ``NIFTY 50``, Upstox ``Nifty 50``, others and the F&O market ``NIFTY``;
        all of them, and the Kite name without spaces, find the same index
        (case-insensitively).
        """
        instrument = self._indices.get((exchange, name.strip().casefold()))
        if instrument is None:
            raise UnknownInstrumentError(name)
        return instrument

    def contract(
        self,
        exchange: Exchange,
        underlying: str,
        expiry: date,
        instrument_type: InstrumentType,
        strike: Decimal | None = None,
    ) -> Instrument:
        """The future or option with these terms (strike only for options)."""
        if instrument_type not in (InstrumentType.CE, InstrumentType.PE):
            strike = None
        terms = (exchange, underlying.upper(), expiry, instrument_type, strike)
        instrument = self._contracts.get(terms)
        if instrument is None:
            words = [underlying, f"{expiry:%Y-%m-%d}", str(strike or ""), instrument_type.value]
            raise UnknownInstrumentError(f"{exchange.value}:{' '.join(w for w in words if w)}")
        return instrument

    def search(self, text: str, *, limit: int = 50, offset: int = 0) -> list[Instrument]:
        """Instruments whose symbol, or a word of whose name, starts with `text`.

        Case-insensitive. Exact symbols come first, then symbol prefixes, then name
        matches; within each, cash instruments before derivatives, then by key.
        """
        needle = text.strip().casefold()
        if not needle:
            return []
        ranked: list[tuple[int, bool, str, Instrument]] = []
        for instrument in self._by_key.values():
            rank = _match_rank(instrument, needle)
            if rank is not None:
                ranked.append((rank, instrument.is_derivative, instrument.key, instrument))
        ranked.sort(key=lambda item: item[:3])
        return [item[3] for item in ranked[offset : offset + limit]]

    @property
    def universe_names(self) -> tuple[str, ...]:
        """Names of the known universes, sorted."""
        return tuple(sorted(self._universes))

    def universe(self, name: str) -> tuple[Instrument, ...]:
        """Members of a universe (e.g. ``nifty_100``), sorted by key."""
        keys = self._universes.get(name)
        if keys is None:
            raise UnknownUniverseError(name, self._universes)
        return tuple(self._by_key[k] for k in keys)


def universe_words(key: str) -> str:
    """A universe as NSE names it ("nifty_next_50" → "NIFTY Next 50"); others de-snaked."""
    first, *rest = key.split("_")
    if first.lower() != "nifty":
        return key.replace("_", " ")
    return " ".join(["NIFTY", *(word[:1].upper() + word[1:] for word in rest)])


def _index_names(instruments: Iterable[Instrument]) -> dict[tuple[Exchange, str], Instrument]:
    # One pass per spelling, strongest first, so a Kite symbol is never shadowed by
    # another index's looser alias.
    indices = [i for i in instruments if i.instrument_type is InstrumentType.INDEX]
    spellings: tuple[Callable[[Instrument], str | None], ...] = (
        lambda i: i.tradingsymbol,
        lambda i: i.upstox_key.partition("|")[2] if i.upstox_key else None,
        lambda i: i.underlying,
        lambda i: i.name,
        lambda i: i.tradingsymbol.replace(" ", ""),
    )
    names: dict[tuple[Exchange, str], Instrument] = {}
    for spelling in spellings:
        for index in indices:
            name = spelling(index)
            if name:
                names.setdefault((index.exchange, name.casefold()), index)
    return names


def _contract_key(
    i: Instrument,
) -> tuple[Exchange, str, date | None, InstrumentType, Decimal | None]:
    strike = i.strike if i.option_type is not None else None
    return (i.exchange, (i.underlying or "").upper(), i.expiry, i.instrument_type, strike)


def _match_rank(instrument: Instrument, needle: str) -> int | None:
    symbol = instrument.tradingsymbol.casefold()
    if symbol == needle:
        return 0
    if symbol.startswith(needle):
        return 1
    name = instrument.name.casefold()
    if name.startswith(needle):
        return 2
    if any(word.startswith(needle) for word in name.split()):
        return 3
    return None
