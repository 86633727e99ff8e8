"""The Bot API calls the bot makes, as values (`Outgoing`), and the inline keyboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tradertape.db.models import ModelSignal
from tradertape.domain.signals import SignalStatus

Keyboard = list[list[dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call to make."""

    method: str
    payload: dict[str, Any] = field(default_factory=dict)


def send(chat_id: int, text: str, markup: Keyboard | None = None) -> Outgoing:
    """A ``sendMessage`` (plain text, with an inline keyboard when given)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text[:4096]}
    if markup:
        payload["reply_markup"] = {"inline_keyboard": markup}
    return Outgoing("sendMessage", payload)


def answer(query_id: str, text: str) -> Outgoing:
    """An ``answerCallbackQuery`` (the toast a button press shows)."""
    return Outgoing("answerCallbackQuery", {"callback_query_id": query_id, "text": text[:200]})


def keyboard(rows: list[ModelSignal]) -> Keyboard:
    """Approve / reject per pending signal, and a place-the-cart button per portfolio."""
    buttons: Keyboard = []
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
