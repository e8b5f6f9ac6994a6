"""A real SMTP server in the test process (aiosmtpd), with STARTTLS, implicit TLS and AUTH."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

USER = "commander@example.com"
PASSWORD = "correct horse battery staple"


@dataclass
class Mailbox:
    """The handler: keeps every command it saw and every message it accepted."""

    data_reply: str = "250 OK"
    rcpt_reply: str = "250 OK"
    commands: list[str] = field(default_factory=list)
    messages: list[Envelope] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands.append("MAIL")
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands.append("RCPT")
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.commands.append("DATA")
        if self.data_reply.startswith("250"):
            self.messages.append(envelope)
        return self.data_reply


@dataclass
class Authenticator:
    """Accepts one user and password; remembers every attempt."""

    attempts: list[str] = field(default_factory=list)
    password: str = PASSWORD

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.attempts.append(mechanism)
        good = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == self.password.encode()
        )
        return AuthResult(success=good, handled=False)


@dataclass
class MailServer:
    host: str
    port: int
    mailbox: Mailbox
    authenticator: Authenticator


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def mail_server(
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    mailbox: Mailbox | None = None,
    password: str = PASSWORD,
) -> Iterator[MailServer]:
    """Serve SMTP on 127.0.0.1: with STARTTLS (AUTH only after it), implicit TLS, or neither.

    Without TLS, AUTH is still offered in the clear, so a test can prove a client never
    uses it there.
    """
    box = mailbox or Mailbox()
    authenticator = Authenticator(password=password)
    port = free_port()
    options: dict[str, Any] = {"authenticator": authenticator, "server_hostname": "localhost"}
    if starttls is not None:
        options |= {"tls_context": starttls, "auth_require_tls": True}
    else:
        options["auth_require_tls"] = False  # implicit TLS is already encrypted
    controller = Controller(
        box, hostname="127.0.0.1", port=port, ssl_context=implicit_tls, **options
    )
    controller.start()
    try:
        yield MailServer("127.0.0.1", port, box, authenticator)
    finally:
        controller.stop()
