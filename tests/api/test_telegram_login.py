"""``/login``: a broker login link per stored broker, with the token's state, and no secret."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_user, sign_in
from tests.telegram_kit import FakeTelegram, bot_for, link_chat
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.telegram.bot import TelegramBot

ALICE_CHAT, BOB_CHAT = 1001, 2002
KITE_SECRET, KITE_TOKEN = "kite-SECRET-0123456789", "kite-ACCESS-9876543210"  # noqa: S105
GROWW_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DP"


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def bot(runtime: Runtime, fake: FakeTelegram) -> TelegramBot:
    return bot_for(runtime, fake)


def _save(client: TestClient, broker: str, **body: str) -> None:
    response = client.post(f"/api/brokers/{broker}/credentials", json=body)
    assert response.status_code == 200, response.text


async def _login(bot: TelegramBot, fake: FakeTelegram, chat_id: int) -> dict[str, object]:
    fake.message(chat_id, "/login")
    await bot.poll_once()
    return fake.sent()[-1]


@pytest.mark.anyio
async def test_login_links_each_stored_broker_with_its_token_state(
    client: TestClient, runtime: Runtime, clock: ManualClock, bot: TelegramBot, fake: FakeTelegram
):
    link_chat(runtime, sign_in(client, runtime, "alice@x.in", class0=True), ALICE_CHAT)
    _save(client, "kite", api_key="kitekey123", api_secret=KITE_SECRET, access_token=KITE_TOKEN)
    _save(client, "upstox", api_key="upstox-client-id")
    _save(client, "groww", api_key="growwkey", api_secret=GROWW_TOTP)

    reply = await _login(bot, fake, ALICE_CHAT)
    lines = str(reply["text"]).splitlines()
    assert lines[0] == "🔑 Broker logins"
    kite_url = lines[1].removeprefix("Kite: token valid until 06:00 IST 21 Nov — ")
    kite_page, kite_query = kite_url.split("?")
    assert kite_page == "https://kite.zerodha.com/connect/login"
    [extra] = parse_qs(kite_query).pop("redirect_params")  # our state, echoed to the callback
    assert list(parse_qs(extra)) == ["state"]
    assert lines[2].startswith("Upstox: no access token — https://api.upstox.com/v2/login/")
    assert lines[3].startswith("Groww: no access token — no browser login: Groww mints today's")
    buttons = reply["reply_markup"]["inline_keyboard"]  # type: ignore[index]
    assert [row[0]["text"] for row in buttons] == ["Log in to Kite", "Log in to Upstox"]
    assert buttons[0][0]["url"] == kite_url

    upstox = urlsplit(buttons[1][0]["url"])
    assert (upstox.netloc, upstox.path) == ("api.upstox.com", "/v2/login/authorization/dialog")
    card = client.get("/api/brokers/upstox/credentials").json()
    upstox_query = parse_qs(upstox.query)
    assert len(upstox_query.pop("state")) == 1
    assert upstox_query == {
        "response_type": ["code"],
        "client_id": ["upstox-client-id"],
        "redirect_uri": [card["redirect_url"]],  # the callback the Settings card shows
    }
    said = json.dumps(fake.calls, ensure_ascii=False)
    assert KITE_SECRET not in said
    assert KITE_TOKEN not in said
    assert GROWW_TOTP not in said

    clock.advance(timedelta(days=1))
    reply = await _login(bot, fake, ALICE_CHAT)
    assert str(reply["text"]).splitlines()[1].startswith("Kite: token expired at 06:00 IST 21 Nov")


@pytest.mark.anyio
async def test_login_shows_only_the_chat_owners_brokers(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    sign_in(client, runtime, "alice@x.in")
    _save(client, "kite", api_key="kitekey123")
    link_chat(runtime, make_user(runtime, "bob@x.in"), BOB_CHAT)
    reply = await _login(bot, fake, BOB_CHAT)
    assert reply["text"] == "No broker credentials stored: add them in Settings → Brokers."
    assert "not linked" in str((await _login(bot, fake, ALICE_CHAT))["text"])
