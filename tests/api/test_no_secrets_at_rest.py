"""After every auth flow, no raw secret (password, OTP, link, session, key, token,
broker secret, access token, Telegram link code) appears anywhere in the database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from tests.helpers import PASSWORD, otp_and_token, sign_in
from tests.telegram_kit import CODE, FakeTelegram, bot_for, with_bot
from tradertape.runtime import Runtime
from tradertape.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_bot(settings)  # links need a bot to send their codes


def _all_stored_text(runtime: Runtime) -> str:
    chunks: list[str] = []
    with runtime.db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


def test_no_raw_secret_is_stored_anywhere(client: TestClient, runtime: Runtime):
    secrets: list[str] = [PASSWORD]
    sign_in(client, runtime, "a@x.in", class0=True)
    secrets.append(client.cookies["kite_session"])

    client.post("/api/auth/magic-link", json={"email": "b@x.in"})
    otp, link_token = otp_and_token(runtime, "b@x.in")
    secrets += [otp, link_token]
    other = TestClient(client.app)
    other.post("/api/auth/verify-link", json={"email": "b@x.in", "otp": otp})
    secrets.append(other.cookies["kite_session"])
    client.post("/api/auth/magic-link", json={"email": "c@x.in"})
    unused_otp, unused_token = otp_and_token(runtime, "c@x.in")
    secrets += [unused_otp, unused_token]

    key = client.post("/api/agent/keys", json={"name": "k"}).json()
    secrets.append(key["api_key"])
    secrets.append(client.post(f"/api/agent/keys/{key['id']}/regenerate").json()["api_key"])
    token = client.post("/api/algo-workers/tokens", json={"name": "w"}).json()
    secrets.append(token["token"])
    rotated = client.post(f"/api/algo-workers/tokens/{token['token_id']}/regenerate").json()
    secrets.append(rotated["token"])

    broker_secret = "brokerSECRET-0123456789"
    access_token = "ACCESS-token-9876543210"
    client.post(
        "/api/brokers/kite/credentials",
        json={"api_key": "kk", "api_secret": broker_secret, "access_token": access_token},
    )
    secrets += [broker_secret, access_token]

    # Telegram: the code of a link confirmed on the web, of a pending one (sent, not yet
    # used), and a wrong guess.
    commands = bot_for(runtime, FakeTelegram()).commands
    codes = []
    for browser, chat_id in ((client, 1001), (other, 2002)):
        assert browser.post("/api/telegram/link", json={"chat_id": chat_id}).status_code == 200
        ((ref, ask),) = commands.linking.due()
        commands.linking.sent(ref, error=None)
        found = CODE.search(ask.payload["text"])
        assert found
        codes.append(found.group(1))
    confirmed = client.post("/api/telegram/link/confirm", json={"code": codes[0]})
    assert confirmed.json()["status"] == "linked"
    guess = "QWERTY23"  # a wrong try is not kept either
    assert other.post("/api/telegram/link/confirm", json={"code": guess}).status_code == 422
    assert other.get("/api/telegram/link").json()["status"] == "pending"
    secrets += [*codes, guess]

    stored = _all_stored_text(runtime)
    assert len(stored) > 1000  # the scan really read the tables
    leaked = [s for s in secrets if s in stored]
    assert leaked == []
