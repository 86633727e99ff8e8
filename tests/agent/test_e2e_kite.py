"""The agent end to end with Kite: the real server and the fake Kite on loopback, the agent
as its own process on a settings file the test wrote. A scan's signal of an agent-run
portfolio → the agent's poll → a GTT at the fake Kite → ``signal-result`` → the cloud's
signal and position show it; a crash between placing and reporting; the kill switch;
drift and its ignore; a wrong key; the settings file's mode; the wizard through stdin; an
obfuscated sync with its factor's fingerprint."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from signal import SIGKILL
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.agent.e2e_kit import DEADLINE, AgentProcess, Hold, key_of, serve_app
from tests.api.test_model_api import _deploy, _scan
from tests.brokers.kite.conftest import Fake
from tests.helpers import sign_in
from tests.telegram_kit import FakeTelegram, bot_for, link_chat
from tradertape.db.models import Notification
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, create_app
from tradertape.fakebrokers.kite.instruments import DEFAULT_INSTRUMENTS
from tradertape.fakebrokers.kite.instruments import Instrument as FakeInstrument
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape_agent.config import Config, journal_path, save
from tradertape_agent.journal import Journal

CHAT = 5551234
AGENT_PORTFOLIO = {
    "executor": "agent",
    "broker": "kite",
    "paper_mode": False,
    "paper_fill": "gtt",
    "auto_place_signals": True,
    "max_positions": 1,
}


@pytest.fixture
def clock() -> ManualClock:
    """The server's clock at the wall clock's time: the agent, its own process, stamps its
    results with the wall clock, and the server refuses a result from its future."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def kite_app(clock: ManualClock, with_candles: Runtime) -> Any:
    """The fake Kite, trading the scanned universe (NIFTY 50) as the catalog names it."""
    listed = [
        FakeInstrument(
            i.instrument_token, "NSE", i.tradingsymbol, i.name, Decimal(100), i.isin or ""
        )
        for i in with_candles.catalog.universe("nifty_50")
    ]
    known = {i.tradingsymbol for i in listed}
    extra = tuple(i for i in DEFAULT_INSTRUMENTS if i.tradingsymbol not in known)
    return create_app(clock=clock.now, holdings={}, instruments=(*listed, *extra))


@pytest.fixture
def hold(kite_app: Any) -> Hold:
    """The fake Kite, able to hold back its answer to a new GTT."""
    return Hold(kite_app, "POST", "/gtt/triggers")


@pytest.fixture
def fake(kite_app: Any, hold: Hold) -> Iterator[Fake]:
    with serve_app(hold) as url, httpx.Client(timeout=5) as http:
        yield Fake(url, kite_app.state.kite, http)


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


@pytest.fixture
def cloud_url(alice: TestClient) -> Iterator[str]:
    with serve_app(alice.app) as url:
        yield url


@pytest.fixture
def agent(tmp_path: Path, alice: TestClient, cloud_url: str, fake: Fake) -> AgentProcess:
    """An agent configured non-interactively: the settings file written with mode 600."""
    path = tmp_path / "agent.json"
    config = Config(
        cloud_url=cloud_url,
        api_key=key_of(alice),
        primary_broker="kite",
        kite_api_key=DEFAULT_API_KEY,
        kite_api_secret=DEFAULT_API_SECRET,
        kite_access_token=fake.login().access_token,
        kite_root=fake.url,
        auto_execute=True,
        obfuscation_factor="0.137",
        obfuscation_salt="5a" * 16,
        kite_pace=10,  # Kite's own ceiling: these tests place, their pacing has its own
        ui_port=0,  # no page to serve: test_ui and the Playwright run cover it
    )
    save(config, path)
    return AgentProcess(path)


def journal_fact(agent: AgentProcess, name: str) -> str | None:
    """What the agent's journal keeps for `tradertape-agent status` (read in place)."""
    journal = Journal(journal_path(agent.path))
    try:
        return journal.fact(name)
    finally:
        journal.close()


def active_gtts(fake: Fake) -> list[dict[str, Any]]:
    return [g for g in fake.kite.book.gtts.values() if g["status"] == "active"]


def carted_signal(alice: TestClient) -> dict[str, Any]:
    """An agent-run portfolio's scan: one entry, in the cart for the agent."""
    portfolio = _deploy(alice, **AGENT_PORTFOLIO)
    (sid,) = _scan(alice, portfolio["id"])["entries"]
    return signal_of(alice, sid)


def signal_of(alice: TestClient, sid: int) -> dict[str, Any]:
    """The signal as the web app reads it."""
    rows = alice.get("/api/model/signals").json()
    found: dict[str, Any] = next(s for s in rows if s["id"] == sid)
    return found


def test_a_scans_signal_is_placed_at_kite_and_the_cloud_shows_its_gtt_fill_and_stop(
    alice: TestClient, agent: AgentProcess, fake: Fake, with_candles: Runtime
):
    me = alice.get("/api/auth/me").json()
    link_chat(with_candles, me["id"], CHAT)
    signal = carted_signal(alice)
    assert (signal["status"], signal["gtt_id"]) == ("in_cart", None)

    first = agent.once()

    assert first.code == 0, first.text
    assert "Traceback" not in first.text
    assert "[agent] Starting tradertape-agent" in first.out
    assert "[agent] Loaded brokers: kite" in first.out
    assert "[agent] Health: cloud=ok broker=ok" in first.out
    assert "[agent] poll: 1 new signals" in first.out
    assert len(active_gtts(fake)) == 1, first.text
    [gtt] = active_gtts(fake)
    exchange, _, tradingsymbol = signal["symbol"].partition(":")
    assert gtt["condition"]["tradingsymbol"] == tradingsymbol
    assert [Decimal(str(v)) for v in gtt["condition"]["trigger_values"]] == [
        Decimal(signal["trigger_price"])
    ]
    assert gtt["orders"][0]["transaction_type"] == "BUY"
    assert gtt["orders"][0]["quantity"] == signal["quantity"]
    assert Decimal(str(gtt["orders"][0]["price"])) == Decimal(signal["limit_price"])
    placed = signal_of(alice, signal["id"])
    assert (placed["status"], placed["gtt_status"]) == ("approved", "active")

    again = agent.once()  # a restart: nothing new, nothing placed twice
    assert "[agent] poll: 0 new signals" in again.out
    assert len(active_gtts(fake)) == 1

    fake.price(signal["symbol"], float(Decimal(signal["trigger_price"]) + 1))  # fills the BUY
    filled_run = agent.once()
    assert filled_run.code == 0, filled_run.text
    filled = signal_of(alice, signal["id"])
    assert (filled["status"], filled["gtt_status"]) == ("executed", "filled")
    order_id = filled["order_id"]
    assert order_id in fake.kite.book.orders
    (position,) = alice.get(
        "/api/model/positions", params={"portfolio_id": signal["portfolio_id"]}
    ).json()
    assert position["entry_order_id"] == order_id
    assert position["quantity"] == signal["quantity"]
    [stop] = active_gtts(fake)  # the stop GTT after the fill, kept on the position
    assert stop["orders"][0]["transaction_type"] == "SELL"
    assert position["stop_gtt_id"] == int(stop["id"])
    with with_candles.db.session() as db:
        fills = [n for n in db.query(Notification).all() if n.kind == "fill"]
    assert len(fills) == 1
    telegram = FakeTelegram()  # the bot sends the fill the agent reported to the linked chat
    anyio.run(bot_for(with_candles, telegram).deliver_once)
    texts = [m["text"] for m in telegram.sent() if m["chat_id"] == CHAT]
    name = signal["symbol"].split(":")[1]  # the name a trader reads, not NSE:…
    bought = f"bought {name}, {signal['quantity']} @ {position['entry_price']}"
    assert [t for t in texts if "bought" in t] == [f"✅ V1 Momentum · NIFTY 50: {bought}"], texts

    status = agent.run("status")
    assert status.code == 0, status.text
    assert f"Cloud URL: {agent.settings()['cloud_url']}" in status.out
    assert "Broker kite: configured, session saved" in status.out
    assert "Last poll: 20" in status.out
    assert f"Last result: signal {signal['id']} stop placed" in status.out
    assert "Drift: 0 symbol(s)" in status.out, filled_run.out


def test_a_kill_9_between_placing_and_hearing_back_places_once_and_reports_after_restart(
    alice: TestClient, agent: AgentProcess, fake: Fake, hold: Hold
):
    signal = carted_signal(alice)
    hold.armed = True
    process = agent.start("run")
    try:
        # the GTT is made at Kite; its answer is held: the agent has not written its id
        assert hold.reached.wait(DEADLINE), "the agent never placed its GTT"
        assert len(active_gtts(fake)) == 1
        os.kill(process.pid, SIGKILL)
        process.wait(DEADLINE)
    finally:
        hold.release.set()
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert signal_of(alice, signal["id"])["status"] == "in_cart"  # the cloud heard nothing

    after = agent.once()

    assert after.code == 0, after.text
    assert "not placed again" in after.out
    [gtt] = active_gtts(fake)
    assert len(fake.kite.book.gtts) == 1
    reported = signal_of(alice, signal["id"])
    assert (reported["status"], reported["gtt_status"]) == ("approved", "active")


def test_the_kill_switch_in_the_cloud_places_nothing_and_the_agent_says_why(
    alice: TestClient, agent: AgentProcess, fake: Fake
):
    assert alice.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    signal = carted_signal(alice)

    ran = agent.once()

    assert ran.code == 0, ran.text
    assert fake.kite.book.gtts == {}
    assert "kill switch on in the cloud" in ran.out
    assert f"signal {signal['id']} BUY" in ran.out
    assert "refused by the cloud's risk gate" in ran.out
    assert "kill switch" in ran.out.split("refused by the cloud's risk gate:")[1].lower()
    assert signal_of(alice, signal["id"])["status"] == "rejected"
    assert "refused by the cloud's risk gate" in (journal_fact(agent, "last_result") or "")


def test_a_manual_buy_at_kite_is_drift_until_the_symbol_is_ignored(agent: AgentProcess, fake: Fake):
    fake.control(
        "orders",
        {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": "BUY",
            "quantity": 7,
            "product": "CNC",
            "order_type": "MARKET",
        },
    )
    ran = agent.once()
    assert ran.code == 0, ran.text
    assert "[agent] drift NSE:INFY: cloud=0 broker=7" in ran.out
    assert fake.kite.book.gtts == {}  # flagged, never corrected
    assert journal_fact(agent, "drift_count") == "1"

    agent.change(ignore_symbols=["NSE:INFY"])
    quiet = agent.once()
    assert "drift NSE:INFY" not in quiet.out
    assert "Drift: 0 symbol(s)" in agent.run("status").out


def test_a_wrong_key_is_cloud_authentication_failed_without_a_traceback(agent: AgentProcess):
    agent.change(api_key="zt_not_a_key_of_anyone")
    ran = agent.once()
    assert ran.code == 2
    assert "Cloud authentication failed" in ran.err
    assert "Traceback" not in ran.text


def test_run_refuses_settings_others_can_read(agent: AgentProcess):
    assert stat.S_IMODE(agent.path.stat().st_mode) == 0o600
    agent.path.chmod(0o644)
    ran = agent.once()
    assert ran.code == 2
    assert "can be read by other users" in ran.err
    assert f"chmod 600 {agent.path}" in ran.err
    assert "Traceback" not in ran.text


def test_the_wizard_through_stdin_checks_the_key_with_the_cloud_and_writes_mode_600(
    tmp_path: Path, alice: TestClient, cloud_url: str
):
    wizard = AgentProcess(tmp_path / "fresh.json")
    answers = [
        cloud_url,
        "zt_wrong",  # the cloud refuses it: asked again
        cloud_url,
        key_of(alice),
        "kite",
        DEFAULT_API_KEY,
        DEFAULT_API_SECRET,
        "n",
        "4",
        "15",
        "",
    ]
    ran = wizard.run("configure", stdin="\n".join(answers) + "\n")
    assert ran.code == 0, ran.text
    assert "Cloud authentication failed" in ran.out
    assert stat.S_IMODE(wizard.path.stat().st_mode) == 0o600
    saved = wizard.settings()
    assert (saved["cloud_url"], saved["primary_broker"]) == (cloud_url, "kite")
    assert (saved["auto_execute"], saved["stop_loss_pct"], saved["poll_interval"]) == (
        False,
        4,
        15,
    )
    assert saved["obfuscation_factor"]  # made once, kept only here


def test_an_obfuscated_sync_stores_scaled_figures_with_the_factors_fingerprint(
    alice: TestClient, agent: AgentProcess, fake: Fake
):
    fake.kite.book.add_holding("NSE:INFY", 1000, Decimal("1480"))
    fake.kite.book.add_holding("NSE:TCS", 3000, Decimal("3200"))
    agent.once()
    (real,) = alice.get("/api/trading-agent/holdings").json()
    assert real["obfuscated"] is False
    assert alice.put("/api/trading-agent/obfuscation", json={"on": True}).status_code == 200

    ran = agent.once()

    assert ran.code == 0, ran.text
    (scaled,) = alice.get("/api/trading-agent/holdings").json()
    assert scaled["obfuscated"] is True
    rows = {h["tradingsymbol"]: h for h in scaled["holdings"]}
    reals = {h["tradingsymbol"]: h for h in real["holdings"]}
    assert rows["INFY"]["quantity"] == 137  # 1000 × 0.137: the cloud never sees 1000
    assert Decimal(rows["INFY"]["average_price"]) == Decimal("1480") * Decimal("0.137")

    def weight(held: dict[str, Any], symbol: str) -> Decimal:  # the same scaled or not
        value: dict[str, Decimal] = {
            k: int(r["quantity"]) * Decimal(r["average_price"]) for k, r in held.items()
        }
        return value[symbol] / sum(value.values(), Decimal(0))

    assert weight(rows, "INFY") == weight(reals, "INFY")
    assert alice.get("/api/trading-agent/obfuscation").json()["factor_known"] is True

    agent.change(obfuscation_factor="0.250")  # another factor: refused, nothing replaced
    other = agent.once()
    assert "another obfuscation factor" in other.out
    assert alice.get("/api/trading-agent/holdings").json()[0]["holdings"] == scaled["holdings"]
