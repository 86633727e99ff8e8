"""The notifications context: mail, and what the OMS's events tell the user.

The Telegram bot that delivers the outbox to linked chats is a delivery beside `api/` and
`cli/` (`tradertape.telegram`), started by the background jobs, not built here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradertape.ports.clock import Clock
from tradertape.ports.mailer import MailTransport, transport_for
from tradertape.security.vault import Vault
from tradertape.services.notifications.mail import Outbox
from tradertape.services.notifications.orders import OrderNotices
from tradertape.settings import Settings


@dataclass(frozen=True, slots=True)
class Notifications:
    """The outbox's senders and the order events' notices."""

    outbox: Outbox  # sign-in codes and other mail
    order_notices: OrderNotices  # fills, broker refusals, GTTs fired: the bell, Telegram


def build_notifications(
    settings: Settings, *, clock: Clock, vault: Vault, transport: MailTransport | None
) -> Notifications:
    """Mail through `transport` (the configured SMTP by default)."""
    outbox = Outbox(vault=vault, transport=transport or transport_for(settings.smtp), clock=clock)
    return Notifications(outbox=outbox, order_notices=OrderNotices())
