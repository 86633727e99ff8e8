"""What the Kite feed needs from the database: a live session, and the tokens to subscribe.

The session is the stored Kite access token (decrypted) of the first active user with an
unexpired one, admins first (`feed_sessions`, shared with the Upstox feed). The
instruments are those the simulated feed prints (the shipped reference catalog: equities
and indices), each under the token of its row in the imported Kite instruments dump; an
instrument the dump does not list has no real token and is left out (our synthetic tokens
mean nothing to Kite).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select

from tradertape.db.models import KiteInstrument
from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments import Instrument
from tradertape.feed.kite import KiteLogin
from tradertape.services.market.feed_sessions import LiveSession, StoredFeedSession


class StoredKiteSession(StoredFeedSession[KiteLogin, dict[tuple[str, str], str]]):
    """A `KiteFeedSource` over the database (see `tradertape.feed.kite`)."""

    broker = BrokerName.KITE

    @staticmethod
    def _select(instruments: Iterable[Instrument]) -> dict[tuple[str, str], str]:
        return {(i.exchange.value, i.tradingsymbol): i.key for i in instruments}

    @staticmethod
    def _login(live: LiveSession) -> KiteLogin:
        return KiteLogin(user_id=live.user_id, api_key=live.api_key, access_token=live.access_token)

    def instruments(self) -> Mapping[int, str]:
        """Kite token → key of every wanted instrument the imported dump lists."""
        symbols = sorted({symbol for _, symbol in self._wanted})
        query = select(
            KiteInstrument.exchange, KiteInstrument.tradingsymbol, KiteInstrument.instrument_token
        ).where(KiteInstrument.tradingsymbol.in_(symbols))
        with self._db.session() as db:
            rows = db.execute(query).all()
        found: dict[int, str] = {}
        for exchange, symbol, token in rows:
            key = self._wanted.get((exchange, symbol))
            if key is not None:
                found[int(token)] = key
        return found
