"""What the Upstox feed needs from the database and the catalog: a live session, and the keys.

The session is the stored Upstox access token (decrypted) of the first active user with an
unexpired one, admins first (`feed_sessions`, shared with the Kite feed). The instruments
are those the simulated feed prints (the shipped reference catalog: equities and indices),
each under its Upstox instrument key (`domain.symbols.upstox_key`: ``NSE_EQ|<ISIN>``,
``NSE_INDEX|<name>``); unlike Kite's tokens these come from the catalog itself, so no dump
has to be imported. An instrument Upstox cannot name (no ISIN) is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments import Instrument
from tradertape.domain.symbols import broker_symbols
from tradertape.feed.upstox import FeedInstrument, UpstoxFeedLogin
from tradertape.services.market.feed_sessions import LiveSession, StoredFeedSession


class StoredUpstoxSession(StoredFeedSession[UpstoxFeedLogin, dict[str, FeedInstrument]]):
    """An `UpstoxFeedSource` over the database (see `tradertape.feed.upstox`)."""

    broker = BrokerName.UPSTOX

    @staticmethod
    def _select(instruments: Iterable[Instrument]) -> dict[str, FeedInstrument]:
        keys: dict[str, FeedInstrument] = {}
        for instrument in instruments:
            upstox = broker_symbols(instrument).upstox
            if upstox is not None:
                keys[upstox] = FeedInstrument(instrument.key, instrument.instrument_token)
        return keys

    @staticmethod
    def _login(live: LiveSession) -> UpstoxFeedLogin:
        return UpstoxFeedLogin(live.user_id, live.access_token)

    def instruments(self) -> Mapping[str, FeedInstrument]:
        """Upstox key → our instrument, for every wanted one Upstox can name."""
        return dict(self._wanted)
