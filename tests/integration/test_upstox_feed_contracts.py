"""An imported F&O contract on a watchlist is subscribed at the (fake) Upstox feed under the
key Upstox names it by, the dump's exchange token (``NSE_FO|52168``): no one teaches the
server the key (issue 54). An expired contract, or one nobody watches, is not subscribed."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.integration.test_upstox_feed import _store_session
from tests.serving import serve
from tests.upstox_feed_kit import INFY, mint_token
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.domain.brokers import BrokerName
from tradertape.fakebrokers.upstox import create_app as create_fake
from tradertape.feed.upstox import FeedInstrument, UpstoxFeed
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.market import watchlists
from tradertape.services.market.instruments import import_kite_csv
from tradertape.services.market.upstox_feed import StoredUpstoxSession
from tradertape.settings import Settings

pytestmark = pytest.mark.db
HEADER = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,"
    "lot_size,instrument_type,segment,exchange\n"
)
DUMP = HEADER + (
    "13351172,52168,NIFTY26DECFUT,NIFTY,0.0,2026-12-29,0.0,0.1,65,FUT,NFO-FUT,NFO\n"
    "13351428,52169,NIFTY27JANFUT,NIFTY,0.0,2027-01-26,0.0,0.1,65,FUT,NFO-FUT,NFO\n"
    "12000002,46875,NIFTY26OCTFUT,NIFTY,0.0,2026-10-27,0.0,0.1,65,FUT,NFO-FUT,NFO\n"
)
DEC, OCT = "NFO:NIFTY26DECFUT", "NFO:NIFTY26OCTFUT"  # the clock is in Nov 2026: OCT expired


def _watch(runtime: Runtime, *items: str) -> None:
    with runtime.db.session() as db:
        import_kite_csv(db, DUMP, clock=runtime.clock)
        user = create_user(db, clock=runtime.clock, email="watcher@x.in")
        catalog = runtime.exchange.catalog(db)
        watchlists.create(
            db, catalog, clock=runtime.clock, user_id=user.id, name="F&O", items=list(items)
        )


def test_a_watched_imported_contract_is_wanted_under_its_exchange_token(runtime: Runtime):
    source = StoredUpstoxSession(
        db=runtime.db, credentials=runtime.brokers, clock=runtime.clock, instruments=runtime.catalog
    )
    shipped = dict(source.instruments())
    _watch(runtime, "NSE:INFY", DEC, OCT)

    keys = source.instruments()

    assert keys["NSE_FO|52168"] == FeedInstrument(DEC, 13351172)
    assert "NSE_FO|46875" not in keys  # expired
    assert "NSE_FO|52169" not in keys  # imported, but nobody watches it
    assert set(keys) - set(shipped) == {"NSE_FO|52168"}


def test_the_upstox_feed_subscribes_a_watched_contract_by_its_upstox_key(
    settings: Settings, clock: ManualClock, database: Database
):
    fake = create_fake(now=clock.now, feed_interval_secs=None)
    token = mint_token(fake)
    with serve(fake) as fake_url, httpx.Client(base_url=fake_url, timeout=5) as control:
        chosen = settings.model_copy(update={"feed": "upstox", "upstox_root": fake_url})
        runtime = Runtime.build(chosen, clock=clock, db=database, transport=LogTransport())
        assert isinstance(runtime.feed, UpstoxFeed)
        _watch(runtime, DEC)
        _store_session(
            runtime, email="admin@x.in", admin=True, token=token, broker=BrokerName.UPSTOX
        )
        with serve(create_app(runtime)):  # its loop runs the feed
            subscribed: dict[str, str] = {}
            for _ in range(1000):  # bounded: until the feed has subscribed at the fake
                state = control.get("/_control/feed").json()
                if state["subscriptions"] and INFY in state["subscriptions"][0]:
                    subscribed = state["subscriptions"][0]
                    break
                threading.Event().wait(0.01)
    assert subscribed["NSE_FO|52168"] == "full"
    assert "NSE_FO|46875" not in subscribed
