"""What the bot says: commands and button presses, each scoped to the user owning the chat,
and the outgoing notifications of linked users. Synchronous and HTTP-free: every method
returns the Bot API calls to make (`Outgoing`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import ModelPortfolio, ModelSignal, Notification, TelegramLink
from tradertape.domain.signals import ACTIONABLE, SignalEvent
from tradertape.errors import Conflict, TraderTapeError
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.assistant import confirmations
from tradertape.services.assistant.confirmations import ConfirmationDesk
from tradertape.services.brokers.login import BrokerLogins, session_note
from tradertape.services.notifications import briefing
from tradertape.services.notifications import chats as telegram_links
from tradertape.services.notifications.events import Kind, signal_line
from tradertape.services.notifications.reports import LIST_LIMIT, Reports
from tradertape.services.portfolios import signals
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.telegram.linking import ChatLinking, how_to_link
from tradertape.telegram.outgoing import (
    Keyboard,
    Outgoing,
    answer,
    keyboard,
    send,
)

MAX_ATTEMPTS = 5  # a notification Telegram refused this often is given up on
NOT_LINKED = "This chat is not linked to a TraderTape account. "
HELP = "Commands: /status /positions /pending /summary /danger /briefing [on|off] /login /unlink"
ACTIONS = {"a": SignalEvent.APPROVE, "r": SignalEvent.REJECT}
ALERT_BUTTONS = ("y", "n")  # approve / dismiss an alert's held order (`services.alerts`)
# confirm / refuse an assistant's live order (`services.assistant.confirmations`)
ASSISTANT_BUTTONS = ("ac", "ad")


class AlertDecisions(Protocol):
    """What the bot's Approve / Dismiss buttons of an alert's held order call."""

    def decide(self, db: Session, fire_id: int, *, approve: bool, user_id: int) -> str:
        """Place or drop the held order (409 once decided or expired); a line saying so."""
        ...


def alert_keyboard(fire_id: int) -> Keyboard:
    """Approve / Dismiss for an alert's held order."""
    return [
        [
            {"text": "✅ Approve", "callback_data": f"y:{fire_id}"},
            {"text": "❌ Dismiss", "callback_data": f"n:{fire_id}"},
        ]
    ]


def assistant_keyboard(confirmation_id: int) -> Keyboard:
    """Confirm / Refuse for an assistant's live order."""
    return [
        [
            {"text": "✅ Confirm and place", "callback_data": f"ac:{confirmation_id}"},
            {"text": "❌ Refuse", "callback_data": f"ad:{confirmation_id}"},
        ]
    ]


Handler = Callable[[Session, int, int, list[str]], Outgoing]


class Commands:
    """The bot's behaviour over the database."""

    def __init__(
        self,
        *,
        db: Database,
        reports: Reports,
        trading: PortfolioTrading,
        linking: ChatLinking,
        logins: BrokerLogins,
        clock: Clock,
        alerts: AlertDecisions | None = None,
        assistant: ConfirmationDesk | None = None,
    ) -> None:
        self._db = db
        self._alerts = alerts
        self._assistant = assistant  # the web app's confirmation, from a chat
        self._reports = reports
        self._trading = trading
        # Real time: a delivery, a briefing choice, a login's expiry (docs: "Clocks"); a
        # signal approved from a chat moves on the market's, as the web's approval does.
        self._clock = clock
        self.linking = linking
        self._logins = logins
        self._handlers: dict[str, Handler] = {
            "status": self.status,
            "positions": self.positions,
            "pending": self.pending,
            "summary": self.summary,
            "danger": self.danger,
            "briefing": self.briefing,
            "login": self.login,
        }

    # -- updates ---------------------------------------------------------------------------

    def handle(self, update: dict[str, Any]) -> list[Outgoing]:
        """The calls answering one update (a command or a button press)."""
        if "callback_query" in update:
            return self._callback(update["callback_query"])
        message = update.get("message") or {}
        chat_id = (message.get("chat") or {}).get("id")
        text = str(message.get("text") or "")
        if not isinstance(chat_id, int) or not text.startswith("/"):
            return []
        command, *args = text.split()
        command = command.split("@")[0][1:].lower()
        if command in ("start", "link"):  # linking is finished on the web, never here
            return [send(chat_id, how_to_link(chat_id))]
        if command == "unlink":
            return [send(chat_id, self.linking.unlink(chat_id))]
        handler = self._handlers.get(command)
        if handler is None:
            return [send(chat_id, HELP)]
        with self._db.session() as db:
            user_id = telegram_links.user_of_chat(db, chat_id)
            if user_id is None:
                return [send(chat_id, NOT_LINKED + how_to_link(chat_id))]
            return [handler(db, user_id, chat_id, [a.lower() for a in args])]

    def _callback(self, query: dict[str, Any]) -> list[Outgoing]:
        query_id = str(query.get("id", ""))
        chat_id = ((query.get("message") or {}).get("chat") or {}).get("id")
        kind, _, ref = str(query.get("data") or "").partition(":")
        if not isinstance(chat_id, int) or not ref.isdecimal():
            return [answer(query_id, "Unknown button.")]
        with self._db.session() as db:
            user_id = telegram_links.user_of_chat(db, chat_id)
            if user_id is None:
                return [answer(query_id, "This chat is not linked to an account.")]
            try:
                if kind == "c":
                    return self._place_cart(db, user_id, int(ref), query_id, chat_id)
                if kind in ASSISTANT_BUTTONS and self._assistant is not None:
                    return [answer(query_id, self._decide(db, user_id, int(ref), kind == "ac"))]
                if kind in ALERT_BUTTONS and self._alerts is not None:
                    said = self._alerts.decide(db, int(ref), approve=kind == "y", user_id=user_id)
                    return [answer(query_id, said)]
                event = ACTIONS.get(kind)
                if event is None:
                    return [answer(query_id, "Unknown button.")]
                signal = signals.transition(
                    db, int(ref), event, user_id=user_id, clock=self._trading.clock
                )
            except Conflict as exc:
                db.rollback()
                return [answer(query_id, f"Nothing to do: {exc.detail}")]
            except TraderTapeError as exc:  # 404: not this user's, or gone
                db.rollback()
                return [answer(query_id, f"Sorry, that is not possible: {exc.detail}")]
            status = signal.status.replace("_", " ")
            return [answer(query_id, f"{signal.symbol}: {status}")]

    def _decide(self, db: Session, user_id: int, confirmation_id: int, confirm: bool) -> str:
        """An assistant's live order confirmed (placed once, through the web app's path) or
        refused; refused at the gate (403, 409, 429), it stays pending (the caller says so)."""
        assert self._assistant is not None
        if confirm:
            row = self._assistant.confirm(
                db, user_id=user_id, row_id=confirmation_id, via=confirmations.TELEGRAM
            )
            return f"Placed: {row.order_id} ({row.message})"
        self._assistant.decline(
            db, user_id=user_id, row_id=confirmation_id, via=confirmations.TELEGRAM
        )
        return "Refused: nothing was placed, and the assistant is told so."

    def _place_cart(
        self, db: Session, user_id: int, portfolio_id: int, query_id: str, chat_id: int
    ) -> list[Outgoing]:
        get_owned(db, ModelPortfolio, portfolio_id, user_id=user_id, label="portfolio")
        result = signals.place_cart(
            db, user_id=user_id, portfolio_id=portfolio_id, trading=self._trading
        )
        if not result.placed and not result.failed:
            return [answer(query_id, "The cart is empty.")]
        lines = [f"🛒 placed {len(result.placed)}, failed {len(result.failed)}"]
        lines += [f"signal {sid}: {error}" for sid, error in result.failed.items()]
        return [answer(query_id, lines[0]), send(chat_id, "\n".join(lines))]

    # -- commands --------------------------------------------------------------------------

    def status(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/status``: each active portfolio's capital, P&L, positions and pending signals."""
        return send(chat_id, "\n".join(self._reports.status_lines(db, user_id)))

    def positions(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/positions``: open positions with their unrealised P&L."""
        return send(chat_id, "\n".join(self._reports.position_lines(db, user_id)))

    def pending(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/pending``: signals waiting for approval or in the cart, with buttons."""
        rows = signals.listing(
            db, user_id=user_id, portfolio_id=None, status=None, limit=500, offset=0
        )
        rows = [s for s in rows if s.status in ACTIONABLE][:LIST_LIMIT]
        if not rows:
            return send(chat_id, "No pending signals.")
        lines = [f"{signal_line(s)} [{s.status}]" for s in rows]
        return send(chat_id, "\n".join(lines), keyboard(rows))

    def summary(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/summary``: each portfolio's last day change and realised P&L."""
        return send(chat_id, "\n".join(self._reports.summary_lines(db, user_id)))

    def danger(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/danger``: positions near their stops, drift and the last day's risk breaches."""
        lines = self._reports.danger_lines(db, user_id)
        return send(chat_id, "\n".join(lines) or "Nothing to worry about.")

    def briefing(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/briefing``: the morning briefing on demand; ``on``/``off``: the daily one."""
        if args[:1] in (["on"], ["off"]):
            on = args[0] == "on"
            choice = briefing.update(db, user_id=user_id, clock=self._clock, enabled=on)
            return send(chat_id, briefing.describe(choice))
        if args:
            return send(chat_id, "Use /briefing, /briefing on or /briefing off.")
        text = self._reports.briefing(db, user_id)
        daily = briefing.describe(briefing.settings_of(db, user_id=user_id))
        return send(chat_id, f"{text}\n\n{daily}")

    def login(self, db: Session, user_id: int, chat_id: int, args: list[str]) -> Outgoing:
        """``/login``: a login link per broker with stored credentials, and token state."""
        logins = self._logins.for_user(db, user_id=user_id)
        if not logins:
            return send(chat_id, "No broker credentials stored: add them in Settings → Brokers.")
        now, lines, buttons = self._clock.now(), ["🔑 Broker logins"], []
        for item in logins:
            name = item.broker.value.capitalize()
            note = session_note(item.status, now=now)
            lines.append(f"{name}: {note} — {item.url or item.how}")
            if item.url:
                buttons.append([{"text": f"Log in to {name}", "url": item.url}])
        return send(chat_id, "\n".join(lines), buttons)

    # -- delivery --------------------------------------------------------------------------

    def due(self, limit: int = 50) -> list[tuple[int, Outgoing]]:
        """Undelivered notifications of linked users (since they linked), as messages;
        a ``signals_ready`` one carries the buttons of its still-pending signals."""
        with self._db.session() as db:
            rows = db.execute(
                select(Notification, TelegramLink.chat_id)
                .join(TelegramLink, TelegramLink.user_id == Notification.user_id)
                .where(
                    Notification.delivered_at.is_(None),
                    Notification.created_at >= TelegramLink.linked_at,
                    Notification.attempts < MAX_ATTEMPTS,
                )
                .order_by(Notification.id)
                .limit(limit)
            ).all()
            due = []
            for row, chat_id in rows:
                markup: Keyboard | None = None
                if row.kind == Kind.SIGNALS_READY.value:
                    ids = list(row.payload.get("signal_ids", []))
                    pending = db.scalars(
                        select(ModelSignal)
                        .where(ModelSignal.id.in_(ids), ModelSignal.status.in_(ACTIONABLE))
                        .order_by(ModelSignal.id)
                    ).all()
                    markup = keyboard(list(pending))
                elif row.kind == Kind.ALERT.value and row.payload.get("order_status") == "awaiting":
                    markup = alert_keyboard(int(row.payload["fire_id"]))
                elif row.kind == Kind.ASSISTANT_ORDER.value:
                    asked = int(row.payload["confirmation_id"])
                    if confirmations.is_pending(db, asked):  # decided on the web: no buttons
                        markup = assistant_keyboard(asked)
                due.append((row.id, send(chat_id, row.text, markup)))
            return due

    def delivered(self, notification_id: int, *, error: str | None) -> None:
        """Record one delivery attempt: delivered, or the error (retried a few times)."""
        with self._db.session() as db:
            row = db.get(Notification, notification_id)
            if row is None:
                return
            row.attempts += 1
            if error is None:
                row.delivered_at = self._clock.now()
            else:
                row.error = error[:400]
            db.commit()
