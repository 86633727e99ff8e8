"""A local fake of the Telegram Bot API, the bot wired against it, and chat linking the way
a person does it (Settings → Link, then the code the bot sent the chat, entered on the web)."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import update

from tradertape.db.models import Notification
from tradertape.runtime import Runtime
from tradertape.services.notifications import chats as telegram_links
from tradertape.services.notifications.events import Kind
from tradertape.settings import Settings
from tradertape.telegram.bot import TelegramBot
from tradertape.telegram.run import telegram_bot

TOKEN = "123456:secret-token"  # noqa: S105 - a fake bot's token
CODE = re.compile(r"Code: ([A-Z0-9]{8})")


class FakeTelegram:
    """The Bot API as the bot sees it: queued updates, and every call recorded."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._next = 1
        self.refuse_sends = False  # sendMessage answers ok: false (e.g. the bot was blocked)

    def handle(self, request: httpx.Request) -> httpx.Response:
        prefix = f"/bot{TOKEN}/"
        assert request.url.path.startswith(prefix), request.url.path
        method = request.url.path.removeprefix(prefix)
        payload = json.loads(request.content or b"{}")
        self.calls.append((method, payload))
        result: Any = True
        if method == "getUpdates":
            offset = payload.get("offset", 0)
            result = [u for u in self.updates if u["update_id"] >= offset]
        elif method == "getMe":
            result = {"id": 42, "is_bot": True, "username": "tradertape_test_bot"}
        elif method == "sendMessage" and self.refuse_sends:
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
            return httpx.Response(403, json=body)
        elif method == "sendMessage":
            result = {"message_id": len(self.calls), "chat": {"id": payload["chat_id"]}}
        return httpx.Response(200, json={"ok": True, "result": result})

    def _queue(self, update: dict[str, Any]) -> None:
        self.updates.append({"update_id": self._next, **update})
        self._next += 1

    def message(self, chat_id: int, text: str) -> None:
        """Someone in ``chat_id`` sends ``text``."""
        self._queue({"message": {"message_id": self._next, "chat": {"id": chat_id}, "text": text}})

    def press(self, chat_id: int, data: str) -> None:
        """Someone in ``chat_id`` presses a button carrying ``data``."""
        query = {"id": f"q{self._next}", "data": data, "message": {"chat": {"id": chat_id}}}
        self._queue({"callback_query": query})

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """The payloads of every call of ``method`` so far."""
        return [p for m, p in self.calls if m == method]

    def code_sent_to(self, chat_id: int) -> str:
        """The one-time code of the newest link message to ``chat_id``."""
        for payload in reversed(self.sent()):
            found = CODE.search(payload["text"])
            if payload["chat_id"] == chat_id and found:
                return found.group(1)
        raise AssertionError(f"no link code was sent to {chat_id}")


def with_bot(settings: Settings) -> Settings:
    """A server's settings with a bot configured. The bot the app itself starts finds no
    Telegram (a closed local port) and stays idle; the tests' own bot talks to the fake."""
    return settings.model_copy(
        update={"telegram_bot_token": SecretStr(TOKEN), "telegram_api_base": "http://127.0.0.1:9"}
    )


def bot_for(runtime: Runtime, fake: FakeTelegram) -> TelegramBot:
    """The app's bot, configured with the fake's token and talking to the fake."""
    settings = runtime.settings.model_copy(
        update={"telegram_bot_token": SecretStr(TOKEN), "telegram_api_base": "http://tg.test"}
    )
    configured = dataclasses.replace(runtime, settings=settings)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    return telegram_bot(configured, client)


def link_chat(runtime: Runtime, user_id: int, chat_id: int) -> None:
    """Both steps of a link through the services, and the chat already told it is linked
    (for tests about something else: the outbox starts empty)."""
    secret = runtime.settings.secret
    with runtime.db.session() as db:
        row = telegram_links.request(db, user_id=user_id, chat_id=chat_id, clock=runtime.clock)
        assert row is not None
        code = telegram_links.issue_code(row, secret=secret)
        db.commit()
        telegram_links.confirm(db, user_id=user_id, code=code, secret=secret, clock=runtime.clock)
        db.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.kind == Kind.LINKED.value)
            .values(delivered_at=runtime.clock.now())
        )
        db.commit()
