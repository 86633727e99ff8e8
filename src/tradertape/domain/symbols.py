"""One instrument, three brokers' names for it.

TraderTape keys instruments the Kite way (``NSE:RELIANCE``). Upstox keys them by
segment and a stable identifier: the ISIN for equities (``NSE_EQ|INE002A01018``), a
display name for indices (``NSE_INDEX|Nifty 50``) and the exchange token for F&O
(``NSE_FO|43919``). Groww uses the exchange's trading symbol with an exchange and a
segment (``CASH``/``FNO``), plus a readable ``groww_symbol`` (``NSE-WIPRO``,
``NSE-NIFTY-30Sep25-24650-CE``).

Every conversion goes through an `Instrument` of the catalog, so a symbol converts
only if we know the instrument, and what a broker calls it comes from the same row
the rest of the system trades. Unknown input raises `UnknownInstrumentError` naming
the input exactly as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    UnknownInstrumentError,
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GROWW_EXPIRY = re.compile(r"(\d{2})([A-Za-z]{3})(\d{2})")

# Upstox segment prefixes by (exchange, kind of instrument) and back.
_UPSTOX_CASH = {Exchange.NSE: "NSE_EQ", Exchange.BSE: "BSE_EQ"}
_UPSTOX_INDEX = {Exchange.NSE: "NSE_INDEX", Exchange.BSE: "BSE_INDEX"}
_UPSTOX_FO = {Exchange.NFO: "NSE_FO", Exchange.BFO: "BSE_FO"}
_UPSTOX_SEGMENTS = {
    **{seg: (exchange, InstrumentType.EQ) for exchange, seg in _UPSTOX_CASH.items()},
    **{seg: (exchange, InstrumentType.INDEX) for exchange, seg in _UPSTOX_INDEX.items()},
    **{seg: (exchange, InstrumentType.FUT) for exchange, seg in _UPSTOX_FO.items()},
}

# Groww names the cash exchange for derivatives too; the segment tells them apart.
_CASH_OF = {Exchange.NFO: Exchange.NSE, Exchange.BFO: Exchange.BSE}
_DERIVATIVES_OF = {cash: fo for fo, cash in _CASH_OF.items()}


class SymbolFormat(StrEnum):
    """The broker whose symbol format a string is in."""

    KITE = "kite"
    UPSTOX = "upstox"
    GROWW = "groww"


class UnmappedSymbolError(LookupError):
    """The instrument is known, but this broker's key for it cannot be derived."""

    def __init__(self, key: str, broker: SymbolFormat, reason: str) -> None:
        super().__init__(f"no {broker.value} symbol for {key}: {reason}")
        self.key = key
        self.broker = broker


@dataclass(frozen=True, slots=True)
class GrowwSymbol:
    """How Groww's API names an instrument: the order fields plus ``groww_symbol``."""

    trading_symbol: str
    exchange: str  # NSE | BSE
    segment: str  # CASH | FNO
    groww_symbol: str


@dataclass(frozen=True, slots=True)
class BrokerSymbols:
    """An instrument's identifiers at every broker; `None` where one cannot be derived."""

    kite: str
    upstox: str | None
    groww: GrowwSymbol | None


def upstox_key(instrument: Instrument) -> str:
    """Upstox's instrument key, e.g. ``NSE_EQ|INE002A01018``."""
    kind = instrument.instrument_type
    if kind is InstrumentType.INDEX and instrument.exchange in _UPSTOX_INDEX:
        # Unknown indices fall back to the Kite name, which Upstox writes the same
        # way up to case for every index in the reference data.
        fallback = f"{_UPSTOX_INDEX[instrument.exchange]}|{instrument.tradingsymbol}"
        return instrument.upstox_key or fallback
    if kind is InstrumentType.EQ and instrument.exchange in _UPSTOX_CASH:
        if not instrument.isin:
            raise UnmappedSymbolError(instrument.key, SymbolFormat.UPSTOX, "its ISIN is unknown")
        return f"{_UPSTOX_CASH[instrument.exchange]}|{instrument.isin}"
    if instrument.is_derivative and instrument.exchange in _UPSTOX_FO:
        if instrument.exchange_token is None:
            reason = "its exchange token is unknown (import a Kite instruments dump)"
            raise UnmappedSymbolError(instrument.key, SymbolFormat.UPSTOX, reason)
        return f"{_UPSTOX_FO[instrument.exchange]}|{instrument.exchange_token}"
    raise UnmappedSymbolError(instrument.key, SymbolFormat.UPSTOX, "unsupported segment")


def groww_symbol(instrument: Instrument) -> GrowwSymbol:
    """Groww's trading symbol, exchange, segment and ``groww_symbol``."""
    if not instrument.is_derivative:
        exchange = instrument.exchange.value
        symbol = instrument.tradingsymbol
        if instrument.instrument_type is InstrumentType.INDEX:
            # Groww names indices by their F&O code (NIFTY, BANKNIFTY), as NSE does.
            symbol = instrument.underlying or symbol.replace(" ", "")
        return GrowwSymbol(symbol, exchange, "CASH", f"{exchange}-{symbol}")
    if instrument.underlying is None or instrument.expiry is None:
        reason = "its underlying or expiry is unknown"
        raise UnmappedSymbolError(instrument.key, SymbolFormat.GROWW, reason)
    exchange = _CASH_OF[instrument.exchange].value
    parts = [exchange, instrument.underlying, _groww_date(instrument.expiry)]
    if instrument.option_type is not None:
        if instrument.strike is None:
            raise UnmappedSymbolError(instrument.key, SymbolFormat.GROWW, "its strike is unknown")
        parts.append(_plain(instrument.strike))
    parts.append(instrument.instrument_type.value)
    return GrowwSymbol(instrument.tradingsymbol, exchange, "FNO", "-".join(parts))


def broker_symbols(instrument: Instrument) -> BrokerSymbols:
    """Every broker's identifier for `instrument`."""
    upstox: str | None
    groww: GrowwSymbol | None
    try:
        upstox = upstox_key(instrument)
    except UnmappedSymbolError:
        upstox = None
    try:
        groww = groww_symbol(instrument)
    except UnmappedSymbolError:
        groww = None
    return BrokerSymbols(kite=instrument.key, upstox=upstox, groww=groww)


def from_upstox(catalog: InstrumentCatalog, key: str) -> Instrument:
    """The instrument with Upstox key `key` (``NSE_EQ|INE…``, ``NSE_INDEX|…``, ``NSE_FO|…``)."""
    segment, _, identifier = key.strip().partition("|")
    found = _UPSTOX_SEGMENTS.get(segment.upper())
    if found is None or not identifier:
        raise UnknownInstrumentError(key)
    exchange, kind = found
    try:
        if kind is InstrumentType.EQ:
            return catalog.by_isin(identifier, exchange)
        if kind is InstrumentType.INDEX:
            return catalog.index_named(exchange, identifier)
        if not identifier.isdecimal():
            raise UnknownInstrumentError(key)
        return catalog.by_exchange_token(exchange, int(identifier))
    except UnknownInstrumentError as exc:
        raise UnknownInstrumentError(key) from exc


def from_groww(
    catalog: InstrumentCatalog, trading_symbol: str, exchange: str, segment: str = "CASH"
) -> Instrument:
    """The instrument Groww's order fields name (segment ``CASH`` or ``FNO``)."""
    asked = f"{exchange}:{trading_symbol} ({segment})"
    try:
        cash = Exchange(exchange.strip().upper())
    except ValueError as exc:
        raise UnknownInstrumentError(asked) from exc
    symbol = trading_symbol.strip().upper()
    kind = segment.strip().upper()
    if kind == "FNO" and cash in _DERIVATIVES_OF:
        found = catalog.find(f"{_DERIVATIVES_OF[cash].value}:{symbol}")
        if found is not None and found.is_derivative:
            return found
    elif kind == "CASH" and cash in _DERIVATIVES_OF:
        found = catalog.find(f"{cash.value}:{symbol}")
        if found is not None:
            return found
        try:
            return catalog.index_named(cash, symbol)
        except UnknownInstrumentError:
            pass
    raise UnknownInstrumentError(asked)


def from_groww_symbol(catalog: InstrumentCatalog, symbol: str) -> Instrument:
    """The instrument with ``groww_symbol`` `symbol` (``NSE-NIFTY-30Sep25-FUT``...)."""
    exchange, _, rest = symbol.strip().partition("-")
    parts = rest.split("-")
    try:
        cash = Exchange(exchange.upper())
        if len(parts) >= 3 and parts[-1].upper() == "FUT":
            expiry = _parse_groww_date(parts[-2])
            if expiry is not None:
                underlying = "-".join(parts[:-2])
                fut = InstrumentType.FUT
                return catalog.contract(_DERIVATIVES_OF[cash], underlying, expiry, fut)
        if len(parts) >= 4 and parts[-1].upper() in ("CE", "PE"):
            expiry = _parse_groww_date(parts[-3])
            strike = _parse_strike(parts[-2])
            if expiry is not None and strike is not None:
                underlying = "-".join(parts[:-3])
                option = InstrumentType(parts[-1].upper())
                derivatives = _DERIVATIVES_OF[cash]
                return catalog.contract(derivatives, underlying, expiry, option, strike)
        return from_groww(catalog, rest, cash.value, "CASH")
    except (ValueError, KeyError, UnknownInstrumentError) as exc:
        raise UnknownInstrumentError(symbol) from exc


def detect_format(symbol: str) -> SymbolFormat:
    """Which broker's format `symbol` is in; a bare symbol counts as Kite's (NSE)."""
    text = symbol.strip()
    if "|" in text:
        return SymbolFormat.UPSTOX
    if ":" not in text and re.match(r"(NSE|BSE)-.", text, re.IGNORECASE):
        return SymbolFormat.GROWW
    return SymbolFormat.KITE


def resolve(catalog: InstrumentCatalog, symbol: str) -> Instrument:
    """The instrument `symbol` names, in any of the three formats."""
    kind = detect_format(symbol)
    if kind is SymbolFormat.UPSTOX:
        return from_upstox(catalog, symbol)
    if kind is SymbolFormat.GROWW:
        return from_groww_symbol(catalog, symbol)
    return catalog.get(symbol)


def kite_to_upstox(catalog: InstrumentCatalog, kite_key: str) -> str:
    """``NSE:RELIANCE`` → ``NSE_EQ|INE002A01018``."""
    return upstox_key(catalog.get(kite_key))


def upstox_to_kite(catalog: InstrumentCatalog, key: str) -> str:
    """``NSE_EQ|INE002A01018`` → ``NSE:RELIANCE``."""
    return from_upstox(catalog, key).key


def kite_to_groww(catalog: InstrumentCatalog, kite_key: str) -> GrowwSymbol:
    """``NSE:WIPRO`` → Groww's (``WIPRO``, ``NSE``, ``CASH``, ``NSE-WIPRO``)."""
    return groww_symbol(catalog.get(kite_key))


def groww_to_kite(
    catalog: InstrumentCatalog, trading_symbol: str, exchange: str, segment: str = "CASH"
) -> str:
    """Groww's (trading symbol, exchange, segment) → the Kite key."""
    return from_groww(catalog, trading_symbol, exchange, segment).key


def _groww_date(day: date) -> str:
    return f"{day.day:02d}{_MONTHS[day.month - 1]}{day.year % 100:02d}"


def _parse_groww_date(text: str) -> date | None:
    match = _GROWW_EXPIRY.fullmatch(text)
    if match is None or match.group(2).title() not in _MONTHS:
        return None
    month = _MONTHS.index(match.group(2).title()) + 1
    return date(2000 + int(match.group(3)), month, int(match.group(1)))


def _parse_strike(text: str) -> Decimal | None:
    try:
        strike = Decimal(text)
    except InvalidOperation:
        return None
    return strike if strike.is_finite() and strike > 0 else None


def _plain(value: Decimal) -> str:
    """24650.00 → ``24650``; 1002.50 → ``1002.5`` (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")
