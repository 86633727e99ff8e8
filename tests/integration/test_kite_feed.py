"""``TRADERTAPE_FEED=kite``: ticks from the (fake) Kite ticker reach the bus and the quote
book through the app's market task, order updates reach the bus, and without a session or
with a refused one the feed waits for a new login."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from tests.kite_ticker_kit import serving
from tests.market import eventually, receive
from tradertape.bus.memory import InProcessBus
from tradertape.db.engine import Database
from tradertape.db.leader import LeaderLease
from tradertape.domain.brokers import BrokerName
from tradertape.domain.market import DepthLevel
from tradertape.fakebrokers.kite_ticker import FakeTicker, FixedPrices
from tradertape.feed.kite import KITE_ORDER_UPDATES_TOPIC, KiteFeed, KiteFeedConfig, KiteLogin
from tradertape.jobs.trading import market as _market
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.brokers.credentials import CredentialUpdate
from tradertape.services.market.instruments import import_kite_csv
from tradertape.settings import Settings

pytestmark = pytest.mark.anyio

DUMP = Path(__file__).parents[1] / "data" / "kite_instruments.csv"
INFY, NIFTY = 408065, 256265  # their tokens in the dump


def _store_session(runtime: Runtime, *, email: str, admin: bool, token: str) -> int:
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=email, is_admin=admin)
        update = CredentialUpdate(api_key="kitefront", access_token=token)
        runtime.brokers.save(db, user=user, broker=BrokerName.KITE, update=update)
        return user.id


async def test_kite_ticks_reach_the_quote_book_and_order_updates_the_bus(
    settings: Settings, clock: ManualClock, database: Database
):
    prices = FixedPrices({INFY: Decimal("1520.5"), NIFTY: Decimal("26010.15")})
    ticker = FakeTicker(
        prices,
        interval_secs=0.01,
        authorize=lambda key, token: token == "admin-token",
        clock=clock,
        previous_close={INFY: Decimal("1490")}.get,
    )
    bus = InProcessBus()
    async with serving(ticker) as url:
        chosen = settings.model_copy(update={"feed": "kite", "kite_ticker_url": url})
        runtime = Runtime.build(chosen, clock=clock, db=database, transport=LogTransport(), bus=bus)
        assert isinstance(runtime.feed, KiteFeed)
        _store_session(runtime, email="someone@x.in", admin=False, token="user-token")
        admin = _store_session(runtime, email="admin@x.in", admin=True, token="admin-token")
        with database.session() as db:
            import_kite_csv(db, DUMP, clock=clock)
        updates = await bus.subscribe(KITE_ORDER_UPDATES_TOPIC)
        lease = LeaderLease(database)
        market = asyncio.create_task(_market(runtime, lease, retry_s=0.01))
        try:
            await eventually(lambda: runtime.quotes("NSE:INFY") is not None, limit_s=10)
            await eventually(lambda: runtime.quotes("NSE:NIFTY 50") is not None)
            infy = runtime.quotes("NSE:INFY")
            assert infy is not None
            assert (infy.instrument_token, infy.last_price, infy.ts) == (
                INFY,
                Decimal("1520.50"),
                clock.now(),
            )
            assert (infy.open, infy.prev_close) == (Decimal("1520.50"), Decimal("1490.00"))
            assert (infy.bid, infy.ask, infy.bid_quantity) == (
                Decimal("1520.50"),
                Decimal("1520.55"),
                10,
            )
            assert infy.asks[4] == DepthLevel(Decimal("1520.75"), 50, 5)
            nifty = runtime.quotes("NSE:NIFTY 50")
            assert nifty is not None
            assert (nifty.last_price, nifty.bids) == (Decimal("26010.15"), ())
            # Only instruments the platform prices, each by its Kite token, in full mode.
            assert ticker.subscriptions()[0][INFY].value == "full"
            assert set(runtime.feed.keys) >= {"NSE:INFY", "NSE:RELIANCE", "NSE:NIFTY 50"}
            assert "NSE:KITEX" not in runtime.feed.keys  # in the dump, not in the universe

            order = {"order_id": "2411230001", "status": "COMPLETE", "filled_quantity": 5}
            assert await ticker.push_order_update(order) == 1
            _topic, message = await receive(updates)
            assert message == {
                "broker": "kite",
                "user_id": admin,
                "received_at": clock.now().isoformat(),
                "data": order,
            }
        finally:
            market.cancel()
            await asyncio.gather(market, return_exceptions=True)
            lease.release()
            await updates.close()
            await bus.close()


class Source:
    """A hand-set `KiteFeedSource`."""

    def __init__(self) -> None:
        self.session: KiteLogin | None = None
        self.tokens: dict[int, str] = {}

    def login(self) -> KiteLogin | None:
        return self.session

    def instruments(self) -> Mapping[int, str]:
        return self.tokens


async def test_the_feed_waits_for_a_session_and_for_a_new_one_after_a_refusal(clock: ManualClock):
    ticker = FakeTicker(
        FixedPrices({INFY: Decimal("1520.5")}),
        interval_secs=0.01,
        authorize=lambda key, token: token == "fresh",
    )
    source = Source()
    waits: list[float] = []
    bus = InProcessBus()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    async with serving(ticker) as url:
        feed = KiteFeed(
            bus=bus,
            clock=clock,
            source=source,
            config=KiteFeedConfig(url=url, wait_secs=30),
            sleep=sleep,
        )
        task = asyncio.create_task(feed.run())
        try:
            await eventually(lambda: len(waits) >= 2)  # no session yet
            source.session = KiteLogin(user_id=1, api_key="k", access_token="stale")
            await eventually(lambda: len(waits) >= 4)  # a session, but no instruments
            source.tokens = {INFY: "NSE:INFY"}
            await eventually(lambda: len(waits) >= 6)  # refused: the same token is not retried
            assert ticker.connections_opened == 0
            assert feed.published == 0
            source.session = KiteLogin(user_id=1, api_key="k", access_token="fresh")
            await eventually(lambda: feed.published > 0)
            tick = feed.last("NSE:INFY")
            assert tick is not None
            assert tick.last_price == Decimal("1520.50")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await bus.close()
    assert set(waits) == {30}
