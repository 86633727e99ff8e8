"""An alert's held order on Telegram: the message carries Approve / Dismiss, Approve places
it through the pipeline once, and another chat's press is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_alerts import create, fires, tick
from tests.helpers import make_user, sign_in
from tests.telegram_kit import FakeTelegram, bot_for, link_chat
from tradertape.jobs.trading import trading_loop
from tradertape.runtime import Runtime

ALICE_CHAT, BOB_CHAT = 1001, 2002


@pytest.mark.anyio
async def test_approve_on_telegram_places_the_held_order_once(client: TestClient, runtime: Runtime):
    link_chat(runtime, sign_in(client, runtime, "alice@x.in"), ALICE_CHAT)
    link_chat(runtime, make_user(runtime, "bob@x.in"), BOB_CHAT)
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    fake = FakeTelegram()
    bot = bot_for(runtime, fake)
    order = {"transaction_type": "BUY", "quantity": 4}
    create(client, order=order, order_action="confirm", confirm_within_mins=15)
    loop = trading_loop(runtime)
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(client)

    assert await bot.deliver_once() == 1
    (message,) = fake.sent()
    assert message["chat_id"] == ALICE_CHAT
    assert message["text"] == (
        "🔔 INFY over 1500: INFY at ₹1,501.00 — order waits for your approval"
    )
    (buttons,) = message["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in buttons] == [f"y:{fire['id']}", f"n:{fire['id']}"]

    fake.press(BOB_CHAT, f"y:{fire['id']}")  # not bob's: refused, nothing placed
    await bot.poll_once()
    assert fires(client)[0]["order_status"] == "awaiting"
    fake.press(ALICE_CHAT, f"y:{fire['id']}")
    fake.press(ALICE_CHAT, f"y:{fire['id']}")  # twice: the second is a polite no
    await bot.poll_once()
    toasts = [a["text"] for a in fake.sent("answerCallbackQuery")]
    assert toasts[0].startswith("Sorry, that is not possible")
    assert toasts[1] == "INFY: order placed"
    assert toasts[2].startswith("Nothing to do")
    placed = fires(client)[0]
    assert placed["order_status"] == "placed"
    assert len(client.get("/api/portfolio/orders").json()) == 1
