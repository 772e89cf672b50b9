"""Senders for the on-call channel outside the app (issue 10, item 4).

A sender delivers one short, content-free message to one address. E-mail over SMTP is the
first implementation; an organisation adds an SMS gateway (or anything else) by writing
another class with the same ``send`` (docs/operations.md, "Notifications outside the
app"). Whatever the channel, the message says only that something is waiting in Senim.

Errors are reduced to :class:`DeliveryError` carrying an exception class name: a server's
reply may echo the recipient's address, which must never reach a log or the database.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from casework.config import Settings


class DeliveryError(Exception):
    """A message could not be handed over; ``str()`` is an exception class name only."""


class Sender(Protocol):
    """Deliver one message; raise DeliveryError when it was not accepted."""

    def send(self, address: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls | tls | none (none: localhost only, checked by Settings)
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(host=settings.smtp_host or "", port=settings.smtp_port,
                   security=settings.smtp_security, sender=settings.smtp_from or "",
                   username=settings.smtp_username, password=settings.smtp_password)


class SmtpSender:
    """E-mail through an SMTP server, STARTTLS or implicit TLS, certificates verified."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def message(self, address: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        # The domain of the From address, never this machine's host name.
        message["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        message.set_content(body)
        return message

    def send(self, address: str, subject: str, body: str) -> None:
        config = self.config
        try:
            if config.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=config.timeout,
                    context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            with client:
                if config.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if config.username and config.password:
                    client.login(config.username, config.password)
                client.send_message(self.message(address, subject, body))
        except (smtplib.SMTPException, OSError, ValueError) as error:
            raise DeliveryError(type(error).__name__) from None


def sender_for(settings: Settings) -> Sender | None:
    """The configured sender, or None when no channel outside the app is set up."""
    if not settings.smtp_enabled:
        return None
    return SmtpSender(SmtpConfig.from_settings(settings))
