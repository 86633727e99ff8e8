"""The Kite REST fake serves its own ticker at ``/ws``: its prices reach the server's quote
book through ``TRADERTAPE_FEED=kite``, only its live sessions get in, and an order placed
at the fake is pushed on the socket as Kite's order-update text message."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import websockets
from typer.testing import CliRunner

from tests.kite_ticker_kit import serving
from tests.market import eventually
from tests.serving import serve
from tradertape.bus.memory import InProcessBus
from tradertape.cli import app as cli_app
from tradertape.db.engine import Database
from tradertape.db.leader import LeaderLease
from tradertape.domain.brokers import BrokerName
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, FakeKite, create_app
from tradertape.feed.kite import KiteFeed
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
INFY = 408065


def _login(kite: FakeKite) -> str:
    """An access token of the fake, minted the way its login flow does."""
    _app, request_token = kite.sessions.login(DEFAULT_API_KEY)
    checksum = hashlib.sha256(
        (DEFAULT_API_KEY + request_token + DEFAULT_API_SECRET).encode()
    ).hexdigest()
    session = kite.sessions.exchange(
        api_key=DEFAULT_API_KEY, request_token=request_token, checksum=checksum, now=kite.now()
    )
    token: str = session["access_token"]
    return token


async def test_fake_kite_ticks_reach_the_quote_book(
    settings: Settings, clock: ManualClock, database: Database
):
    app = create_app(clock=clock.now, ticker_interval_secs=0.01)
    kite: FakeKite = app.state.kite
    kite.set_price("NSE:INFY", Decimal("1512.35"))
    token = _login(kite)
    bus = InProcessBus()
    async with serving(app) as root:
        chosen = settings.model_copy(update={"feed": "kite", "kite_ticker_url": f"{root}/ws"})
        runtime = Runtime.build(chosen, clock=clock, db=database, transport=LogTransport(), bus=bus)
        assert isinstance(runtime.feed, KiteFeed)
        with database.session() as db:
            user = create_user(db, clock=clock, email="admin@x.in", is_admin=True)
            update = CredentialUpdate(api_key=DEFAULT_API_KEY, access_token=token)
            runtime.brokers.save(db, user=user, broker=BrokerName.KITE, update=update)
            import_kite_csv(db, DUMP, clock=clock)
        lease = LeaderLease(database)
        market = asyncio.create_task(_market(runtime, lease, retry_s=0.01))
        try:
            await eventually(lambda: runtime.quotes("NSE:INFY") is not None, limit_s=10)
            infy = runtime.quotes("NSE:INFY")
            assert infy is not None
            # The day opened at the instrument's 1500 (the book's previous close) and moved.
            assert (infy.last_price, infy.prev_close) == (Decimal("1512.35"), Decimal("1500.00"))
            kite.set_price("NSE:INFY", Decimal("1498.10"))
            await eventually(lambda: _last(runtime) == Decimal("1498.10"), limit_s=10)
        finally:
            market.cancel()
            await asyncio.gather(market, return_exceptions=True)
            lease.release()
            await bus.close()


def _last(runtime: Runtime) -> Decimal | None:
    quote = runtime.quotes("NSE:INFY")
    return None if quote is None else quote.last_price


async def test_an_order_at_the_fake_is_pushed_on_its_socket(clock: ManualClock):
    app = create_app(clock=clock.now, ticker_interval_secs=0.01)
    kite: FakeKite = app.state.kite
    token = _login(kite)
    async with serving(app) as root:
        refused = f"{root}/ws?api_key={DEFAULT_API_KEY}&access_token=made-up"
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(refused):
                pass
        url = f"{root}/ws?api_key={DEFAULT_API_KEY}&access_token={token}"
        async with websockets.connect(url) as socket:
            await eventually(lambda: app.state.ticker.connections == 1)
            form = {
                "exchange": "NSE",
                "tradingsymbol": "INFY",
                "transaction_type": "BUY",
                "order_type": "LIMIT",
                "product": "CNC",
                "quantity": "2",
                "price": "1400",
                "validity": "DAY",
            }
            order_id = kite.book.place("regular", form)
            await _placed_in_loop()
            message = await _next_text(socket)
            assert message["type"] == "order"
            assert (message["data"]["order_id"], message["data"]["status"]) == (order_id, "OPEN")
            assert (message["data"]["quantity"], message["data"]["price"]) == (2, 1400.0)
            kite.set_price("NSE:INFY", Decimal("1399.5"))  # the limit is reached: it fills
            await _placed_in_loop()
            filled = await _next_text(socket)
            assert (filled["data"]["status"], filled["data"]["average_price"]) == (
                "COMPLETE",
                1399.5,
            )
            assert filled["data"]["filled_quantity"] == 2


async def _placed_in_loop() -> None:
    await asyncio.sleep(0)  # the push runs as a task on this loop


async def _next_text(socket: websockets.ClientConnection) -> dict[str, Any]:
    """The next text frame (binary tick frames and heartbeats are skipped)."""
    while True:
        frame = await asyncio.wait_for(socket.recv(), timeout=10)
        if isinstance(frame, str):
            parsed: dict[str, Any] = json.loads(frame)
            return parsed


def test_walk_moves_prices_by_itself_while_served():
    app = create_app(walk_secs=0.01)
    kite: FakeKite = app.state.kite
    assert kite.ltp(INFY) == Decimal("1500.00")
    with serve(app):
        pause = threading.Event()
        for _ in range(1000):
            if kite.ltp(INFY) != Decimal("1500.00"):
                break
            pause.wait(0.01)
    moved = kite.ltp(INFY)
    assert moved != Decimal("1500.00")
    assert moved % Decimal("0.05") == 0  # on the tick grid


def test_only_the_kite_fake_walks():
    result = CliRunner().invoke(cli_app, ["fake-broker", "upstox", "--walk", "1"])
    assert result.exit_code == 2
    assert "only the kite fake walks its prices" in " ".join(result.output.split())
