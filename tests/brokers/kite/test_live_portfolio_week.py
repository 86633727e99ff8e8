"""The same model-portfolio week twice at once: one user's portfolio on the paper broker,
another user's live at the fake Kite, whose market follows the very ticks the simulated
feed prints (`tests.portfolio_week`). Scan → cart → GTT at the fake → trigger → fill →
position and stop GTT → exit rule → sold at Thursday's open (the live exit as a SELL GTT,
or as an AMO): both ledgers must be equal, trade by trade, rupee entry by rupee entry,
charges to the paisa.

The fake fills as the paper exchange does: buys at the ask, sells at the bid (a LIMIT at
its limit or better), and an AMO waits for the 09:15 session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, closing
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_server_login import kite_login
from tests.helpers import sign_in
from tests.portfolio_week import (
    FRI,
    ITC,
    MON,
    STRATEGY,
    THU,
    TUE,
    WED,
    WIPRO,
    Market,
    approve_and_place,
    at,
    deploy,
    portfolio,
    positions,
    signals,
    write_candles,
)
from tests.serving import serve
from tradertape.api.app import create_app
from tradertape.db.models.trading import CashEntry, PaperPosition, Trade
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Tick
from tradertape.fakebrokers.kite import create_app as fake_kite
from tradertape.fakebrokers.kite.instruments import DEFAULT_INSTRUMENTS, Instrument
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape_brokers.kite import KITE_LIMITS
from tradertape_brokers.pacing import Ceiling

pytestmark = pytest.mark.db

QTY = 238
# The paper week's numbers (tests/integration/test_portfolio_week.py): the entry LIMIT
# fills at Tuesday's first ask at or above the trigger, the exit AMO at Thursday's opening bid.
ENTRY, EXIT = Decimal("424.70"), Decimal("447.95")
BUY_CHARGES, SELL_CHARGES = Decimal("119.94"), Decimal("126.33")


@pytest.fixture(autouse=True)
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five trading days replay in seconds here, and the server asks Kite a handful of
    things every 5-minute step (polls, triggers, reconciliation, funds): at Kite's real
    10 requests a second the adapter's pacing (tested in test_limits_and_imports) would
    stretch the week to minutes of sleeping. The fake enforces no limit."""
    monkeypatch.setattr(
        "tradertape_brokers.kite.KITE_LIMITS", {b: (Ceiling(10**6),) for b in KITE_LIMITS}
    )


@pytest.fixture
def exits() -> str:
    """How the live portfolio's exit leaves (``TRADERTAPE_LIVE_PORTFOLIO_EXITS``)."""
    return "gtt"


@pytest.fixture
def settings(tmp_path: Path, fake: Fake, exits: str) -> Settings:
    """The live-order tests' settings (`tests.brokers.kite.test_live_orders`), with `exits`."""
    return server_settings(
        tmp_path,
        fake,
        kite_timeout_secs=0.5,
        live_trading_enabled=True,
        live_portfolio_exits=exits,
    )


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[Fake]:
    """The fake Kite, listing the week's two stocks too (with our catalog's tokens)."""
    catalog = reference_catalog()
    week = tuple(
        Instrument(catalog.get(key).instrument_token, "NSE", key[4:], key[4:], Decimal(price))
        for key, price in ((ITC, 400), (WIPRO, 600))
    )
    app = fake_kite(clock=clock.now, instruments=DEFAULT_INSTRUMENTS + week)
    with serve(app) as url, httpx.Client(timeout=5) as http:
        yield Fake(url, app.state.kite, http)


class KiteMarket(Market):
    """The simulated market, with the fake Kite's prices (last, bid, ask) following each
    tick before the trading loop matches it."""

    def __init__(self, runtime: Runtime, clock: ManualClock, fake: Fake) -> None:
        super().__init__(runtime, clock)
        self.fake = fake

    def printed(self, batch: list[Tick]) -> None:
        # One call per step, for the week's two stocks: the fake lists no others, and a
        # call per tick of every instrument made the week take minutes.
        quotes = {
            tick.key: {"last": str(tick.last_price), "bid": _text(tick.bid), "ask": _text(tick.ask)}
            for tick in batch
            if tick.key in (ITC, WIPRO)
        }
        if quotes:
            self.fake.control("price", quotes)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _ledger(runtime: Runtime, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The user's trades, cash entries (deposits and allocations aside: paper money is put
    in and allotted to a portfolio's book, a broker's is not mirrored) and positions, oldest
    first, without the broker's name."""
    with runtime.db.session() as db:
        trades = db.scalars(select(Trade).where(Trade.user_id == user_id).order_by(Trade.id))
        cash = db.scalars(
            select(CashEntry)
            .where(CashEntry.user_id == user_id, CashEntry.kind.not_in(("deposit", "allocation")))
            .order_by(CashEntry.id)
        )
        held = db.scalars(
            select(PaperPosition).where(PaperPosition.user_id == user_id).order_by(PaperPosition.id)
        )
        return {
            "trades": [
                (t.tradingsymbol, t.transaction_type, t.quantity, t.price, t.charges, t.trade_date)
                for t in trades
            ],
            "cash": [(c.kind, c.amount) for c in cash],
            "positions": [(p.tradingsymbol, p.quantity, p.buy_value, p.sell_value) for p in held],
        }


def _book(client: TestClient, pid: int) -> tuple[Any, ...]:
    row = portfolio(client, pid)
    (closed,) = positions(client, portfolio_id=pid, status="closed")
    return (
        row["current_capital"],
        row["realised_pnl"],
        row["charges_paid"],
        closed["entry_price"],
        closed["exit_price"],
        closed["exit_reason"],
        closed["charges"],
    )


def _place_the_new_signal(client: TestClient, pid: int, kind: str) -> None:
    (signal,) = [s for s in signals(client, portfolio_id=pid) if s["signal_type"] == kind]
    placed = approve_and_place(client, signal["id"])
    assert placed == {"placed": [signal["id"]], "failed": {}, "for_agent": []}


def _morning_login(client: TestClient, clock: ManualClock, fake: Fake, day: date) -> None:
    """Kite's access token dies at 06:00: the user logs in again before the open."""
    clock.set(at(day, time(9)))
    assert kite_login(client, fake)["login"] == ["ok"]


@pytest.mark.parametrize(
    ("exits", "exit_at_kite"),
    [
        # the exit as a SELL GTT bracketing Wednesday's 450 close by 0.25 % (448.85–451.15):
        # Thursday's first tick (448) fires its lower leg, whose LIMIT sells at the bid
        pytest.param("gtt", ("SELL", "regular"), id="exit-as-gtt"),
        # the exit as an order: an AMO, sent to the market at the 09:15 open
        pytest.param("order", ("SELL", "amo"), id="exit-as-amo"),
    ],
)
def test_a_portfolio_week_at_the_fake_kite_books_what_the_paper_week_books(
    client: TestClient,
    runtime: Runtime,
    clock: ManualClock,
    fake: Fake,
    exits: str,
    exit_at_kite: tuple[str, str],
):
    write_candles(runtime.candles)
    clock.set(at(MON, time(9)))
    kite_client = client
    kite_user = connect(kite_client, runtime, fake)  # first: the install's first account keeps
    # its API secret (the postback check needs it); the paper user signs in on a second app
    with ExitStack() as stack:
        client = stack.enter_context(TestClient(create_app(runtime), base_url="http://testserver"))
        paper_user = sign_in(client, runtime, "paper@x.in")
        market = stack.enter_context(closing(KiteMarket(runtime, clock, fake)))
        paper = deploy(client)
        live = deploy(kite_client, paper_mode=False)
        assert portfolio(kite_client, live)["paper_mode"] is False

        market.session(MON)
        market.after_close(MON)
        for user, pid in ((client, paper), (kite_client, live)):
            _place_the_new_signal(user, pid, "entry")
        [entry] = fake.state()["gtts"]
        assert (entry["condition"]["trigger_values"], entry["orders"][0]["price"]) == (
            [424.2],
            426.35,
        )
        at_kite: dict[str, dict[str, Any]] = {}  # Kite's order book is the day's: kept daily
        for day in (TUE, WED):
            _morning_login(kite_client, clock, fake, day)
            market.session(day)
            market.after_close(day)
            at_kite |= {o["order_id"]: o for o in fake.state()["orders"]}
        for user, pid in ((client, paper), (kite_client, live)):
            _place_the_new_signal(user, pid, "exit")
        for day in (THU, FRI):
            _morning_login(kite_client, clock, fake, day)
            market.session(day)
            at_kite |= {o["order_id"]: o for o in fake.state()["orders"]}
            market.after_close(day)

        gtts = fake.state()["gtts"]
        exit_gtt = [("SELL", "triggered")] if exits == "gtt" else []
        assert [(g["orders"][0]["transaction_type"], g["status"]) for g in gtts] == [
            ("BUY", "triggered"),
            ("SELL", "deleted"),  # the stop, taken down before the exit was sent
            *exit_gtt,
        ]
        assert [
            (o["transaction_type"], o["variety"], o["quantity"], o["status"], o["average_price"])
            for o in at_kite.values()
        ] == [
            ("BUY", "regular", QTY, "COMPLETE", float(ENTRY)),
            (*exit_at_kite, QTY, "COMPLETE", float(EXIT)),
        ]
        paper_ledger, kite_ledger = _ledger(runtime, paper_user), _ledger(runtime, kite_user)
        assert kite_ledger == paper_ledger
        assert [t[:5] for t in paper_ledger["trades"]] == [
            ("ITC", "BUY", QTY, ENTRY, BUY_CHARGES),
            ("ITC", "SELL", QTY, EXIT, SELL_CHARGES),
        ]
        assert paper_ledger["positions"] == [("ITC", 0, ENTRY * QTY, EXIT * QTY)]
        assert _book(kite_client, live) == _book(client, paper)
        assert Decimal(_book(client, paper)[1]) == (
            (EXIT - ENTRY) * QTY - BUY_CHARGES - SELL_CHARGES
        )


def _deploy_live(client: TestClient, **changes: Any) -> Any:
    created = client.post("/api/strategies", json=STRATEGY)
    assert created.status_code == 201, created.text
    body = {
        "strategy_id": created.json()["id"],
        "universe": "nifty_50",
        "starting_capital": "1000000",
        "paper_mode": False,
    } | changes
    return client.post("/api/model/portfolios/deploy", json=body)


def test_a_live_portfolio_needs_the_users_switch(client: TestClient, runtime: Runtime, fake: Fake):
    connect(client, runtime, fake, switch=False)

    refused = _deploy_live(client)

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("live trading is off for your account")
    assert client.get("/api/model/portfolios").json() == []


def test_a_live_portfolio_needs_a_kite_session(client: TestClient, runtime: Runtime, fake: Fake):
    sign_in(client, runtime, "nokite@x.in")
    client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})

    refused = _deploy_live(client)

    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("no live Kite session")
    assert client.get("/api/model/portfolios").json() == []


def test_a_live_portfolio_fills_only_at_the_broker(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    refused = _deploy_live(client, paper_fill="close")

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["detail"]] == ["paper_fill"]
    deployed = _deploy_live(client)
    assert deployed.status_code == 201, deployed.text
    assert (deployed.json()["paper_mode"], deployed.json()["broker"]) == (False, "kite")


def test_a_stop_that_kite_fires_closes_the_position_as_the_paper_stop_does(
    client: TestClient, runtime: Runtime, clock: ManualClock, fake: Fake
):
    # Wednesday falls to 410, through the 414.10 stop (its LIMIT 409.95 sells at the bid).
    write_candles(runtime.candles, {ITC: {TUE: (421, 426, 420, 423), WED: (423, 424, 410, 412)}})
    clock.set(at(MON, time(9)))
    kite_client = client
    kite_user = connect(kite_client, runtime, fake)
    with ExitStack() as stack:
        client = stack.enter_context(TestClient(create_app(runtime), base_url="http://testserver"))
        paper_user = sign_in(client, runtime, "paper@x.in")
        market = stack.enter_context(closing(KiteMarket(runtime, clock, fake)))
        paper = deploy(client)
        live = deploy(kite_client, paper_mode=False)
        market.session(MON)
        market.after_close(MON)
        for user, pid in ((client, paper), (kite_client, live)):
            _place_the_new_signal(user, pid, "entry")
        for day in (TUE, WED):
            _morning_login(kite_client, clock, fake, day)
            market.session(day)
            market.after_close(day)

        stops = [g for g in fake.state()["gtts"] if g["orders"][0]["transaction_type"] == "SELL"]
        assert [(g["condition"]["trigger_values"], g["status"]) for g in stops] == [
            ([414.1], "triggered")
        ]
        paper_ledger, kite_ledger = _ledger(runtime, paper_user), _ledger(runtime, kite_user)
        assert kite_ledger == paper_ledger
        assert [t[:3] for t in paper_ledger["trades"]] == [
            ("ITC", "BUY", QTY),
            ("ITC", "SELL", QTY),
        ]
        assert paper_ledger["positions"][0][1] == 0
        paper_book, kite_book = _book(client, paper), _book(kite_client, live)
        assert kite_book == paper_book
        assert paper_book[5] == "atr_stop"
