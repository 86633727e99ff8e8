"""An assistant's live order confirmed from Telegram: the linked chat is told with the
order's preview and Confirm / Refuse; Confirm places it once at the fake Kite through the
web app's path (pressed twice, or confirmed on the web too, it is still one order), the
assistant's status says where it was confirmed; Refuse places nothing; another user's chat,
and the gate's refusal, leave it pending."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.helpers import make_user
from tests.live_kit import BUY, ours
from tests.mcp.conftest import connected, issue_key, structured
from tests.telegram_kit import FakeTelegram, bot_for, link_chat
from tradertape.api.schemas.trading import OrderIn
from tradertape.runtime import Runtime
from tradertape.services.assistant.confirmations import preview, spec_of
from tradertape.settings import Settings

pytestmark = [pytest.mark.db, pytest.mark.anyio]
ALICE_CHAT, BOB_CHAT = 1001, 2002


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


async def _asked(runtime: Runtime, user_id: int) -> tuple[str, int]:
    """An assistant with a live key asks for `BUY`; its secret and confirmation id."""
    secret = issue_key(runtime, user_id, "live")
    async with connected(runtime, secret) as mcp:
        asked = structured(await mcp.call_tool("place_order", {"order": BUY}))
    assert asked["status"] == "waiting for your confirmation"
    assert "Telegram" in asked["message"]
    return secret, int(asked["confirmation_id"])


async def _told(runtime: Runtime, secret: str, confirmation_id: int) -> dict[str, object]:
    async with connected(runtime, secret) as mcp:
        arguments = {"confirmation_id": confirmation_id}
        return structured(await mcp.call_tool("order_confirmation", arguments))


async def test_confirmed_in_telegram_it_is_placed_once_and_the_assistant_is_told(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    link_chat(runtime, user_id, ALICE_CHAT)
    link_chat(runtime, make_user(runtime, "bob@x.in"), BOB_CHAT)
    fake.price("NSE:INFY", 1500)
    telegram = FakeTelegram()
    bot = bot_for(runtime, telegram)
    secret, asked = await _asked(runtime, user_id)

    assert await bot.deliver_once() == 1
    (message,) = telegram.sent()
    assert message["chat_id"] == ALICE_CHAT
    assert message["text"] == (
        "🤖 Claude asks for a live order: BUY 10 NSE:INFY LIMIT CNC at ₹1,490.00 (₹14,900.00),"
        " live. Confirm or refuse it in Settings → AI assistant, or here in Telegram."
    )
    (buttons,) = message["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in buttons] == [f"ac:{asked}", f"ad:{asked}"]

    telegram.press(BOB_CHAT, f"ac:{asked}")  # not bob's: refused, nothing placed
    await bot.poll_once()
    assert fake.state()["orders"] == []
    telegram.press(ALICE_CHAT, f"ac:{asked}")
    telegram.press(ALICE_CHAT, f"ac:{asked}")  # twice: the second is a polite no
    await bot.poll_once()
    web = client.post(f"/api/assistant/confirmations/{asked}/confirm")  # and on the web: 409
    told = await _told(runtime, secret, asked)

    toasts = [a["text"] for a in telegram.sent("answerCallbackQuery")]
    assert toasts[0].startswith("Sorry, that is not possible")
    [order] = ours(runtime)
    assert toasts[1].startswith(f"Placed: {order.order_id} (")
    assert toasts[1].endswith("(confirmed in Telegram))")
    assert toasts[2] == f"Nothing to do: confirmation {asked} is already placed"
    assert web.status_code == 409
    [at_kite] = fake.state()["orders"]
    assert (order.broker, order.broker_order_id) == ("kite", at_kite["order_id"])
    assert order.source.startswith("assistant:")
    assert (told["status"], told["order_id"]) == ("placed", order.order_id)
    assert str(told["message"]).endswith("(confirmed in Telegram)")


async def test_refused_in_telegram_nothing_is_placed(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    link_chat(runtime, user_id, ALICE_CHAT)
    telegram = FakeTelegram()
    bot = bot_for(runtime, telegram)
    secret, asked = await _asked(runtime, user_id)

    telegram.press(ALICE_CHAT, f"ad:{asked}")
    await bot.poll_once()
    told = await _told(runtime, secret, asked)

    assert [a["text"] for a in telegram.sent("answerCallbackQuery")] == [
        "Refused: nothing was placed, and the assistant is told so."
    ]
    assert fake.state()["orders"] == []
    assert ours(runtime) == []
    assert (told["status"], told["message"]) == ("declined", "declined by you in Telegram")
    assert await bot.deliver_once() == 1  # its notice, now without buttons
    (message,) = telegram.sent()
    assert "reply_markup" not in message


async def test_with_the_users_switch_off_a_telegram_confirmation_stays_pending(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake, switch=False)
    link_chat(runtime, user_id, ALICE_CHAT)
    telegram = FakeTelegram()
    bot = bot_for(runtime, telegram)
    _secret, asked = await _asked(runtime, user_id)

    telegram.press(ALICE_CHAT, f"ac:{asked}")
    await bot.poll_once()

    [toast] = [a["text"] for a in telegram.sent("answerCallbackQuery")]
    assert toast.startswith("Sorry, that is not possible")
    assert fake.state()["orders"] == []
    assert ours(runtime) == []
    assert [c["status"] for c in client.get("/api/assistant/confirmations").json()] == ["pending"]


def test_the_stored_request_is_the_tickets_order():
    """The service builds the order the ticket's schema would (no `api.schemas` below the
    routes): enums typed, the symbol upper-cased, a 0 trigger none."""
    stored = {**BUY, "tradingsymbol": "infy", "trigger_price": "0", "broker": "kite"}
    spec = spec_of(stored)
    assert spec == OrderIn.model_validate(stored).spec()
    assert (spec.key, spec.quantity, str(spec.price), spec.trigger_price) == (
        "NSE:INFY",
        10,
        "1490",
        None,
    )
    assert preview(stored) == ("BUY 10 NSE:INFY LIMIT CNC at ₹1,490.00 (₹14,900.00), live at Kite")
