"""The Telegram bot, a delivery beside `api/` and `cli/`: plain httpx against the Bot API
(long polling ``getUpdates``, ``sendMessage`` with inline keyboards,
``answerCallbackQuery``).

`commands.Commands` turns one update into the calls to make (synchronous, database work
only); `bot.TelegramBot` does the HTTP, one step at a time (`poll_once`, `deliver_once`),
so tests drive it against a fake API without sleeps; `run` wires it from a `Runtime` and
polls in the one process holding its lease.

The services know nothing of it: they write the notification outbox
(`services.notifications.events`) and keep the linked chats and the briefing's choices
(`services.notifications.chats`, `briefing`); the bot delivers the outbox to linked chats
and calls the same services for its commands and buttons (`test_layers`).
"""
