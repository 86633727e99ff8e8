"""The Telegram bot against a local fake of the Bot API, driven one step at a time."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from tests.api.test_model_api import _deploy, _scan
from tests.api.test_trading_api import ORDER, quote
from tests.helpers import make_user, sign_in
from tests.telegram_kit import TOKEN, FakeTelegram, bot_for, link_chat
from tradertape.bus import InProcessBus
from tradertape.domain.instrument_names import instrument_name
from tradertape.oms import OrderAccepted, OrderFilled, OrderUpdate, to_message
from tradertape.runtime import Runtime
from tradertape.telegram.bot import EVENT_TOPICS, TelegramBot, told
from tradertape.testkit import make_tick

ALICE_CHAT, BOB_CHAT, STRANGER_CHAT = 1001, 2002, 3003


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def bot(runtime: Runtime, fake: FakeTelegram) -> TelegramBot:
    return bot_for(runtime, fake)


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    link_chat(with_candles, sign_in(client, with_candles, "alice@x.in"), ALICE_CHAT)
    return client


def _signal(client: TestClient, signal_id: int) -> dict[str, Any]:
    rows = client.get("/api/model/signals", params={"limit": 500}).json()
    return dict(next(s for s in rows if s["id"] == signal_id))


def _link_bob(runtime: Runtime) -> None:
    link_chat(runtime, make_user(runtime, "bob@x.in"), BOB_CHAT)


@pytest.mark.anyio
async def test_start_replies_with_the_chat_id(bot: TelegramBot, fake: FakeTelegram):
    fake.message(STRANGER_CHAT, "/start")
    assert await bot.poll_once() == 1
    (reply,) = fake.sent()
    assert reply["chat_id"] == STRANGER_CHAT
    assert str(STRANGER_CHAT) in reply["text"]
    assert await bot.poll_once() == 0  # the offset confirmed it: not answered twice
    assert len(fake.sent()) == 1

    fake.message(STRANGER_CHAT, "/pending")
    await bot.poll_once()
    assert "not linked" in fake.sent()[-1]["text"]


@pytest.mark.anyio
async def test_pending_lists_the_chat_owners_signals_only(
    alice: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    portfolio = _deploy(alice)
    report = _scan(alice, portfolio["id"])
    _link_bob(runtime)
    fake.message(ALICE_CHAT, "/pending")
    fake.message(BOB_CHAT, "/pending")
    assert await bot.poll_once() == 2
    mine, bobs = fake.sent()
    assert mine["chat_id"] == ALICE_CHAT
    first = _signal(alice, report["entries"][0])
    assert f"BUY {first['quantity']} {instrument_name(first['symbol'])} @" in mine["text"]
    assert "NSE:" not in mine["text"]  # names, not keys
    buttons = [b["callback_data"] for row in mine["reply_markup"]["inline_keyboard"] for b in row]
    assert f"a:{first['id']}" in buttons
    assert bobs == {"chat_id": BOB_CHAT, "text": "No pending signals."}

    fake.press(BOB_CHAT, f"a:{first['id']}")  # someone else's signal: refused, unchanged
    await bot.poll_once()
    (refusal,) = fake.sent("answerCallbackQuery")
    assert "not possible" in refusal["text"]
    assert _signal(alice, first["id"])["status"] == "pending_approval"


@pytest.mark.anyio
async def test_approve_button_moves_the_signal_to_the_cart(
    alice: TestClient, bot: TelegramBot, fake: FakeTelegram
):
    portfolio = _deploy(alice)
    signal_id = _scan(alice, portfolio["id"])["entries"][0]
    fake.press(ALICE_CHAT, f"a:{signal_id}")
    fake.press(ALICE_CHAT, f"a:{signal_id}")  # twice: the second is a polite no
    await bot.poll_once()
    assert _signal(alice, signal_id)["status"] == "in_cart"
    done, again = fake.sent("answerCallbackQuery")
    assert done["text"].endswith("in cart")
    assert again["text"].startswith("Nothing to do")
    assert "in_cart" in again["text"]

    fake.press(ALICE_CHAT, f"c:{portfolio['id']}")  # place the cart (paper: fills at close)
    await bot.poll_once()
    assert fake.sent()[-1]["text"].startswith("🛒 placed 1, failed 0")
    assert _signal(alice, signal_id)["status"] == "executed"


@pytest.mark.anyio
async def test_a_scan_is_delivered_once_with_its_buttons(
    alice: TestClient, bot: TelegramBot, fake: FakeTelegram
):
    portfolio = _deploy(alice)
    report = _scan(alice, portfolio["id"])
    assert await bot.deliver_once() == 1
    (message,) = fake.sent()
    assert message["chat_id"] == ALICE_CHAT
    assert message["text"].startswith(f"📈 {portfolio['name']}: {len(report['entries'])} entries")
    rows = message["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["callback_data"] == f"a:{report['entries'][0]}"
    assert rows[-1][0]["callback_data"] == f"c:{portfolio['id']}"

    assert await bot.deliver_once() == 0  # a second pass sends nothing again
    assert len(fake.sent()) == 1
    ready, linked = alice.get("/api/notifications").json()
    assert (linked["kind"], ready["kind"]) == ("linked", "signals_ready")
    assert ready["delivered_at"] is not None


@pytest.mark.anyio
async def test_read_only_commands_answer_a_linked_chat(
    alice: TestClient, bot: TelegramBot, fake: FakeTelegram
):
    portfolio = _deploy(alice)
    signal_id = _scan(alice, portfolio["id"])["entries"][0]
    alice.post(f"/api/model/signals/{signal_id}/approve")
    alice.post("/api/model/cart/place")
    for command in ("/status", "/positions", "/summary", "/danger", "/briefing", "/nope"):
        fake.message(ALICE_CHAT, command)
    assert await bot.poll_once() == 6
    status, positions, summary, danger, briefing, unknown = (m["text"] for m in fake.sent())
    assert portfolio["name"] in status
    assert "positions open" in status
    assert re.search(r"capital ₹\d{1,2},\d{2},\d{3}\.\d{2}, realised P&L ₹0\.00", status), status
    symbol = _signal(alice, signal_id)["symbol"]
    assert positions.startswith(symbol)
    assert "realised" in summary
    assert danger
    assert briefing.startswith("☀️ Briefing")
    assert unknown.startswith("Commands:")


@pytest.mark.anyio
async def test_a_refused_delivery_is_retried_later(
    alice: TestClient, bot: TelegramBot, fake: FakeTelegram
):
    _scan(alice, _deploy(alice)["id"])
    fake.refuse_sends = True
    assert await bot.deliver_once() == 0
    fake.refuse_sends = False
    assert await bot.deliver_once() == 1
    assert len(fake.sent()) == 2  # the refused attempt, then the delivery


def test_the_token_never_reaches_the_log(caplog: pytest.LogCaptureFixture):
    from tradertape.telegram.api import _redaction

    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST %s",
        (f"http://x/bot{TOKEN}/a",),
        None,
    )
    _redaction.filter(record)
    assert TOKEN not in record.getMessage()


@pytest.mark.anyio
async def test_a_resting_orders_fill_is_told_in_the_chat_once(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    link_chat(runtime, sign_in(client, runtime, "carol@x.in"), ALICE_CHAT)
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    quote(runtime, "1401")
    placed = client.post("/api/orders", json={**ORDER, "idempotency_key": "told-0001"}).json()
    assert placed["status"] == "OPEN"  # a limit under the market rests: nothing to tell yet
    with runtime.db.session() as db:
        tick = make_tick("NSE:INFY", "1399.90", ts=runtime.clock.now(), last_quantity=100)
        runtime.exchange.on_tick(db, tick, traded_volume=100)
    fills = [n for n in client.get("/api/notifications").json() if n["kind"] == "fill"]
    assert [n["payload"]["order_id"] for n in fills] == [placed["order_id"]]
    price = Decimal(fills[0]["payload"]["fill_price"])
    await bot.deliver_once()
    assert [m["text"] for m in fake.sent() if "Bought" in m["text"]] == [
        f"✅ Bought INFY, 10 @ ₹{price:,.2f} (Manual)"
    ]
    await bot.deliver_once()  # delivered once: not sent again
    assert len([m for m in fake.sent() if "Bought" in m["text"]]) == 1


@pytest.mark.anyio
async def test_a_fill_in_the_placements_answer_is_not_told_again(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    link_chat(runtime, sign_in(client, runtime, "dan@x.in"), ALICE_CHAT)
    assert client.post("/api/portfolio/funds", json={"amount": 100000}).status_code == 201
    quote(runtime, "1399.90")
    placed = client.post("/api/orders", json={**ORDER, "idempotency_key": "told-0002"})
    assert placed.json()["status"] == "COMPLETE"  # the answer says it filled
    assert [n for n in client.get("/api/notifications").json() if n["kind"] == "fill"] == []
    await bot.deliver_once()
    assert [m for m in fake.sent() if "Bought" in m["text"]] == []


def _event(kind: type[OrderUpdate], **extra: Any) -> OrderUpdate:
    at = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
    return kind(
        user_id=1,
        order_id="P1",
        broker_order_id=None,
        broker="paper",
        book="manual",
        source="api",
        attribution={},
        exchange="NSE",
        tradingsymbol="INFY",
        transaction_type="BUY",
        product="CNC",
        quantity=10,
        previous_status="OPEN",
        status="COMPLETE",
        filled_quantity=10,
        average_price=Decimal(1400),
        message=None,
        ts_event=at,
        ts_init=at,
        **extra,
    )


@pytest.mark.anyio
async def test_a_told_event_on_the_bus_wakes_delivery(bot: TelegramBot):
    fill = {"fill_quantity": 10, "fill_price": Decimal(1400), "charges": Decimal(0)}
    filled = _event(OrderFilled, **fill, broker_trade_id=None)
    assert told(to_message(filled))
    assert not told(to_message(_event(OrderAccepted)))  # nothing is told of an acceptance
    assert not told({"type": "ticker"})  # not an OMS event
    bus = InProcessBus()
    subscription = await bus.subscribe(*EVENT_TOPICS)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(bot.wake_on, subscription)
        await bus.publish("orders.1", to_message(filled))
        with anyio.fail_after(5):
            await bot.woken.wait()
        await subscription.close()
