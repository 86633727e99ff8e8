"""The Telegram bot: plain httpx against the Bot API (long polling ``getUpdates``,
``sendMessage`` with inline keyboards, ``answerCallbackQuery``).

`commands.Commands` turns one update into the calls to make (synchronous, database work
only); `bot.TelegramBot` does the HTTP, one step at a time (`poll_once`, `deliver_once`),
so tests drive it against a fake API without sleeps.
"""
