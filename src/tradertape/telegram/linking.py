"""The chat's side of linking: the bot sends each pending request's chat a one-time code to
enter on the web (Settings → Telegram), and the chat may unlink itself (``/unlink``).

The chat cannot confirm a link: whoever holds it could then accept a request made by
someone who pasted the wrong chat id. The code is made when the message is sent and only
its digest is stored, so no plain code is ever at rest (`services.notifications.chats`).
"""

from __future__ import annotations

from tradertape.db.engine import Database
from tradertape.db.models import TelegramLinkRequest, User
from tradertape.ports.clock import IST, Clock
from tradertape.services.notifications import chats as telegram_links
from tradertape.services.notifications.chats import REQUEST_TTL, masked_email
from tradertape.telegram.outgoing import Outgoing, send

MINUTES = int(REQUEST_TTL.total_seconds() // 60)  # how long a code lasts
ASK = (
    "🔗 The TraderTape account {email} asked to link this chat. Once linked, this chat gets "
    "that account's notifications and its commands act on that account.\n\n"
    "If that was you, enter this code in TraderTape → Settings → Telegram within {minutes} "
    "minutes (by {until}):\n\nCode: {code}\n\n"
    "If not, ignore this message and share the code with no one: nothing is linked without it."
)
HOW_TO_LINK = (
    "Your chat id is {chat_id}. To link this chat, paste it in TraderTape → Settings → "
    "Telegram → Link; I then send this chat a code, which you enter there, on the web, "
    "within {minutes} minutes (codes are not typed here)."
)


def how_to_link(chat_id: int) -> str:
    """The answer to ``/start`` and ``/link``: linking is finished on the web, not here."""
    return HOW_TO_LINK.format(chat_id=chat_id, minutes=MINUTES)


class ChatLinking:
    """Announces link requests in their chats, and unlinks a chat on its request."""

    def __init__(self, *, db: Database, clock: Clock, secret: str) -> None:
        self._db = db
        self._clock = clock
        self._secret = secret

    def _ask(self, row: TelegramLinkRequest, email: str, code: str) -> Outgoing:
        until = f"{row.expires_at.astimezone(IST):%H:%M} IST"
        text = ASK.format(email=masked_email(email), code=code, until=until, minutes=MINUTES)
        return send(row.chat_id, text)

    def due(self) -> list[tuple[int, Outgoing]]:
        """The requests to announce, each with a fresh code (its digest committed first)."""
        with self._db.session() as db:
            rows = telegram_links.to_announce(db, now=self._clock.now())
            due = []
            for row in rows:
                user = db.get(User, row.user_id)
                if user is None:
                    continue
                code = telegram_links.issue_code(row, secret=self._secret)
                due.append((row.id, self._ask(row, user.email, code)))
            db.commit()
            return due

    def sent(self, request_id: int, *, error: str | None) -> None:
        """Record a send of a request's code (a refused one is retried a few times)."""
        with self._db.session() as db:
            telegram_links.announced(db, request_id, now=self._clock.now(), error=error)

    def unlink(self, chat_id: int) -> str:
        """Unlink the chat from its account (the chat's owner may always do this)."""
        with self._db.session() as db:
            user_id = telegram_links.unlink_chat(db, chat_id=chat_id)
        if user_id is None:
            return "This chat is not linked to a TraderTape account."
        return "This chat is unlinked: no more notifications, and commands no longer work here."
