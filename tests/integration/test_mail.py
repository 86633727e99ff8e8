"""Mail goes through a real SMTP server when configured; a failing relay never fails sign-in."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import SmtpTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings, SmtpSettings


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port: the controller cannot take port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_login_mail_is_delivered_over_smtp(
    smtp_server: tuple[_Inbox, int], settings: Settings, clock: ManualClock, database: Database
):
    inbox, port = smtp_server
    smtp = SmtpSettings(host="127.0.0.1", port=port, starttls=False, _env_file=None)
    runtime = Runtime.build(settings, clock=clock, db=database, transport=SmtpTransport(smtp))

    with TestClient(create_app(runtime)) as client:
        assert client.post("/api/auth/magic-link", json={"email": "a@x.in"}).status_code == 202

    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "a@x.in"
    assert "or enter this code:" in message.get_payload()
    with database.session() as db:
        stored = runtime.outbox.read(db, to="a@x.in")
    assert stored[0].sent_at is not None
    assert stored[0].transport == "smtp"


def test_unreachable_relay_keeps_the_mail_and_still_answers(
    settings: Settings, clock: ManualClock, database: Database
):
    dead = SmtpSettings(host="127.0.0.1", port=1, starttls=False, timeout_s=1, _env_file=None)
    runtime = Runtime.build(settings, clock=clock, db=database, transport=SmtpTransport(dead))

    with TestClient(create_app(runtime)) as client:
        assert client.post("/api/auth/magic-link", json={"email": "a@x.in"}).status_code == 202

    with database.session() as db:
        stored = runtime.outbox.read(db, to="a@x.in")
    assert stored[0].sent_at is None
    assert "code:" in stored[0].body  # kept for a retry or for `tradertape outbox`
