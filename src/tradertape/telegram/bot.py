"""The bot's loops: long polling for updates, and delivery of link codes and the notification
outbox.

Each loop is a step (`TelegramBot.poll_once`, `TelegramBot.deliver_once`) repeated by
`TelegramBot.run`; the database work runs in a thread so the event loop keeps serving.

Delivery runs every few seconds, and at once when the bus says an order event was told:
the OMS publishes its events once their transaction commits (``orders.<user>``,
``gtt.<user>``), and the notice of a fill, a broker's refusal or a fired GTT
(`notifications.orders`) was written in that transaction, so it is in the outbox by then.
The bus delivers at most once; a wake it loses costs only the wait for the next pass, and
every other kind of notice (a scan, a risk breach, the briefing) keeps that pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from tradertape.oms import from_message
from tradertape.ports.bus import EventBus, Subscription
from tradertape.services.notifications.orders import worth_telling
from tradertape.telegram.api import BotApi, TelegramError
from tradertape.telegram.commands import Commands
from tradertape.telegram.outgoing import Outgoing

log = logging.getLogger("tradertape.telegram")
RETRY_SECS = 5.0
#: The bus topics of the OMS's events (`oms.events.topic_of`), whose told ones wake delivery.
EVENT_TOPICS = ("orders.*", "gtt.*")


def told(message: dict[str, Any]) -> bool:
    """Whether a bus message is an OMS event that `notifications.orders` tells of."""
    try:
        return worth_telling(from_message(message))
    except (ValueError, KeyError, TypeError):  # another publisher's message on the topic
        return False


class TelegramBot:
    """One bot: the Bot API client and what it answers."""

    def __init__(self, api: BotApi, commands: Commands, *, poll_timeout: int = 30) -> None:
        self.api = api
        self.commands = commands
        self.poll_timeout = poll_timeout
        self.offset: int | None = None  # the next update to fetch (confirms earlier ones)
        self.woken = asyncio.Event()  # a told event was published: deliver now

    async def _call(self, out: Outgoing) -> Any:
        return await self.api.call(out.method, out.payload)

    async def poll_once(self) -> int:
        """Fetch the waiting updates (long polling) and answer each; returns how many."""
        payload: dict[str, Any] = {
            "timeout": self.poll_timeout,
            "allowed_updates": ["message", "callback_query"],
        }
        if self.offset is not None:
            payload["offset"] = self.offset
        updates = await self.api.call("getUpdates", payload, http_timeout_s=self.poll_timeout + 10)
        for update in updates or []:
            self.offset = int(update["update_id"]) + 1
            try:
                replies = await asyncio.to_thread(self.commands.handle, update)
                for out in replies:
                    await self._call(out)
            except Exception:  # noqa: BLE001 - one bad update must not stop the bot
                log.exception("[telegram] update %s failed", update.get("update_id"))
        return len(updates or [])

    async def deliver_once(self) -> int:
        """Send the link requests' codes, then the due notifications; each is marked sent
        once Telegram took it (a refusal is recorded and retried a few times)."""
        sent = await self._deliver(self.commands.linking.due, self.commands.linking.sent)
        return sent + await self._deliver(self.commands.due, self.commands.delivered)

    async def _deliver(
        self,
        due: Callable[[], list[tuple[int, Outgoing]]],
        record: Callable[..., None],
    ) -> int:
        sent = 0
        for ref, out in await asyncio.to_thread(due):
            try:
                await self._call(out)
            except TelegramError as exc:
                log.warning("[telegram] message %s not delivered: %s", ref, exc)
                await asyncio.to_thread(record, ref, error=str(exc))
                continue
            await asyncio.to_thread(record, ref, error=None)
            sent += 1
        return sent

    async def wake_on(self, subscription: Subscription) -> None:
        """Wake delivery for each told OMS event `subscription` brings (`EVENT_TOPICS`)."""
        async for _topic, message in subscription:
            if told(message):
                self.woken.set()

    async def run(self, *, deliver_every: float = 5.0, bus: EventBus | None = None) -> None:
        """Poll and deliver until cancelled; with `bus`, deliver a told order event's notice
        as soon as it is published, too."""
        while True:
            try:
                me = await self.api.call("getMe", {})
                break
            except TelegramError as exc:  # a wrong token or no network: say so, keep trying
                log.warning("[telegram] cannot start: %s", exc)
                await asyncio.sleep(RETRY_SECS)
        log.info("[telegram] Bot started: @%s", (me or {}).get("username"))
        loops = [self._poll_forever(), self._deliver_forever(deliver_every)]
        if bus is not None:
            loops.append(self.wake_on(await bus.subscribe(*EVENT_TOPICS)))
        await asyncio.gather(*loops)

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.poll_once()
            except TelegramError as exc:
                log.warning("[telegram] polling failed: %s", exc)
                await asyncio.sleep(RETRY_SECS)

    async def _deliver_forever(self, every: float) -> None:
        while True:
            try:
                await self.deliver_once()
            except Exception:  # noqa: BLE001 - keep delivering after a database hiccup
                log.exception("[telegram] delivery pass failed")
            with contextlib.suppress(TimeoutError):  # the pass's pace, or a told event
                await asyncio.wait_for(self.woken.wait(), timeout=every)
            self.woken.clear()
