"""Notices are news in real time (issue 64, "one clock"): an auto-placement's notice and a
Telegram delivery carry the real clock, while the signal they are about moves on the
market's (a demo replays a past session; a notice stamped with it was a day old when made,
and older than the chat's link, so Telegram never delivered it)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_model_api import SCAN_DAY, _deploy, _scan
from tests.helpers import sign_in
from tests.telegram_kit import FakeTelegram, bot_for, link_chat
from tradertape.db.models import ModelSignal, Notification
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.notifications.events import Kind
from tradertape.services.portfolios import signals

CHAT = 4004


def _replaying(runtime: Runtime) -> tuple[Runtime, ManualClock]:
    """`runtime` with its portfolios trading on a market clock a week behind the real one,
    as a demo's replay of a past session is."""
    market = ManualClock(runtime.clock.now() - timedelta(days=7))
    trading = dataclasses.replace(runtime.portfolio_trading, clock=market)
    return dataclasses.replace(runtime, portfolio_trading=trading), market


def test_the_runtime_stamps_portfolio_notices_with_the_real_clock(runtime: Runtime):
    assert runtime.portfolio_trading.notices is runtime.clock
    assert runtime.portfolio_trading.clock is runtime.exchange.clock  # its orders: market


def test_an_auto_placement_notice_is_stamped_now_and_its_signal_on_market_time(
    client: TestClient, with_candles: Runtime
):
    sign_in(client, with_candles, "auto@x.in")
    portfolio = _deploy(client)
    report = _scan(client, portfolio["id"], SCAN_DAY)
    replay, market = _replaying(with_candles)
    with replay.db.session() as db:
        signal = db.get_one(ModelSignal, report["entries"][0])
        signals.place(db, [signal], trading=replay.portfolio_trading, auto=True)
        (notice,) = db.scalars(
            select(Notification).where(Notification.kind == Kind.AUTO_PLACE.value)
        ).all()
        assert notice.created_at == with_candles.clock.now()
        assert db.get_one(ModelSignal, signal.id).executed_at == market.now()  # filled at close


@pytest.mark.anyio
async def test_telegram_delivers_a_notice_made_during_a_replay_and_stamps_it_now(
    client: TestClient, with_candles: Runtime
):
    user_id = sign_in(client, with_candles, "told@x.in")
    link_chat(with_candles, user_id, CHAT)  # linked now, on the real clock
    replay, _ = _replaying(with_candles)
    fake = FakeTelegram()
    bot = bot_for(replay, fake)
    portfolio = _deploy(client)
    report = _scan(client, portfolio["id"], SCAN_DAY)
    with replay.db.session() as db:
        signal = db.get_one(ModelSignal, report["entries"][0])
        signals.place(db, [signal], trading=replay.portfolio_trading, auto=True)

    assert await bot.deliver_once() >= 1
    assert any("🤖" in m["text"] for m in fake.sent() if m["chat_id"] == CHAT)
    with with_candles.db.session() as db:
        told = db.scalars(
            select(Notification.delivered_at).where(Notification.kind == Kind.AUTO_PLACE.value)
        ).all()
    assert told == [with_candles.clock.now()]


def test_a_replayed_scan_and_its_fills_are_news_now(client: TestClient, with_candles: Runtime):
    """A day run on a replay's market clock: the scan's "signals ready" and the fills of
    its auto-placed entries are stamped with the real clock, while the signals they are
    about carry market time."""
    from datetime import date

    from tradertape.db.models import ModelPortfolio
    from tradertape.services.portfolios import runs

    sign_in(client, with_candles, "replayed@x.in")
    portfolio = _deploy(client, auto_place_signals=True)
    replay, market = _replaying(with_candles)
    with replay.db.session() as db:
        row = db.get_one(ModelPortfolio, portfolio["id"])
        report = runs.run_day(
            db,
            row,
            store=replay.candles,
            trading=replay.portfolio_trading,
            day=date.fromisoformat(SCAN_DAY),
        )
        db.commit()
        assert report.entries
        kinds = {
            n.kind: n.created_at
            for n in db.scalars(
                select(Notification).where(Notification.portfolio_id == portfolio["id"])
            )
        }
        assert kinds[Kind.SIGNALS_READY.value] == with_candles.clock.now()
        assert kinds[Kind.FILL.value] == with_candles.clock.now()
        written = db.scalars(
            select(ModelSignal).where(ModelSignal.portfolio_id == portfolio["id"])
        ).all()
        assert written
        assert all(s.created_at == market.now() for s in written)
