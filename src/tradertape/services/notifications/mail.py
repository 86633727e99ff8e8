"""The mail outbox: every message is stored (encrypted) before it is sent.

When SMTP is not configured the transport is the log, which is how a laptop user
reads their login code; the CLI (`tradertape outbox`) decrypts the stored copies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import OutboxMessage
from tradertape.ports.clock import Clock
from tradertape.ports.mailer import MailTransport
from tradertape.security.vault import Vault

log = logging.getLogger("tradertape.mail")


@dataclass(frozen=True, slots=True)
class Mail:
    """A decrypted outbox message."""

    id: int
    to: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None
    transport: str


class Outbox:
    """Stores, sends and reads back outgoing mail."""

    def __init__(self, *, vault: Vault, transport: MailTransport, clock: Clock) -> None:
        self._vault = vault
        self._transport = transport
        self._clock = clock

    def send(self, session: Session, *, to: str, subject: str, body: str) -> OutboxMessage:
        """Store the message, try to deliver it, and record the outcome (commits)."""
        message = OutboxMessage(
            to_address=to,
            subject=subject,
            body_enc=self._vault.encrypt(body),
            created_at=self._clock.now(),
            transport=self._transport.name,
        )
        session.add(message)
        session.commit()
        try:
            self._transport.send(to=to, subject=subject, body=body)
        except Exception as exc:  # noqa: BLE001 - a mail failure must not fail the login request
            log.exception("mail delivery failed (outbox id %s)", message.id)
            message.error = type(exc).__name__
        else:
            message.sent_at = self._clock.now()
        session.commit()
        return message

    def read(self, session: Session, *, to: str | None = None, limit: int = 20) -> list[Mail]:
        """Newest messages first, decrypted."""
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if to is not None:
            query = query.where(OutboxMessage.to_address == to)
        return [
            Mail(
                id=m.id,
                to=m.to_address,
                subject=m.subject,
                body=self._vault.decrypt(m.body_enc),
                created_at=m.created_at,
                sent_at=m.sent_at,
                transport=m.transport,
            )
            for m in session.scalars(query)
        ]
