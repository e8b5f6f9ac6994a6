"""Stakeholder updates by email: one SMTP transaction per outbox row, never sent in the clear.

The connection is encrypted (implicit TLS or STARTTLS, certificate and host name checked)
unless the user explicitly chose an unencrypted local relay; a server that does not offer
STARTTLS is refused, never used in the clear. The Message-ID made when the update was
queued is kept, so the recipients' mail clients can tell a resend from a new update.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any, TypeVar

from commander_app.core.model import Audience
from commander_app.publish.channel_settings import checked_settings, how_to_replace_secret
from commander_app.publish.delivery import (
    ChannelConfig,
    Delivered,
    DeliveryContext,
    DeliveryError,
    OutgoingUpdate,
    PermanentFailure,
    RetryableFailure,
)

if TYPE_CHECKING:
    import smtplib

log = logging.getLogger(__name__)
T = TypeVar("T")
_SECURITY_WORDS = {"tls": "implicit TLS", "starttls": "STARTTLS", "plain": "no encryption"}


def sign_in(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH, in UTF-8 where the user name or password is not ASCII.

    smtplib encodes credentials as ASCII, so such a password never reached the server;
    SASL PLAIN carries UTF-8 (RFC 4616), so it is sent that way when the server offers it.
    """
    import smtplib

    if (username + password).isascii():
        smtp.login(username, password)
        return
    offered = (smtp.esmtp_features.get("auth") or "").upper().split()
    if "PLAIN" not in offered:
        raise PermanentFailure(
            "The SMTP password (or user name) has characters beyond ASCII, and the server "
            f"offers only {', '.join(offered) or 'no'} sign-in, which cannot carry them: "
            "ask its administrator for AUTH PLAIN, or use an ASCII password."
        )
    credentials = f"\0{username}\0{password}".encode()
    code, reply = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(credentials).decode("ascii"))
    if code == 235:
        return
    if code == 535:
        raise smtplib.SMTPAuthenticationError(code, reply)
    raise smtplib.SMTPResponseException(code, reply)


class EmailChannel:
    """Email through the organisation's SMTP relay, to the addresses set per audience."""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        settings = checked_settings(self.config)
        to = settings["recipients"].get(Audience(update.audience).value) or []
        if not to:
            raise PermanentFailure(
                f"Channel '{self.config.name}' has no recipients for the {update.audience} "
                "audience: add their addresses in Incident → Publishing channels, or send "
                "this update through another channel."
            )
        sender = parseaddr(settings["from_addr"])[1]
        message_id = update.message_id or make_msgid(domain=sender.rpartition("@")[2] or None)
        message = compose(update, settings["from_addr"], to, message_id, context.attempt_started_at)
        envelope = [parseaddr(a)[1] for a in to]
        session = _Session(self.config.name, settings, context.secret, context.timeout)
        with session as smtp:
            accepted, refused = session.run(lambda: self._envelope(smtp, sender, envelope))
            context.about_to_commit()
            code, reply = session.run(lambda: smtp.data(message), committed=True)
            if code != 250:
                raise session.refusal(code, reply, "the message")
        detail = f"to {len(accepted)} recipient{'s' if len(accepted) != 1 else ''}"
        if refused:
            detail += "; refused: " + ", ".join(f"{a} ({c})" for a, c in refused.items())
        log.info("Email %s sent through channel %s %s", message_id, self.config.name, detail)
        return Delivered(remote_id=message_id, detail=detail)

    def _envelope(
        self, smtp: smtplib.SMTP, sender: str, envelope: list[str]
    ) -> tuple[list[str], dict[str, int]]:
        """MAIL FROM and RCPT TO; some refused recipients do not stop the others."""
        code, reply = smtp.mail(sender)
        if code != 250:
            raise _Refused(code, reply, f"the sender {sender}")
        accepted: list[str] = []
        refused: dict[str, int] = {}
        replies: dict[str, tuple[int, bytes]] = {}
        for recipient in envelope:
            code, reply = smtp.rcpt(recipient)
            if code in (250, 251):
                accepted.append(recipient)
            else:
                refused[recipient], replies[recipient] = code, (code, reply)
        if not accepted:
            code, reply = min(replies.values())  # a 4xx among them: worth another try
            raise _Refused(code, reply, "every recipient")
        return accepted, refused

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        settings = checked_settings(self.config)
        to = ", ".join(settings["recipients"].get(Audience(update.audience).value) or [])
        raise PermanentFailure(
            f"Commander cannot tell whether the SMTP server accepted '{update.subject}' for "
            f"channel '{self.config.name}': check the inbox of {to or 'the recipients'}, "
            "then Retry (they may get it twice) or Cancel."
        )

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        settings = checked_settings(self.config)
        session = _Session(self.config.name, settings, secret, timeout)
        with session as smtp:
            session.run(smtp.noop)
        signed_in = f" and signed in as {settings['username']}" if settings["username"] else ""
        return (
            f"Connected to {settings['host']}:{settings['port']} with "
            f"{_SECURITY_WORDS[settings['security']]}{signed_in}; no message was sent."
        )


def compose(
    update: OutgoingUpdate, from_addr: str, to: list[str], message_id: str, sent_at: datetime
) -> bytes:
    """The message as the server receives it: plain text and HTML, UTF-8, 7-bit safe."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = update.subject
    message["From"] = from_addr
    # Customers must not see each other's addresses: they are only in the envelope.
    message["To"] = from_addr if update.audience == Audience.CUSTOMERS else ", ".join(to)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    if update.thread_root and update.thread_root != message["Message-ID"]:
        # One conversation per audience and incident in the reader's mail client.
        message["In-Reply-To"] = update.thread_root
        message["References"] = update.thread_root
    message.set_content(update.text, cte="quoted-printable")
    message.add_alternative(as_html(update.text), subtype="html", cte="quoted-printable")
    return message.as_bytes()


def as_html(text: str) -> str:
    """The update text, escaped, with its paragraphs and line breaks kept."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif">\n{body}\n</body></html>\n'
    )


class _Refused(Exception):
    """The server answered a command with a refusal code."""

    def __init__(self, code: int, reply: bytes, what: str) -> None:
        super().__init__(code, reply, what)
        self.code, self.reply, self.what = code, reply, what


class _Session:
    """One connection: encrypted and signed in on enter, closed on exit, failures classified."""

    def __init__(self, name: str, settings: dict[str, Any], secret: str, timeout: float) -> None:
        self.name, self.settings, self.secret, self.timeout = name, settings, secret, timeout
        self.where = f"{settings['host']}:{settings['port']}"
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> smtplib.SMTP:
        self.smtp = self.run(self._open)
        return self.smtp

    def __exit__(self, failed: type[BaseException] | None, *exc_info: object) -> None:
        if self.smtp is not None and failed is None:
            with suppress(Exception):  # a polite QUIT; the update is already through
                self.smtp.quit()
        self._close()

    def _close(self) -> None:
        """Drop the connection without a QUIT, which a stuck server would make us wait for."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def _open(self) -> smtplib.SMTP:
        import smtplib
        import ssl

        security, host, port = (
            self.settings["security"],
            self.settings["host"],
            self.settings["port"],
        )
        context = ssl.create_default_context(cafile=self.settings.get("ca_file"))
        # Host and port go to the constructor: it is what gives TLS the name to check.
        smtp: smtplib.SMTP
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        self.smtp = smtp  # so a failure below still closes it (see run)
        smtp.ehlo()
        if security == "starttls":
            if not smtp.has_extn("starttls"):
                raise PermanentFailure(
                    f"The SMTP server {self.where} does not offer STARTTLS, so nothing was sent "
                    f"for channel '{self.name}' (Commander never falls back to unencrypted). "
                    "Use security 'tls' (usually port 465) if the server offers it, or ask its "
                    "administrator to enable STARTTLS."
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        username = self.settings["username"]
        if username:
            if not self.secret:
                raise PermanentFailure(
                    f"No SMTP password is stored for channel '{self.name}': "
                    + how_to_replace_secret(self.name, "email")
                )
            sign_in(smtp, username, self.secret)
        return smtp

    def run(self, step: Callable[[], T], *, committed: bool = False) -> T:
        """Run one SMTP step; any failure leaves as the DeliveryError it means."""
        try:
            return step()
        except DeliveryError:
            self._close()
            raise
        except Exception as exc:  # noqa: BLE001  classified below; nothing unknown is swallowed
            failure = self._failure(exc, committed=committed)
        self._close()
        raise failure  # outside the except block: no chained SMTP exception

    def refusal(self, code: int, reply: bytes | str, what: str) -> DeliveryError:
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8", "replace")
        text = " ".join(reply.split())[:200]
        said = f"{code} {text}".strip()
        if 400 <= code < 500:
            return RetryableFailure(
                f"The SMTP server {self.where} deferred {what} ({said}); will retry."
            )
        return PermanentFailure(
            f"The SMTP server {self.where} refused {what} for channel '{self.name}' ({said}): "
            "check the From and recipient addresses in Incident → Publishing channels."
        )

    def _failure(self, exc: Exception, *, committed: bool) -> DeliveryError:
        import smtplib
        import socket
        import ssl

        name, where = self.name, self.where
        if isinstance(exc, _Refused):
            return self.refusal(exc.code, exc.reply, exc.what)
        if isinstance(exc, ssl.SSLCertVerificationError):
            reason = exc.verify_message or "not trusted"
            return PermanentFailure(
                f"The certificate of the SMTP server {where} could not be verified ({reason}) "
                f"for channel '{name}'. Check the host name; for a private relay, set ca_file "
                "to its CA certificate (PEM)."
            )
        if isinstance(exc, ssl.SSLError):
            return PermanentFailure(
                f"The TLS handshake with the SMTP server {where} failed for channel '{name}': "
                "check that security matches the port (tls for 465, starttls for 587)."
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return PermanentFailure(
                f"The SMTP server rejected the username or password for channel '{name}' "
                f"({exc.smtp_code}): " + how_to_replace_secret(name, "email")
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError | UnicodeError) or (
            type(exc) is smtplib.SMTPException and "authentication" in str(exc).lower()
        ):
            return PermanentFailure(
                f"The SMTP server {where} cannot sign in the user for channel '{name}' this "
                "way: check the user name and security setting, or leave the user name empty "
                "if the relay needs no sign-in."
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            return self.refusal(exc.smtp_code, exc.smtp_error, "the update")
        if isinstance(exc, socket.gaierror):
            return RetryableFailure(
                f"Host name {self.settings['host']} not found (DNS) for channel '{name}': "
                "offline or a typo in the server name; will retry."
            )
        if isinstance(exc, ConnectionRefusedError):
            return RetryableFailure(f"The SMTP server {where} refused the connection; will retry.")
        if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
            lost = (
                f"The SMTP server {where} did not answer within {self.timeout:g} s"
                if isinstance(exc, TimeoutError)
                else f"The connection to the SMTP server {where} was lost"
            )
            if committed:
                return RetryableFailure(
                    f"{lost} while sending; it may have taken the message.", in_doubt=True
                )
            return RetryableFailure(f"{lost}; will retry.")
        log.error("Unexpected SMTP failure on channel %s", name, exc_info=exc)
        return PermanentFailure(
            f"The SMTP server {where} failed unexpectedly ({type(exc).__name__}) for "
            f"channel '{name}'; see the log."
        )
