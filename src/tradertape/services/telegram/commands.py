"""What the bot says: commands and button presses, each scoped to the user owning the chat,
and the outgoing notifications of linked users. Synchronous and HTTP-free: every method
returns the Bot API calls to make (`Outgoing`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.candles.populate import last_completed_session
from tradertape.db.engine import Database
from tradertape.db.models import (
    ModelPortfolio,
    ModelPosition,
    ModelSignal,
    Notification,
    RiskEvent,
    TelegramLink,
)
from tradertape.domain.signals import ACTIONABLE, SignalEvent, SignalStatus
from tradertape.errors import Conflict, TraderTapeError
from tradertape.oms.quotes import QuoteBook
from tradertape.services import telegram_links
from tradertape.services.notifications import Kind, signal_line
from tradertape.services.ownership import get_owned, owned
from tradertape.services.portfolios import signals
from tradertape.services.portfolios.dashboard import value_positions
from tradertape.services.portfolios.reconcile import drift
from tradertape.services.portfolios.signals import Venue

MAX_ATTEMPTS = 5  # a notification Telegram refused this often is given up on
NEAR_STOP = Decimal("0.03")  # /danger: a position within 3 % of its stop
LIST_LIMIT = 20
NOT_LINKED = (
    "This chat is not linked to a TraderTape account. Your chat id is {chat_id}: "
    "paste it in Settings → Telegram → Link."
)
HELP = "Commands: /status /positions /pending /summary /danger /briefing"
ACTIONS = {"a": SignalEvent.APPROVE, "r": SignalEvent.REJECT}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call to make."""

    method: str
    payload: dict[str, Any] = field(default_factory=dict)


def send(chat_id: int, text: str, markup: list[list[dict[str, str]]] | None = None) -> Outgoing:
    """A ``sendMessage`` (plain text, with an inline keyboard when given)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text[:4096]}
    if markup:
        payload["reply_markup"] = {"inline_keyboard": markup}
    return Outgoing("sendMessage", payload)


def answer(query_id: str, text: str) -> Outgoing:
    """An ``answerCallbackQuery`` (the toast a button press shows)."""
    return Outgoing("answerCallbackQuery", {"callback_query_id": query_id, "text": text[:200]})


def keyboard(rows: list[ModelSignal]) -> list[list[dict[str, str]]]:
    """Approve / reject per pending signal, and a place-the-cart button per portfolio."""
    buttons: list[list[dict[str, str]]] = []
    portfolios: list[int] = []
    for s in rows:
        if s.status == SignalStatus.PENDING_APPROVAL.value:
            buttons.append(
                [
                    {"text": f"✅ {s.symbol}", "callback_data": f"a:{s.id}"},
                    {"text": "❌ reject", "callback_data": f"r:{s.id}"},
                ]
            )
        if s.portfolio_id not in portfolios:
            portfolios.append(s.portfolio_id)
    for pid in portfolios:
        buttons.append([{"text": f"🛒 place cart (portfolio {pid})", "callback_data": f"c:{pid}"}])
    return buttons


class Commands:
    """The bot's behaviour over the database."""

    def __init__(
        self, *, db: Database, store: CandleStore, quotes: QuoteBook, venue: Venue
    ) -> None:
        self._db = db
        self._store = store
        self._quotes = quotes
        self._venue = venue
        self._clock = venue.clock

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
        command = text.split()[0].split("@")[0][1:].lower()
        if command == "start":
            return [send(chat_id, f"Your chat id is {chat_id}. " + NOT_LINKED.split(": ")[1])]
        handler = {
            "status": self.status,
            "positions": self.positions,
            "pending": self.pending,
            "summary": self.summary,
            "danger": self.danger,
            "briefing": self.briefing,
        }.get(command)
        if handler is None:
            return [send(chat_id, HELP)]
        with self._db.session() as db:
            user_id = telegram_links.user_of_chat(db, chat_id)
            if user_id is None:
                return [send(chat_id, NOT_LINKED.format(chat_id=chat_id))]
            return [handler(db, user_id, chat_id)]

    def _callback(self, query: dict[str, Any]) -> list[Outgoing]:
        query_id = str(query.get("id", ""))
        chat_id = ((query.get("message") or {}).get("chat") or {}).get("id")
        kind, _, ref = str(query.get("data") or "").partition(":")
        if not isinstance(chat_id, int) or not ref.isdigit():
            return [answer(query_id, "Unknown button.")]
        with self._db.session() as db:
            user_id = telegram_links.user_of_chat(db, chat_id)
            if user_id is None:
                return [answer(query_id, "This chat is not linked to an account.")]
            try:
                if kind == "c":
                    return self._place_cart(db, user_id, int(ref), query_id, chat_id)
                event = ACTIONS.get(kind)
                if event is None:
                    return [answer(query_id, "Unknown button.")]
                signal = signals.transition(db, int(ref), event, user_id=user_id, clock=self._clock)
            except Conflict as exc:
                db.rollback()
                return [answer(query_id, f"Nothing to do: {exc.detail}")]
            except TraderTapeError as exc:  # 403/404: not this user's, or gone
                db.rollback()
                return [answer(query_id, f"Sorry, that is not possible: {exc.detail}")]
            status = signal.status.replace("_", " ")
            return [answer(query_id, f"{signal.symbol}: {status}")]

    def _place_cart(
        self, db: Session, user_id: int, portfolio_id: int, query_id: str, chat_id: int
    ) -> list[Outgoing]:
        get_owned(db, ModelPortfolio, portfolio_id, user_id=user_id, label="portfolio")
        result = signals.place_cart(
            db, user_id=user_id, portfolio_id=portfolio_id, venue=self._venue
        )
        if not result.placed and not result.failed:
            return [answer(query_id, "The cart is empty.")]
        lines = [f"🛒 placed {len(result.placed)}, failed {len(result.failed)}"]
        lines += [f"signal {sid}: {error}" for sid, error in result.failed.items()]
        return [answer(query_id, lines[0]), send(chat_id, "\n".join(lines))]

    # -- commands --------------------------------------------------------------------------

    def _today(self) -> date:
        return last_completed_session(self._store.calendar, self._clock.now())

    @staticmethod
    def _portfolios(db: Session, user_id: int) -> list[ModelPortfolio]:
        query = owned(ModelPortfolio, user_id=user_id).where(ModelPortfolio.status == "active")
        return list(db.scalars(query.order_by(ModelPortfolio.id)))

    @staticmethod
    def _open(db: Session, user_id: int) -> list[ModelPosition]:
        query = owned(ModelPosition, user_id=user_id).where(ModelPosition.status != "closed")
        return list(db.scalars(query.order_by(ModelPosition.id)))

    def status(self, db: Session, user_id: int, chat_id: int) -> Outgoing:
        """``/status``: each active portfolio's capital, P&L, positions and pending signals."""
        return send(chat_id, "\n".join(self._status_lines(db, user_id)))

    def _status_lines(self, db: Session, user_id: int) -> list[str]:
        lines = []
        for p in self._portfolios(db, user_id):
            total = p.current_capital + p.deployed_capital + p.committed_capital
            positions = db.scalar(
                select(ModelPosition.id).where(
                    ModelPosition.portfolio_id == p.id, ModelPosition.status != "closed"
                )
            )
            count = len(
                db.scalars(
                    select(ModelSignal.id).where(
                        ModelSignal.portfolio_id == p.id, ModelSignal.status.in_(ACTIONABLE)
                    )
                ).all()
            )
            held = "positions open" if positions is not None else "no open positions"
            lines.append(
                f"{p.name}: capital ₹{total:,.2f}, realised P&L ₹{p.realised_pnl:,.2f}, "
                f"{held}, {count} signals pending"
            )
        return lines or ["No active portfolios."]

    def positions(self, db: Session, user_id: int, chat_id: int) -> Outgoing:
        """``/positions``: open positions with their unrealised P&L."""
        valued = value_positions(self._open(db, user_id), self._store, self._quotes, self._today())
        lines = []
        for v in valued[:LIST_LIMIT]:
            p = v.position
            pnl = "—" if v.unrealised is None else f"₹{v.unrealised:,.2f}"
            lines.append(f"{p.symbol}: {p.quantity} @ {p.entry_price}, now {v.last_price}, {pnl}")
        return send(chat_id, "\n".join(lines) or "No open positions.")

    def pending(self, db: Session, user_id: int, chat_id: int) -> Outgoing:
        """``/pending``: signals waiting for approval or in the cart, with buttons."""
        rows = signals.listing(
            db, user_id=user_id, portfolio_id=None, status=None, limit=500, offset=0
        )
        rows = [s for s in rows if s.status in ACTIONABLE][:LIST_LIMIT]
        if not rows:
            return send(chat_id, "No pending signals.")
        lines = [f"{signal_line(s)} [{s.status}]" for s in rows]
        return send(chat_id, "\n".join(lines), keyboard(rows))

    def summary(self, db: Session, user_id: int, chat_id: int) -> Outgoing:
        """``/summary``: each portfolio's last day change and realised P&L."""
        lines = []
        for p in self._portfolios(db, user_id):
            curve = p.equity_curve[-2:]
            change = curve[-1]["equity"] - curve[0]["equity"] if len(curve) == 2 else 0.0
            lines.append(
                f"{p.name}: day {change:+,.2f}, realised ₹{p.realised_pnl:,.2f}, "
                f"charges ₹{p.charges_paid:,.2f}"
            )
        return send(chat_id, "\n".join(lines) or "No active portfolios.")

    def danger(self, db: Session, user_id: int, chat_id: int) -> Outgoing:
        """``/danger``: positions near their stops, drift and the last day's risk breaches."""
        return send(
            chat_id, "\n".join(self._danger_lines(db, user_id)) or "Nothing to worry about."
        )

    def _danger_lines(self, db: Session, user_id: int) -> list[str]:
        lines = []
        valued = value_positions(self._open(db, user_id), self._store, self._quotes, self._today())
        for v in valued:
            stop, price = v.position.stop_price, v.last_price
            if stop is not None and price is not None and price <= stop * (1 + NEAR_STOP):
                lines.append(f"near stop: {v.position.symbol} at {price}, stop {stop}")
        for p in self._portfolios(db, user_id):
            missing = drift(db, p)
            if missing:
                lines.append(f"drift in {p.name}: {', '.join(missing)}")
        since = self._clock.now() - timedelta(days=1)
        events = db.scalars(
            owned(RiskEvent, user_id=user_id)
            .where(RiskEvent.at >= since)
            .order_by(RiskEvent.id.desc())
            .limit(LIST_LIMIT)
        )
        lines += [f"risk {e.rule_type} ({e.action}): {e.message}" for e in events]
        return lines

    def briefing(self, db: Session, user_id: int, chat_id: int) -> Outgoing:
        """``/briefing``: the morning briefing (status and warnings) on demand."""
        danger = self._danger_lines(db, user_id) or ["No warnings."]
        text = "\n".join(["☀️ Briefing", *self._status_lines(db, user_id), "", *danger])
        return send(chat_id, text)

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
                markup = None
                if row.kind == Kind.SIGNALS_READY.value:
                    ids = list(row.payload.get("signal_ids", []))
                    pending = db.scalars(
                        select(ModelSignal)
                        .where(ModelSignal.id.in_(ids), ModelSignal.status.in_(ACTIONABLE))
                        .order_by(ModelSignal.id)
                    ).all()
                    markup = keyboard(list(pending))
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
