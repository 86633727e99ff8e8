"""Linking a Telegram chat takes two steps: Settings → Link (a pending link), then the
one-time code the bot sent that chat, entered on the web by the user who asked. That proves
the person signed in can read the chat; nothing done in the chat, and no one else's
session, links it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_user, sign_in
from tests.telegram_kit import CODE, FakeTelegram, bot_for, link_chat, with_bot
from tradertape.api.app import create_app
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.notifications import chats as telegram_links
from tradertape.settings import Settings
from tradertape.telegram.bot import TelegramBot

ALICE_CHAT, BOB_CHAT, NEW_CHAT = 1001, 2002, 4004
WRONG = "ABCDEFGH"  # well-formed, never a code the bot sent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_bot(settings)  # links need a bot to send their codes


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def bot(runtime: Runtime, fake: FakeTelegram) -> TelegramBot:
    return bot_for(runtime, fake)


def _status(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/telegram/link")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ask(client: TestClient, chat_id: int) -> dict[str, Any]:
    response = client.post("/api/telegram/link", json={"chat_id": chat_id})
    assert response.status_code == 200, response.text
    return dict(response.json())


CONFIRM = "/api/telegram/link/confirm"


def _confirm(client: TestClient, code: str) -> dict[str, Any]:
    """Enter the code on the web: linked, the status in the answer."""
    response = client.post(CONFIRM, json={"code": code})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _refused(client: TestClient, code: str) -> None:
    """A well-formed code that links nothing: 422 on ``code``, status unchanged."""
    before = _status(client)
    response = client.post(CONFIRM, json={"code": code})
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["field"] == "code"
    assert problem["msg"].startswith("wrong or expired code")
    assert _status(client) == before


async def _say(bot: TelegramBot, fake: FakeTelegram, chat_id: int, text: str) -> str:
    fake.message(chat_id, text)
    assert await bot.poll_once() == 1
    reply = fake.sent()[-1]
    assert reply["chat_id"] == chat_id
    return str(reply["text"])


async def _press(bot: TelegramBot, fake: FakeTelegram, chat_id: int, data: str) -> str:
    fake.press(chat_id, data)
    await bot.poll_once()
    return str(fake.sent("answerCallbackQuery")[-1]["text"])


@pytest.mark.anyio
async def test_a_link_is_made_by_the_code_entered_on_the_web(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    assert _status(client) == {
        "bot_configured": True,
        "status": "unlinked",
        "linked": False,
        "chat_id": None,
        "linked_at": None,
        "pending": None,
    }
    asked = _ask(client, ALICE_CHAT)
    assert (asked["status"], asked["linked"], asked["chat_id"]) == ("pending", False, None)
    assert asked["pending"]["chat_id"] == ALICE_CHAT
    assert asked["pending"]["code_sent"] is False
    _refused(client, WRONG)  # no code sent yet: nothing to enter

    assert await bot.deliver_once() == 1
    (message,) = fake.sent()
    assert message["chat_id"] == ALICE_CHAT
    assert "reply_markup" not in message  # no button: the chat cannot confirm
    text = message["text"]
    assert "a•••@x.in" in text  # whose account asks, masked
    assert "Settings → Telegram within 10 minutes" in text
    assert "ignore this message" in text
    code = fake.code_sent_to(ALICE_CHAT)
    assert _status(client)["pending"]["code_sent"] is True
    assert await bot.deliver_once() == 0  # the code is sent once

    assert "not linked" in await _say(bot, fake, ALICE_CHAT, "/status")  # pending is not linked
    assert "on the web" in await _say(bot, fake, ALICE_CHAT, f"/link {code}")  # not here
    assert _status(client)["status"] == "pending"

    sent_before = len(fake.sent())
    linked = _confirm(client, f" {code.lower()} ")
    assert (linked["status"], linked["linked"], linked["chat_id"]) == ("linked", True, ALICE_CHAT)
    assert linked["pending"] is None
    assert linked == _status(client)
    assert len(fake.sent()) == sent_before  # the API did not wait on Telegram

    assert await bot.deliver_once() == 1  # the chat is told, through the outbox
    told = fake.sent()[-1]
    assert told["chat_id"] == ALICE_CHAT
    assert told["text"].startswith("✅ This chat is now linked to TraderTape (a•••@x.in)")
    assert await bot.deliver_once() == 0
    (note,) = client.get("/api/notifications").json()
    assert (note["kind"], note["payload"]) == ("linked", {"chat_id": ALICE_CHAT})
    assert note["delivered_at"] is not None
    assert await _say(bot, fake, ALICE_CHAT, "/status") == "No active portfolios."


@pytest.mark.anyio
async def test_a_strangers_chat_cannot_link_itself(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    # Alice pastes Bob's chat id (a typo, or on purpose): the code goes to Bob's chat only.
    sign_in(client, runtime, "alice@x.in")
    _ask(client, BOB_CHAT)
    await bot.deliver_once()
    (ask,) = fake.sent()
    assert ask["chat_id"] == BOB_CHAT
    assert "a•••@x.in" in ask["text"]
    code = fake.code_sent_to(BOB_CHAT)
    pending = _status(client)

    # Whatever Bob does in his chat links nothing: no button, no command takes the code.
    for text in (f"/link {code}", "/link", f"/link@tradertape_test_bot {code.lower()}"):
        assert "on the web" in await _say(bot, fake, BOB_CHAT, text)
    assert await _press(bot, fake, BOB_CHAT, f"l:{code}") == "Unknown button."  # old buttons
    assert "not linked" in await _say(bot, fake, BOB_CHAT, "/pending")
    assert _status(client) == pending
    assert await bot.deliver_once() == 0  # and nothing is sent to his chat

    # Without the code, Alice cannot link it either.
    _refused(client, WRONG)

    # Alice's pending link does not stop Bob linking his own chat.
    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    _ask(bob, BOB_CHAT)
    await bot.deliver_once()
    bobs_code = fake.code_sent_to(BOB_CHAT)
    assert bobs_code != code
    assert _confirm(bob, bobs_code)["chat_id"] == BOB_CHAT

    # Even if Bob now gave Alice her code, the chat is taken: a 409, nothing changes.
    taken = client.post(CONFIRM, json={"code": code})
    assert taken.status_code == 409
    assert taken.json() == {"detail": "this chat is linked to another account"}
    assert _status(client) == pending
    assert _status(bob)["chat_id"] == BOB_CHAT
    assert client.post("/api/telegram/link", json={"chat_id": BOB_CHAT}).status_code == 409


@pytest.mark.anyio
async def test_someone_elses_pending_link_cannot_be_confirmed_with_your_session(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    _ask(client, BOB_CHAT)  # Alice asks for Bob's chat; Bob receives her code
    await bot.deliver_once()
    alices_code = fake.code_sent_to(BOB_CHAT)
    alice_pending = _status(client)

    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    _refused(bob, alices_code)  # Bob has no request: her code is nothing to him
    _ask(bob, BOB_CHAT)
    await bot.deliver_once()
    bobs_code = fake.code_sent_to(BOB_CHAT)
    _refused(bob, alices_code)  # the right chat, the right code, but her request
    _refused(client, bobs_code)  # and his code does not confirm hers
    assert _status(client) == alice_pending
    assert _status(bob)["status"] == "pending"

    assert _confirm(bob, bobs_code)["status"] == "linked"
    assert _status(client) == alice_pending


@pytest.mark.anyio
async def test_a_wrong_or_malformed_code_changes_nothing(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    _ask(client, ALICE_CHAT)
    await bot.deliver_once()
    before = _status(client)
    _refused(client, WRONG)
    bad = [
        ({}, "code"),
        ({"code": ""}, "code"),
        ({"code": "ABC"}, "code"),
        ({"code": "ABCDEFGHJ"}, "code"),
        ({"code": "' OR 1=1"}, "code"),
        ({"code": 12345678}, "code"),
        ({"code": None}, "code"),
        ({"code": WRONG, "chat_id": ALICE_CHAT}, "chat_id"),
    ]
    for body, field in bad:
        response = client.post(CONFIRM, json=body)
        assert response.status_code == 422, body
        assert [d["field"] for d in response.json()["detail"]] == [field]
    assert _status(client) == before

    code = fake.code_sent_to(ALICE_CHAT)  # wrong tries do not burn the right code
    assert _confirm(client, code)["status"] == "linked"


@pytest.mark.anyio
async def test_a_replayed_or_superseded_code_changes_nothing(
    client: TestClient, runtime: Runtime, clock: ManualClock, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    _ask(client, ALICE_CHAT)
    await bot.deliver_once()
    code = fake.code_sent_to(ALICE_CHAT)
    _confirm(client, code)
    _refused(client, code)  # used once: a replay finds nothing
    assert client.delete("/api/telegram/link").status_code == 204
    _refused(client, code)
    assert _status(client)["status"] == "unlinked"

    clock.advance(timedelta(minutes=1))  # a fresh rate-limit window
    _ask(client, ALICE_CHAT)  # asking again replaces the code
    await bot.deliver_once()
    first = fake.code_sent_to(ALICE_CHAT)
    _ask(client, ALICE_CHAT)
    await bot.deliver_once()
    second = fake.code_sent_to(ALICE_CHAT)
    _refused(client, first)
    assert _confirm(client, second)["status"] == "linked"


@pytest.mark.anyio
async def test_an_expired_code_changes_nothing(
    client: TestClient, runtime: Runtime, clock: ManualClock, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    asked = _ask(client, ALICE_CHAT)
    expires = datetime.fromisoformat(asked["pending"]["expires_at"])
    assert expires == clock.now() + timedelta(minutes=10)
    await bot.deliver_once()
    code = fake.code_sent_to(ALICE_CHAT)
    clock.advance(timedelta(minutes=10))
    assert _status(client)["status"] == "unlinked"  # an expired request is not pending
    _refused(client, code)
    assert _status(client)["status"] == "unlinked"

    _ask(client, ALICE_CHAT)  # expired before the bot could send it: never sent
    clock.advance(timedelta(minutes=11))
    assert await bot.deliver_once() == 0


def test_confirm_attempts_are_rate_limited_per_user(
    client: TestClient, runtime: Runtime, clock: ManualClock, bot: TelegramBot
):
    sign_in(client, runtime, "alice@x.in")
    _ask(client, ALICE_CHAT)
    ((ref, message),) = bot.commands.linking.due()
    bot.commands.linking.sent(ref, error=None)
    found = CODE.search(message.payload["text"])
    assert found
    code = found.group(1)
    for _ in range(5):
        _refused(client, WRONG)
    refused = client.post(CONFIRM, json={"code": code})  # even the right one: no guessing
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert set(refused.json()) == {"detail"}
    assert _status(client)["status"] == "pending"

    bob = TestClient(client.app)  # the limit is Alice's, not everyone's
    sign_in(bob, runtime, "bob@x.in")
    _refused(bob, WRONG)

    clock.advance(timedelta(minutes=1))
    assert _confirm(client, code)["status"] == "linked"


@pytest.mark.anyio
async def test_a_chat_the_bot_cannot_message_is_reported_and_retried_a_little(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    fake.refuse_sends = True  # e.g. the chat never sent the bot /start
    _ask(client, ALICE_CHAT)
    for _ in range(4):
        assert await bot.deliver_once() == 0
    assert len(fake.sent()) == 3  # three tries, then it gives up
    pending = _status(client)["pending"]
    assert pending["code_sent"] is False
    assert "Forbidden: bot was blocked" in pending["error"]

    fake.refuse_sends = False
    _ask(client, ALICE_CHAT)  # asking again starts afresh
    assert await bot.deliver_once() == 1
    assert _status(client)["pending"]["error"] is None


def test_bad_link_requests_are_refused_and_change_nothing(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    bad = [
        ({}, "chat_id"),
        ({"chat_id": "abc"}, "chat_id"),
        ({"chat_id": 1.5}, "chat_id"),
        ({"chat_id": 2**60}, "chat_id"),
        ({"chat_id": 1, "code": "x"}, "code"),
    ]
    for body, field in bad:
        response = client.post("/api/telegram/link", json=body)
        assert response.status_code == 422, body
        assert [d["field"] for d in response.json()["detail"]] == [field]
    link_chat(runtime, make_user(runtime, "bob@x.in"), BOB_CHAT)
    taken = client.post("/api/telegram/link", json={"chat_id": BOB_CHAT})
    assert taken.status_code == 409
    assert taken.json() == {"detail": "this chat is linked to another account"}
    assert _status(client)["status"] == "unlinked"
    assert client.delete("/api/telegram/link").status_code == 404


def test_signed_out_nothing_is_linked(client: TestClient, runtime: Runtime):
    for method, path, body in (
        ("GET", "/api/telegram/link", None),
        ("POST", "/api/telegram/link", {"chat_id": ALICE_CHAT}),
        ("POST", CONFIRM, {"code": WRONG}),
    ):
        assert client.request(method, path, json=body).status_code == 401


def test_link_requests_are_rate_limited(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    for chat in range(1, 6):
        _ask(client, chat)
    refused = client.post("/api/telegram/link", json={"chat_id": 99})
    assert refused.status_code == 429
    assert _status(client)["pending"]["chat_id"] == 5


@pytest.mark.anyio
async def test_unlink_from_settings_or_from_the_chat(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    alice = sign_in(client, runtime, "alice@x.in")
    link_chat(runtime, alice, ALICE_CHAT)
    assert client.delete("/api/telegram/link").status_code == 204
    assert _status(client)["status"] == "unlinked"
    assert client.delete("/api/telegram/link").status_code == 404
    assert "not linked" in await _say(bot, fake, ALICE_CHAT, "/status")

    link_chat(runtime, alice, ALICE_CHAT)
    assert (await _say(bot, fake, ALICE_CHAT, "/unlink")).startswith("This chat is unlinked")
    assert _status(client)["status"] == "unlinked"
    assert "not linked" in await _say(bot, fake, ALICE_CHAT, "/unlink")

    _ask(client, ALICE_CHAT)  # unlinking drops a pending link too
    assert client.delete("/api/telegram/link").status_code == 204
    assert await bot.deliver_once() == 0


@pytest.mark.anyio
async def test_moving_to_another_chat_keeps_the_old_link_until_confirmed(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    link_chat(runtime, sign_in(client, runtime, "alice@x.in"), ALICE_CHAT)
    asked = _ask(client, NEW_CHAT)
    assert (asked["status"], asked["chat_id"]) == ("linked", ALICE_CHAT)
    assert asked["pending"]["chat_id"] == NEW_CHAT
    await bot.deliver_once()
    assert _confirm(client, fake.code_sent_to(NEW_CHAT))["chat_id"] == NEW_CHAT
    assert await bot.deliver_once() == 1
    assert fake.sent()[-1]["chat_id"] == NEW_CHAT  # the new chat is told, not the old one
    assert "not linked" in await _say(bot, fake, ALICE_CHAT, "/status")

    again = _ask(client, NEW_CHAT)  # the chat already linked: nothing to confirm
    assert (again["status"], again["pending"]) == ("linked", None)
    assert await bot.deliver_once() == 0


def test_asking_again_while_a_code_is_on_its_way_sends_the_new_one(
    client: TestClient, runtime: Runtime, bot: TelegramBot
):
    sign_in(client, runtime, "alice@x.in")
    _ask(client, ALICE_CHAT)
    ((first, _),) = bot.commands.linking.due()  # the code is made, the message not yet sent
    _ask(client, ALICE_CHAT)
    bot.commands.linking.sent(first, error=None)  # Telegram took the old message
    assert _status(client)["pending"]["code_sent"] is False
    ((again, message),) = bot.commands.linking.due()
    assert message.payload["chat_id"] == ALICE_CHAT


def _without_bot(runtime: Runtime) -> TestClient:
    settings = runtime.settings.model_copy(update={"telegram_bot_token": None})
    app = create_app(dataclasses.replace(runtime, settings=settings))
    return TestClient(app, base_url="http://testserver")


def test_without_a_bot_a_link_request_says_so_and_changes_nothing(runtime: Runtime):
    with _without_bot(runtime) as browser:
        sign_in(browser, runtime, "alice@x.in")
        refused = browser.post("/api/telegram/link", json={"chat_id": ALICE_CHAT})
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert detail.startswith("no Telegram bot is configured on this server")
        assert "TRADERTAPE_TELEGRAM_BOT_TOKEN" in detail
        status = _status(browser)
    assert (status["bot_configured"], status["status"], status["pending"]) == (
        False,
        "unlinked",
        None,
    )


def test_a_link_left_pending_when_the_bot_went_away_says_why(runtime: Runtime):
    with _without_bot(runtime) as browser:
        alice = sign_in(browser, runtime, "alice@x.in")
        with runtime.db.session() as db:  # asked while a bot was configured
            telegram_links.request(db, user_id=alice, chat_id=ALICE_CHAT, clock=runtime.clock)
        status = _status(browser)
    assert status["status"] == "pending"
    assert status["pending"]["error"].startswith("no Telegram bot is configured")
