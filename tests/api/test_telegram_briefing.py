"""The morning briefing: opt in (API or ``/briefing on``), then once per NSE trading day at
the chosen time before the open, to a linked chat, on the injected clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from tests.helpers import make_user, sign_in
from tests.telegram_kit import FakeTelegram, bot_for, link_chat
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.notifications import briefing
from tradertape.services.notifications import events as notifications
from tradertape.services.notifications.briefing import BriefingJobs
from tradertape.services.notifications.reports import Reports
from tradertape.telegram.bot import TelegramBot

ALICE_CHAT, CAROL_CHAT, DAVE_CHAT, ERIN_CHAT = 1001, 3003, 4004, 5005


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def bot(runtime: Runtime, fake: FakeTelegram) -> TelegramBot:
    return bot_for(runtime, fake)


def _jobs(runtime: Runtime) -> BriefingJobs:
    reports = Reports(store=runtime.candles, quotes=runtime.quotes, clock=runtime.clock)
    return BriefingJobs(
        db=runtime.db, reports=reports, calendar=runtime.candles.calendar, clock=runtime.clock
    )


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=IST)


def test_the_briefing_setting_defaults_off_and_refuses_bad_times(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    off = {"enabled": False, "time": "08:45", "timezone": "Asia/Kolkata"}
    assert client.get("/api/telegram/briefing").json() == off
    on = client.put("/api/telegram/briefing", json={"enabled": True, "time": "07:30"})
    assert on.status_code == 200, on.text
    assert on.json() == {**off, "enabled": True, "time": "07:30"}
    bad = [
        ({"enabled": False, "time": "09:15"}, "time"),
        ({"enabled": False, "time": "18:00"}, "time"),
        ({"enabled": False, "time": "25:00"}, "time"),
        ({"enabled": False, "time": "08:00+05:30"}, "time"),
        ({"enabled": "maybe"}, "enabled"),
        ({}, "enabled"),
        ({"enabled": False, "at": "08:00"}, "at"),
    ]
    for body, field in bad:
        response = client.put("/api/telegram/briefing", json=body)
        assert response.status_code == 422, body
        assert [d["field"] for d in response.json()["detail"]] == [field], body
    assert client.get("/api/telegram/briefing").json() == on.json()  # unchanged
    kept = client.put("/api/telegram/briefing", json={"enabled": False})  # time: unchanged
    assert kept.json() == {**off, "time": "07:30"}


@pytest.mark.anyio
async def test_briefing_on_and_off_from_the_chat(
    client: TestClient, runtime: Runtime, bot: TelegramBot, fake: FakeTelegram
):
    link_chat(runtime, sign_in(client, runtime, "dave@x.in"), DAVE_CHAT)
    for text in ("/briefing on", "/briefing", "/briefing OFF", "/briefing maybe"):
        fake.message(DAVE_CHAT, text)
    assert await bot.poll_once() == 4
    on, now, off, usage = (m["text"] for m in fake.sent())
    assert on == "The daily briefing is on: 08:45 IST on NSE trading days."
    assert now.startswith("☀️ Briefing, Fri 20 Nov 2026\nNo active portfolios.")
    assert now.endswith(on)
    assert off == "The daily briefing is off (/briefing on to get it)."
    assert usage == "Use /briefing, /briefing on or /briefing off."
    assert client.get("/api/telegram/briefing").json()["enabled"] is False


@pytest.mark.anyio
async def test_sent_once_on_trading_days_at_the_chosen_time_to_linked_opted_in_users(
    client: TestClient, runtime: Runtime, clock: ManualClock, bot: TelegramBot, fake: FakeTelegram
):
    alice = sign_in(client, runtime, "alice@x.in")
    link_chat(runtime, alice, ALICE_CHAT)
    assert client.put("/api/telegram/briefing", json={"enabled": True}).status_code == 200
    bob = make_user(runtime, "bob@x.in")  # opted in, but no linked chat
    carol = make_user(runtime, "carol@x.in")  # linked, never opted in
    dave = make_user(runtime, "dave@x.in")  # linked, opted in and out again
    erin = make_user(runtime, "erin@x.in")  # linked, opted in for 07:30
    for user, chat in ((carol, CAROL_CHAT), (dave, DAVE_CHAT), (erin, ERIN_CHAT)):
        link_chat(runtime, user, chat)
    with runtime.db.session() as db:
        briefing.update(db, user_id=bob, clock=clock, enabled=True)
        briefing.update(db, user_id=dave, clock=clock, enabled=True)
        briefing.update(db, user_id=dave, clock=clock, enabled=False)
        briefing.update(db, user_id=erin, clock=clock, enabled=True, at=_at(1, 7, 30).time())
    jobs = _jobs(runtime)

    clock.set(_at(21, 8, 50))  # Saturday
    assert jobs.run_due() == []
    clock.set(_at(23, 7, 29))  # Monday, a trading day
    assert jobs.run_due() == []
    clock.set(_at(23, 7, 30))
    assert jobs.run_due() == [erin]
    clock.set(_at(23, 8, 44))
    assert jobs.run_due() == []
    clock.set(_at(23, 8, 45))
    assert jobs.run_due() == [alice]
    clock.set(_at(23, 9, 0))
    assert jobs.run_due() == []  # not twice
    assert _jobs(runtime).run_due() == []  # nor after a restart

    assert await bot.deliver_once() == 2
    sent = {m["chat_id"]: m["text"] for m in fake.sent()}
    assert set(sent) == {ALICE_CHAT, ERIN_CHAT}
    assert sent[ALICE_CHAT].startswith("☀️ Briefing, Mon 23 Nov 2026\nNo active portfolios.")
    note, linked = client.get("/api/notifications").json()
    assert linked["kind"] == "linked"  # when the chat was linked (told, by `link_chat`)
    assert (note["kind"], note["payload"]) == ("briefing", {"day": "2026-11-23"})
    assert note["delivered_at"] is not None

    clock.set(_at(24, 8, 50))  # Guru Nanak Jayanti: NSE holiday
    assert jobs.run_due() == []
    clock.set(_at(25, 16, 0))  # after the close: a missed briefing is not sent any more
    assert jobs.run_due() == []
    clock.set(_at(26, 10, 30))  # the server was down at 08:45: sent late, before the close
    assert jobs.run_due() == [alice, erin]


def test_the_idempotency_key_refuses_a_second_briefing_of_a_day(runtime: Runtime):
    user = make_user(runtime, "alice@x.in")
    with runtime.db.session() as db:
        for _ in range(2):
            notifications.add(
                db,
                user_id=user,
                kind=notifications.Kind.BRIEFING,
                text="☀️",
                at=runtime.clock.now(),
                idempotency_key="briefing:2026-11-20",
            )
        with pytest.raises(IntegrityError):
            db.commit()
