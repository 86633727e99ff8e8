"""The Telegram bot's wiring from a `Runtime`, and the one process that polls for it."""

from __future__ import annotations

import asyncio

import httpx

from tradertape.db.leader import LeaderLease
from tradertape.runtime import Runtime
from tradertape.services.alerts.firing import Decisions
from tradertape.services.alerts.placing import Placer
from tradertape.services.assistant.confirmations import ConfirmationDesk
from tradertape.services.brokers.login import BrokerLogins
from tradertape.services.brokers.login_state import login_states
from tradertape.services.notifications.reports import Reports
from tradertape.telegram.api import BotApi
from tradertape.telegram.bot import TelegramBot
from tradertape.telegram.commands import Commands
from tradertape.telegram.linking import ChatLinking


def reports(runtime: Runtime) -> Reports:
    return Reports(store=runtime.candles, quotes=runtime.quotes, clock=runtime.clock)


def telegram_bot(runtime: Runtime, client: httpx.AsyncClient | None = None) -> TelegramBot:
    """The bot of the configured token (the caller checked there is one)."""
    token = runtime.settings.telegram_bot_token
    assert token is not None
    api = BotApi(
        client or httpx.AsyncClient(),
        base_url=runtime.settings.telegram_api_base,
        token=token.get_secret_value(),
    )
    commands = Commands(
        db=runtime.db.jobs,
        reports=reports(runtime),
        trading=runtime.portfolio_trading,
        clock=runtime.clock,
        linking=ChatLinking(
            db=runtime.db.jobs, clock=runtime.clock, secret=runtime.settings.secret
        ),
        logins=BrokerLogins(
            brokers=runtime.brokers,
            public_base_url=runtime.settings.public_base_url,
            upstox_root=runtime.settings.upstox_root,
            kite_login_url=runtime.settings.kite_login_url,
            states=login_states(runtime.settings.secret),
            clock=runtime.clock,
        ),
        alerts=Decisions(Placer(runtime.orders, runtime.quotes), runtime.clock),
        assistant=ConfirmationDesk(runtime.orders, runtime.account_views, runtime.clock),
    )
    return TelegramBot(api, commands, poll_timeout=runtime.settings.telegram_poll_timeout_secs)


async def run_bot(runtime: Runtime, *, retry_s: float = 5.0) -> None:
    """Run the bot in the one process holding its lease (two pollers would fight)."""
    lease = LeaderLease(runtime.db.jobs, name="tradertape:telegram")
    while not lease.try_acquire():  # noqa: ASYNC110 - another process runs the bot
        await asyncio.sleep(retry_s)
    bot = telegram_bot(runtime)
    try:
        await bot.run(bus=runtime.bus)  # told order events wake its delivery
    finally:
        await bot.api.aclose()
        lease.release()
