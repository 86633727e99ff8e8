"""Instrument names: Kite's ``NSE:RELIANCE`` at the port, Upstox's ``NSE_EQ|<ISIN>`` on the wire.

Upstox keys equities by ISIN and derivatives by exchange token, neither derivable from the
Kite key alone, so the caller hands in the mapping (the server builds it from its instrument
catalog). Responses carry Upstox's own ``exchange`` and ``trading_symbol``, so reading back
needs the mapping only for quotes and candles.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradertape_brokers.port import OrderRejected

# Upstox segment → Kite exchange (responses name the segment's exchange part only).
SEGMENT_EXCHANGE = {
    "NSE_EQ": "NSE",
    "BSE_EQ": "BSE",
    "NSE_FO": "NFO",
    "BSE_FO": "BFO",
    "NSE_INDEX": "NSE",
    "BSE_INDEX": "BSE",
    "MCX_FO": "MCX",
    "NCD_FO": "CDS",
    "BCD_FO": "BCD",
}


class InstrumentKeys:
    """A two-way map between Kite keys and Upstox instrument keys."""

    def __init__(self, kite_to_upstox: Mapping[str, str]) -> None:
        self._to_upstox = dict(kite_to_upstox)
        self._to_kite = {upstox: kite for kite, upstox in self._to_upstox.items()}

    def learn(self, kite_key: str, upstox_key: str) -> None:
        """Add one pair (an instrument learned after start-up, e.g. from a signal's ISIN)."""
        self._to_upstox[kite_key] = upstox_key
        self._to_kite[upstox_key] = kite_key

    def upstox(self, kite_key: str) -> str:
        """``NSE:RELIANCE`` → ``NSE_EQ|INE002A01018``; an unknown key is a rejected order."""
        try:
            return self._to_upstox[kite_key]
        except KeyError:
            raise OrderRejected(f"no Upstox instrument key for {kite_key}") from None

    def kite(self, upstox_key: str) -> str | None:
        """``NSE_EQ|INE002A01018`` → ``NSE:RELIANCE`` (None if the key is not mapped)."""
        return self._to_kite.get(upstox_key)

    def kite_of(self, upstox_key: str, exchange: str | None, symbol: str | None) -> str:
        """The Kite key of a row: the mapping first, else the row's own exchange and symbol."""
        known = self.kite(upstox_key)
        if known is not None:
            return known
        segment = upstox_key.partition("|")[0]
        exch = SEGMENT_EXCHANGE.get(segment, exchange or segment)
        return f"{exch}:{symbol or upstox_key.partition('|')[2]}"
