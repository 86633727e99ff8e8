"""Mail transport port: SMTP when configured, else the server log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from tradertape.settings import SmtpSettings

log = logging.getLogger("tradertape.mail")


class MailTransport(Protocol):
    """Delivers one plain-text message or raises."""

    name: str

    def send(self, *, to: str, subject: str, body: str) -> None:
        """Deliver the message."""
        ...


class LogTransport:
    """Prints mail to the server log: the embedded default for laptops and tests."""

    name = "log"

    def send(self, *, to: str, subject: str, body: str) -> None:
        """Write the whole message to the log."""
        log.warning("mail (no SMTP configured) to=%s subject=%s\n%s", to, subject, body)


class SmtpTransport:
    """Sends through an SMTP relay (STARTTLS by default)."""

    name = "smtp"

    def __init__(self, config: SmtpSettings) -> None:
        if not config.host:
            raise ValueError("SmtpTransport needs TRADERTAPE_SMTP_HOST")
        self._config = config

    def send(self, *, to: str, subject: str, body: str) -> None:
        """Deliver via SMTP."""
        message = EmailMessage()
        message["From"] = self._config.from_address
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        host = self._config.host
        assert host is not None
        with smtplib.SMTP(host, self._config.port, timeout=self._config.timeout_s) as smtp:
            if self._config.starttls:
                smtp.starttls()
            if self._config.username and self._config.password:
                smtp.login(self._config.username, self._config.password.get_secret_value())
            smtp.send_message(message)


def transport_for(config: SmtpSettings) -> MailTransport:
    """SMTP when a host is configured, otherwise the log."""
    return SmtpTransport(config) if config.host else LogTransport()
