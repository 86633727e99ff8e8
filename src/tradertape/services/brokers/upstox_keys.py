"""The Upstox instrument keys the server's adapters name instruments by, from the catalog
as it stands (`CatalogKeys`): the shipped instruments and every imported dump's contracts.

Kept apart from `upstox_session` because it loads the Upstox SDK (through
`tradertape_brokers.upstox`), which a server without Upstox users never needs.
"""

from __future__ import annotations

import threading

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.symbols import UnmappedSymbolError, upstox_key
from tradertape.services.brokers.upstox_session import CurrentCatalog
from tradertape_brokers.port import OrderRejected
from tradertape_brokers.upstox.keys import InstrumentKeys


def _upstox_pairs(catalog: InstrumentCatalog) -> dict[str, str]:
    """Kite key → Upstox key of every instrument Upstox can name (no other broker's are
    built: a full dump is ~100k rows)."""
    pairs: dict[str, str] = {}
    for instrument in catalog:
        try:
            pairs[instrument.key] = upstox_key(instrument)
        except UnmappedSymbolError:
            continue
    return pairs


class CatalogKeys(InstrumentKeys):
    """The Upstox keys of the catalog as it stands, not as it shipped.

    The shipped catalog has no derivatives: an F&O contract is known once a Kite dump is
    imported, and Upstox names it by the dump's exchange token (``NSE_FO|52168``,
    `domain.symbols.upstox_key`). So a key this map does not hold is looked for again in
    the current catalog (`current`), read afresh only when an import changed it: a contract
    imported after start-up is sent under its own key, and a known key costs nothing.
    Reading back (`kite`) builds the map once; afterwards a key sent is known both ways.
    """

    def __init__(self, current: CurrentCatalog) -> None:
        super().__init__({})
        self._current = current
        self._built: InstrumentCatalog | None = None
        self._building = threading.Lock()

    def _refresh(self) -> bool:
        """Learn the current catalog's keys; False if it is the one already learned."""
        catalog = self._current()
        with self._building:
            if catalog is self._built:
                return False
            for kite_key, upstox in _upstox_pairs(catalog).items():
                self.learn(kite_key, upstox)
            self._built = catalog
        return True

    def upstox(self, kite_key: str) -> str:
        """``NFO:NIFTY26DECFUT`` → ``NSE_FO|52168``, once its dump is imported."""
        try:
            return super().upstox(kite_key)
        except OrderRejected:
            if not self._refresh():
                raise
        return super().upstox(kite_key)

    def kite(self, upstox_key: str) -> str | None:
        """``NSE_FO|52168`` → ``NFO:NIFTY26DECFUT`` (None if the catalog cannot name it)."""
        if self._built is None:
            self._refresh()
        return super().kite(upstox_key)
