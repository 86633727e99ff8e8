"""The desk's reads are derived from the ledger once per booking (`oms.paper.snapshot`), and
every booking shows in them at once: a paper order, a working order filled by the trading
loop, a GTT firing, funds added, a worker's order, a model portfolio's virtual fills and its
reset, and a deposit made by another process. After each, what this process answers is
what a process that has cached nothing answers; a booking rolled back leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import new_worker, order
from tradertape.api.app import create_app
from tradertape.domain.books import MANUAL
from tradertape.jobs.loop import TradingLoop
from tradertape.oms.ledger import Ledger
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape.testkit import make_tick

READS = (
    "/api/portfolio/positions",
    "/api/portfolio/holdings",
    "/api/portfolio/trades",
    "/api/portfolio/orders",
    "/api/portfolio/margins",
    "/api/portfolio/books",
    "/api/risk/state",
)
Reads = dict[str, Any]


class Desk:
    """This process's reads, and a cold process's: another runtime on the same database
    with nothing cached, priced alike."""

    def __init__(
        self, client: TestClient, runtime: Runtime, settings: Settings, clock: ManualClock
    ) -> None:
        self.client = client
        self.runtime = runtime
        self._settings = settings
        self._clock = clock
        self._prices: dict[str, str] = {}

    def price(self, key: str, value: str) -> None:
        """The last price of `key` now, in this process (and in any cold one)."""
        self._prices[key] = value
        self.runtime.quotes.update(self._tick(key, value))

    def _tick(self, key: str, value: str) -> Any:
        return make_tick(key, value, ts=self._clock.now(), last_quantity=100_000)

    def reads(self, client: TestClient | None = None) -> Reads:
        answers = {}
        for path in READS:
            answer = (client or self.client).get(path)
            assert answer.status_code == 200, (path, answer.text)
            answers[path] = answer.json()
        return answers

    def cold(self) -> Reads:
        other = Runtime.build(
            self._settings, clock=self._clock, db=self.runtime.db, transport=LogTransport()
        )
        for key, value in self._prices.items():
            other.quotes.update(self._tick(key, value))
        fresh = TestClient(create_app(other), base_url="http://testserver")
        fresh.cookies = self.client.cookies
        return self.reads(fresh)

    def loop(self) -> TradingLoop:
        runtime = self.runtime
        return TradingLoop(
            db=runtime.db,
            clock=runtime.clock,
            quotes=runtime.quotes,
            exchange=runtime.exchange,
            gtts=runtime.gtts,
            jobs=runtime.session_jobs,
        )


@pytest.fixture
def desk(client: TestClient, runtime: Runtime, settings: Settings, clock: ManualClock) -> Desk:
    return Desk(client, runtime, settings, clock)


def _changed(desk: Desk, act: Callable[[], object], *paths: str) -> Reads:
    """Read (twice: the second from the snapshot), act, and read again: the named reads
    changed, and every read is what a cold process reads."""
    desk.reads()
    before = desk.reads()
    builds = desk.runtime.portfolio.snapshots.builds
    assert desk.reads() == before  # nothing booked: the same answers, from the snapshot
    assert desk.runtime.portfolio.snapshots.builds == builds
    act()
    after = desk.reads()
    for path in paths:
        assert after[path] != before[path], f"{path} did not change"
    assert after == desk.cold()
    return after


def _funded(desk: Desk, email: str = "reads@x.in") -> int:
    user_id = sign_in(desk.client, desk.runtime, email)
    assert desk.client.post("/api/portfolio/funds", json={"amount": "1000000"}).status_code == 201
    desk.price("NSE:INFY", "1500")
    desk.price("NSE:TCS", "3400")
    # a rule, so the risk state has a reading that moves with the book
    rule = {"type": "max_open_positions", "threshold_count": 5}
    assert desk.client.post("/api/risk/rules", json=rule).status_code == 201
    return user_id


def _order(desk: Desk, key: str, **fields: Any) -> dict[str, Any]:
    body = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 10,
        "product": "CNC",
        "order_type": "MARKET",
        "idempotency_key": key,
        **fields,
    }
    placed = desk.client.post("/api/orders", json=body)
    assert placed.status_code == 201, placed.text
    answer: dict[str, Any] = placed.json()
    return answer


def test_a_paper_order_and_the_market_show_at_once(desk: Desk):
    _funded(desk)
    after = _changed(
        desk,
        lambda: _order(desk, "reads-order-1"),
        "/api/portfolio/holdings",
        "/api/portfolio/trades",
        "/api/portfolio/orders",
        "/api/portfolio/margins",
        "/api/portfolio/books",
        "/api/risk/state",
    )
    assert [t["quantity"] for t in after["/api/portfolio/trades"]] == [10]
    # an intraday position, partly closed
    _changed(
        desk,
        lambda: (
            _order(desk, "reads-order-2", tradingsymbol="TCS", product="MIS", quantity=4),
            _order(desk, "reads-order-3", tradingsymbol="TCS", product="MIS", quantity=1, **SELL),
        ),
        "/api/portfolio/positions",
        "/api/risk/state",
    )
    # no booking, a new price: the marks move, the ledger is not read again
    builds = desk.runtime.portfolio.snapshots.builds
    before = desk.reads()
    desk.price("NSE:TCS", "3450")
    moved = desk.reads()
    assert moved["/api/portfolio/positions"] != before["/api/portfolio/positions"]
    assert moved["/api/portfolio/books"] != before["/api/portfolio/books"]
    assert desk.runtime.portfolio.snapshots.builds == builds
    assert moved == desk.cold()


SELL = {"transaction_type": "SELL"}


def test_funds_added_show_at_once(desk: Desk):
    _funded(desk)
    after = _changed(
        desk,
        lambda: desk.client.post("/api/portfolio/funds", json={"amount": "2500.50"}),
        "/api/portfolio/margins",
        "/api/portfolio/books",
        "/api/risk/state",
    )
    assert after["/api/portfolio/margins"]["equity"]["available"]["intraday_payin"] == 1002500.5


def test_a_working_order_filled_by_the_trading_loop_shows_at_once(desk: Desk):
    _funded(desk)
    placed = _order(desk, "reads-limit", order_type="LIMIT", price="1450")
    assert placed["status"] == "OPEN"

    def tick() -> None:
        desk.price("NSE:INFY", "1440")
        report = desk.loop().on_ticks([desk.runtime.quotes("NSE:INFY")])  # type: ignore[list-item]
        assert report.fills == 1

    _changed(desk, tick, "/api/portfolio/holdings", "/api/portfolio/trades", "/api/risk/state")


def test_a_gtt_firing_shows_at_once(desk: Desk):
    _funded(desk)
    gtt = {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": [1550],
            "last_price": 1500,
        },
        "orders": [
            {
                "transaction_type": "BUY",
                "quantity": 5,
                "order_type": "LIMIT",
                "product": "CNC",
                "price": 1560,
            }
        ],
    }
    assert desk.client.post("/api/gtt/triggers", json=gtt).status_code == 201

    def fire() -> None:
        desk.price("NSE:INFY", "1551")
        with desk.runtime.db.session() as db:
            fired = desk.runtime.gtts.on_tick(db, desk.runtime.quotes("NSE:INFY"))  # type: ignore[arg-type]
        assert len(fired) == 1

    after = _changed(desk, fire, "/api/portfolio/holdings", "/api/portfolio/trades")
    assert [h["t1_quantity"] for h in after["/api/portfolio/holdings"]] == [5]


def test_a_workers_order_shows_at_once(desk: Desk):
    worker = new_worker(desk.client, desk.runtime, "worker-reads@x.in")
    assert desk.client.post("/api/portfolio/funds", json={"amount": "1000000"}).status_code == 201
    desk.price("NSE:INFY", "1500")
    worker.create_run("run_reads")

    def place() -> None:
        answer = worker.place("run_reads", "run_reads:entry:001", order(quantity=3))
        assert answer.status_code in (200, 201), answer.text

    after = _changed(desk, place, "/api/portfolio/holdings", "/api/portfolio/books")
    books = {b["book"] for b in after["/api/portfolio/books"]}
    assert any(book.startswith("run:") for book in books)


def test_a_deposit_by_another_process_shows_at_once(desk: Desk, settings: Settings):
    user_id = _funded(desk)

    def deposit_elsewhere() -> None:
        # another process on the same database (the CLI's `user deposit`, another server)
        other = Runtime.build(settings, clock=desk.runtime.clock, db=desk.runtime.db)
        with other.db.session() as db:
            other.exchange.deposit(db, user_id=user_id, amount=Decimal(777), note="CLI")

    _changed(desk, deposit_elsewhere, "/api/portfolio/margins", "/api/portfolio/books")


def test_a_booking_rolled_back_leaves_nothing_behind(desk: Desk):
    user_id = _funded(desk)
    before = desk.reads()
    portfolio = desk.runtime.portfolio

    def booked_then_rolled_back(amount: int) -> None:
        with desk.runtime.db.session() as db:
            ledger = Ledger(db)
            ledger.post(
                user_id, at=desk.runtime.clock.now(), kind="deposit", amount=Decimal(amount)
            )
            ledger.write()
            # read inside the transaction: its own booking, under its own uncommitted version
            inside = portfolio.margins(db, user_id=user_id)
            assert inside["equity"]["available"]["cash"] == 1_000_000 + amount
            db.rollback()

    booked_then_rolled_back(5)
    assert desk.reads() == before == desk.cold()
    # rolled back again, then another booking committed before anything reads: what is
    # read is that booking, not what the rolled-back transaction read
    booked_then_rolled_back(5)
    assert desk.client.post("/api/portfolio/funds", json={"amount": "7"}).status_code == 201
    after = desk.reads()
    assert after["/api/portfolio/margins"]["equity"]["available"]["cash"] == 1_000_007.0
    assert after == desk.cold()


def test_a_portfolios_virtual_fills_and_its_reset_show_at_once(desk: Desk, with_candles: Runtime):
    _funded(desk)
    template = next(
        s["id"]
        for s in desk.client.get("/api/strategies", params={"is_template": True}).json()
        if s["base_model"] == "v1_momentum"
    )
    body = {
        "strategy_id": template,
        "universe": "nifty_50",
        "starting_capital": "500000",
        "position_size_pct": "10",
        "max_positions": 5,
        "max_per_sector": 2,
        "paper_fill": "close",
        "auto_place_signals": True,
    }
    deployed = desk.client.post("/api/model/portfolios/deploy", json=body)
    assert deployed.status_code == 201, deployed.text
    pid = deployed.json()["id"]

    def scan() -> None:
        answer = desk.client.post(
            "/api/model/scan", json={"portfolio_id": pid, "date": "2025-06-02"}
        )
        assert answer.status_code == 200, answer.text

    scanned = _changed(desk, scan, "/api/portfolio/holdings", "/api/portfolio/books")
    assert any(h["book"] == f"portfolio:{pid}" for h in scanned["/api/portfolio/holdings"])

    def reset() -> None:
        answer = desk.client.post(f"/api/model/portfolios/{pid}/reset")
        assert answer.status_code == 200, answer.text

    after = _changed(desk, reset, "/api/portfolio/holdings", "/api/portfolio/books")
    assert not any(h["book"] != MANUAL for h in after["/api/portfolio/holdings"])
