"""A real SMTP server for the suite (issue 10): aiosmtpd on 127.0.0.1, a free port.

``smtp_server`` starts it; ``mail_app`` points the application's sender at it (the one
place the app is configured differently: its sender and the public link). Every message
any test receives is also kept in ``ALL_MESSAGES``, so a scan can check them all. A test
module imports ``smtp_server_fixture`` and ``mail_app_fixture`` to use them.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

PUBLIC_URL = "https://senim.example.org"
FROM = "senim@example.org"
ALL_MESSAGES: list[bytes] = []


class Mailbox:
    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        data = envelope.original_content or envelope.content
        self.raw.append(data)
        ALL_MESSAGES.append(data)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox = field(default_factory=Mailbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
                for raw in self.mailbox.raw]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def text_of(message: EmailMessage) -> str:
    """Headers and decoded body: what a canary scan looks at."""
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    body = message.get_body(preferencelist=("plain",))
    return headers + "\n" + (body.get_content() if body is not None else "")


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="mail_app")
def mail_app_fixture(app: Any, smtp_server: SmtpServer,
                     monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    """The session's app, sending through the suite's SMTP server (plain, localhost)."""
    from casework.services.channels import SmtpConfig, SmtpSender

    settings = app.extensions["senim.settings"].replace(
        smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="none",
        smtp_from=FROM, public_url=PUBLIC_URL, notify_digest_hour=8)
    monkeypatch.setitem(app.extensions, "senim.settings", settings)
    monkeypatch.setitem(app.extensions, "senim.sender", SmtpSender(SmtpConfig(
        host="127.0.0.1", port=smtp_server.port, security="none", sender=FROM,
        timeout=5)))
    return smtp_server
