"""What the Upstox feed needs from the database and the catalog: a live session, and the keys.

The session is the stored Upstox access token (decrypted) of the first active user with an
unexpired one, admins first (`feed_sessions`, shared with the Kite feed). The instruments
are those the simulated feed prints (the shipped reference catalog: equities and indices),
each under its Upstox instrument key (`domain.symbols.upstox_key`: ``NSE_EQ|<ISIN>``,
``NSE_INDEX|<name>``); unlike Kite's tokens these come from the catalog itself, so no dump
has to be imported. An instrument Upstox cannot name (no ISIN) is left out.

F&O contracts are not in the shipped catalog: one imported from a dump and on someone's
watchlist is subscribed too, under the key Upstox names it by, the dump's exchange token
(``NSE_FO|52168``). The list is read at each session's start, so a contract watched later
is subscribed from the next (re)connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.watchlists import Watchlist
from tradertape.domain.brokers import BrokerName
from tradertape.domain.calendar import IST
from tradertape.domain.instruments import Instrument
from tradertape.domain.symbols import broker_symbols
from tradertape.feed.upstox import FeedInstrument, UpstoxFeedLogin
from tradertape.services.market.feed_sessions import LiveSession, StoredFeedSession
from tradertape.services.market.instruments import build_catalog


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
        """Upstox key → our instrument, for every wanted one Upstox can name and every
        imported F&O contract on a watchlist that has not expired."""
        with self._db.session() as db:
            watched = watched_contracts(db, today=self._clock.now().astimezone(IST).date())
        return {**self._wanted, **self._select(watched)}


def watched_contracts(db: Session, *, today: date) -> list[Instrument]:
    """The imported derivatives (futures, options) some watchlist holds, unexpired."""
    catalog = build_catalog(db)
    keys = sorted({key for items in db.scalars(select(Watchlist.items)) for key in items})
    found = (catalog.find(key) for key in keys)
    return [
        i
        for i in found
        if i is not None and i.is_derivative and (i.expiry is None or i.expiry >= today)
    ]
