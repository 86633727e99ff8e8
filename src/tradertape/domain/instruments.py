"""Instruments: what can be traded or watched, keyed the way Kite writes it (``NSE:RELIANCE``).

Generic over segments from day one (equity, index, future, option) so options and F&O
need no new shape later. An `InstrumentCatalog` is an immutable in-memory index; where
its rows come from (shipped reference data, a Kite dump) is the loader's business.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
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

    @property
    def key(self) -> str:
        """``EXCHANGE:TRADINGSYMBOL``, the key used across the API (Kite's format)."""
        return f"{self.exchange.value}:{self.tradingsymbol}"

    @property
    def is_tradable(self) -> bool:
        """Indices are quoted but cannot be ordered."""
        return self.instrument_type is not InstrumentType.INDEX

    @property
    def is_derivative(self) -> bool:
        """Futures and options."""
        return self.instrument_type in (InstrumentType.FUT, InstrumentType.CE, InstrumentType.PE)


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
        exchange, tradingsymbol = split_key(symbol)
        instrument = self._by_key.get(f"{exchange.value}:{tradingsymbol}")
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
