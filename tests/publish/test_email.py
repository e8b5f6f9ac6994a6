"""Email through a real SMTP server (aiosmtpd) with STARTTLS, implicit TLS and AUTH."""

from __future__ import annotations

import socket
import ssl
import traceback
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from commander_app.core.model import Audience
from commander_app.publish.delivery import (
    ChannelConfig,
    ChannelKind,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.email import EmailChannel
from tests.support.deliveries import Commits, make_context, make_update
from tests.support.mail_server import PASSWORD, USER, Mailbox, MailServer, free_port, mail_server

RECIPIENTS = {
    "executives": ["cto@example.com", "Finance <cfo@example.com>"],
    "customers": ["a@customer.example", "b@customer.example"],
}


def email_channel(server: MailServer | None, **settings: Any) -> EmailChannel:
    base: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port if server else free_port(),
        "security": "starttls",
        "username": USER,
        "from_addr": "Commander <incidents@example.com>",
        "recipients": RECIPIENTS,
    }
    return EmailChannel(ChannelConfig("mail", ChannelKind.EMAIL, {**base, **settings}))


@pytest.fixture
def starttls_server(server_tls: ssl.SSLContext) -> Iterator[MailServer]:
    with mail_server(starttls=server_tls) as server:
        yield server


def received(server: MailServer) -> EmailMessage:
    [envelope] = server.mailbox.messages
    message = message_from_bytes(envelope.original_content or b"", policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_starttls_with_sign_in_delivers_both_parts_in_utf8(
    starttls_server: MailServer, ca_file: Path
) -> None:
    commits = Commits(probe=lambda: list(starttls_server.mailbox.commands))
    update = make_update()
    delivered = email_channel(starttls_server, ca_file=str(ca_file)).deliver(
        update, make_context(PASSWORD, commits)
    )

    assert delivered.remote_id == update.message_id
    assert delivered.detail == "to 2 recipients"
    [envelope] = starttls_server.mailbox.messages
    assert envelope.mail_from == "incidents@example.com"
    assert envelope.rcpt_tos == ["cto@example.com", "cfo@example.com"]
    assert starttls_server.authenticator.attempts  # signed in, after STARTTLS
    raw = envelope.original_content or b""
    assert raw.isascii()  # no 8-bit data: any relay can carry it
    assert b"Subject: =?utf-8?" in raw
    message = received(starttls_server)
    assert message["Subject"] == "Störung: Zahlungen — update 2"
    assert message["Message-ID"] == "<01OUTBOX.commander@example.com>"
    assert message["From"] == "Commander <incidents@example.com>"
    assert message["To"] == "cto@example.com, Finance <cfo@example.com>"
    assert message["Date"] == "Sat, 28 Nov 2026 14:05:00 +0000"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == update.text
    html_text = html.get_content().replace("\r\n", "\n")
    assert "Next update &lt;14:25&gt; &amp; not later." in html_text
    assert "30 % of EU customers.<br>\nRollback started at 14:02.</p>" in html_text
    # The only step the server cannot take back comes after the check, exactly once.
    assert commits.seen == [["MAIL", "RCPT", "RCPT"]]


def test_customers_do_not_see_each_other(starttls_server: MailServer, ca_file: Path) -> None:
    update = make_update(audience=Audience.CUSTOMERS)
    email_channel(starttls_server, ca_file=str(ca_file)).deliver(update, make_context(PASSWORD))

    [envelope] = starttls_server.mailbox.messages
    assert envelope.rcpt_tos == ["a@customer.example", "b@customer.example"]
    message = received(starttls_server)
    assert "customer.example" not in message["To"]


def test_a_missing_message_id_is_made_and_reported(
    starttls_server: MailServer, ca_file: Path
) -> None:
    channel = email_channel(starttls_server, ca_file=str(ca_file))
    delivered = channel.deliver(make_update(message_id=""), make_context(PASSWORD))

    assert delivered.remote_id
    assert delivered.remote_id.endswith("@example.com>")
    assert received(starttls_server)["Message-ID"] == delivered.remote_id


def test_implicit_tls_delivers_and_tests(server_tls: ssl.SSLContext, ca_file: Path) -> None:
    with mail_server(implicit_tls=server_tls) as server:
        channel = email_channel(server, security="tls", ca_file=str(ca_file))
        said = channel.send_test(PASSWORD, timeout=5)
        assert server.mailbox.commands == []
        channel.deliver(make_update(), make_context(PASSWORD))

    assert said == (
        f"Connected to 127.0.0.1:{server.port} with implicit TLS and signed in as {USER}; "
        "no message was sent."
    )
    assert received(server)["Subject"] == "Störung: Zahlungen — update 2"


def test_send_test_signs_in_and_sends_nothing(starttls_server: MailServer, ca_file: Path) -> None:
    said = email_channel(starttls_server, ca_file=str(ca_file)).send_test(PASSWORD, timeout=5)

    assert said == (
        f"Connected to 127.0.0.1:{starttls_server.port} with STARTTLS and signed in as {USER}; "
        "no message was sent."
    )
    assert starttls_server.authenticator.attempts
    assert starttls_server.mailbox.commands == []


def test_wrong_password_is_permanent_and_says_how_to_fix(
    starttls_server: MailServer, ca_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    commits = Commits()
    wrong = "hunter2-not-the-password"
    channel = email_channel(starttls_server, ca_file=str(ca_file))
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context(wrong, commits))

    message = caught.value.message
    assert "rejected the username or password for channel 'mail'" in message
    assert "commander channel add email mail --replace --secret-stdin" in message
    assert starttls_server.mailbox.commands == []
    assert commits.calls == 0
    shown = "".join(traceback.format_exception(caught.value)) + caplog.text
    assert wrong not in shown


def test_untrusted_certificate_is_permanent_and_nothing_is_said(
    starttls_server: MailServer,
) -> None:
    with pytest.raises(PermanentFailure) as caught:
        email_channel(starttls_server).deliver(make_update(), make_context(PASSWORD))

    assert "certificate of the SMTP server" in caught.value.message
    assert "ca_file" in caught.value.message
    assert starttls_server.authenticator.attempts == []
    assert starttls_server.mailbox.commands == []


def test_no_starttls_never_falls_back_to_plaintext(ca_file: Path) -> None:
    commits = Commits()
    # This server offers AUTH in the clear, but no STARTTLS.
    with mail_server() as server, pytest.raises(PermanentFailure) as caught:
        email_channel(server, ca_file=str(ca_file)).deliver(
            make_update(), make_context(PASSWORD, commits)
        )

    assert "does not offer STARTTLS" in caught.value.message
    assert server.authenticator.attempts == []  # the password never crossed in the clear
    assert server.mailbox.commands == []  # nor did the update
    assert commits.calls == 0


def test_plain_is_for_an_explicitly_chosen_local_relay() -> None:
    with mail_server() as server:
        channel = email_channel(server, security="plain", username="")
        channel.deliver(make_update(), make_context(""))

    assert len(server.mailbox.messages) == 1
    assert server.authenticator.attempts == []


@pytest.mark.parametrize(
    ("mailbox", "expected", "said"),
    [
        (Mailbox(data_reply="451 4.3.0 Try again later"), RetryableFailure, "451 4.3.0"),
        (Mailbox(data_reply="554 5.6.0 Message rejected"), PermanentFailure, "554 5.6.0"),
        (Mailbox(rcpt_reply="450 4.2.1 Mailbox busy"), RetryableFailure, "450 4.2.1"),
        (Mailbox(rcpt_reply="550 5.1.1 No such user"), PermanentFailure, "550 5.1.1"),
    ],
)
def test_smtp_4xx_is_retryable_and_5xx_permanent(
    server_tls: ssl.SSLContext,
    ca_file: Path,
    mailbox: Mailbox,
    expected: type[Exception],
    said: str,
) -> None:
    commits = Commits()
    with (
        mail_server(starttls=server_tls, mailbox=mailbox) as server,
        pytest.raises(expected) as caught,
    ):
        email_channel(server, ca_file=str(ca_file)).deliver(
            make_update(), make_context(PASSWORD, commits)
        )

    assert server.mailbox.messages == []
    assert said in str(caught.value)  # the server's own words, for the user
    assert commits.calls == (1 if "DATA" in server.mailbox.commands else 0)


def test_closed_port_is_retryable() -> None:
    with pytest.raises(RetryableFailure) as caught:
        email_channel(None, security="tls").deliver(make_update(), make_context(PASSWORD))
    assert "refused the connection" in caught.value.message


def test_a_server_that_never_greets_times_out_as_retryable() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        channel = email_channel(None, port=silent.getsockname()[1])
        context = make_context(PASSWORD)
        context.timeout = 0.2
        with pytest.raises(RetryableFailure) as caught:
            channel.deliver(make_update(), context)
    assert not caught.value.in_doubt  # nothing had been sent yet


def test_no_recipients_for_the_audience_is_permanent_before_connecting() -> None:
    update = make_update(audience=Audience.INTERNAL)
    with pytest.raises(PermanentFailure) as caught:
        email_channel(None).deliver(update, make_context(PASSWORD))
    assert "no recipients for the internal audience" in caught.value.message


def test_find_delivered_cannot_tell_and_says_where_to_look() -> None:
    with pytest.raises(PermanentFailure) as caught:
        email_channel(None).find_delivered(make_update(), make_context(PASSWORD))
    assert "check the inbox of cto@example.com, Finance <cfo@example.com>" in caught.value.message
    assert "Retry" in caught.value.message
    assert "Cancel" in caught.value.message


def test_a_password_beyond_ascii_signs_in_as_utf8(
    server_tls: ssl.SSLContext, ca_file: Path
) -> None:
    """SASL PLAIN is UTF-8 (RFC 4616); smtplib alone would refuse to encode it."""
    password = "Grüße-aus-Köln-ß€"
    with mail_server(starttls=server_tls, password=password) as server:
        channel = email_channel(server, ca_file=str(ca_file))
        channel.deliver(make_update(), make_context(password))
        assert server.authenticator.attempts == ["PLAIN"]
        assert len(server.mailbox.messages) == 1
