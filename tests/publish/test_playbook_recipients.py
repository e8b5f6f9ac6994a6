"""The playbook's stakeholder lists reach email: an executives' update goes through an
email channel to the playbook's executives and, for a payments incident, the payments
reader too, besides the channel's own recipients; names that are not addresses stay out.
A real SMTP server (aiosmtpd) receives it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from commander_app.core.model import Audience
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.publish.sending import channels_for, queue_update
from commander_app.store import channels
from commander_app.store.incident_log import IncidentLog
from commander_app.store.playbook import current_text, write_text
from tests.support.mail_server import PASSWORD, USER, MailServer, mail_server

EXECUTIVES = """[audience.executives]
recipients = ["cto@example.com", "#exec-incidents", "Dana the CEO"]
by_service = { payments = ["cfo@example.com"] }
"""


@pytest.fixture
def smtp(server_tls: ssl.SSLContext) -> Iterator[MailServer]:
    with mail_server(starttls=server_tls) as server:
        yield server


@pytest.fixture
def mail(log: IncidentLog, smtp: MailServer, ca_file: Path) -> IncidentLog:
    """An email channel with recipients for internal updates only."""
    channels.save_channel(
        log, "mail", "email",
        {
            "host": smtp.host, "port": smtp.port, "security": "starttls", "username": USER,
            "from_addr": "Commander <incidents@example.com>", "ca_file": str(ca_file),
            "recipients": {"internal": ["eng@example.com"]},
        },
    )  # fmt: skip
    SecretStore().set("mail", PASSWORD)
    return log


def test_the_playbooks_executives_hear_through_the_email_channel(
    mail: IncidentLog, smtp: MailServer
) -> None:
    log = mail
    assert [c.name for c in channels_for(log, Audience.EXECUTIVES)] == []  # not yet
    text = current_text().replace("[audience.executives]\nrecipients = []\n", EXECUTIVES)
    assert EXECUTIVES in text
    write_text(text)
    assert [c.name for c in channels_for(log, Audience.EXECUTIVES)] == ["mail"]
    incident = log.open_incident("Card payments failing", author="alice").id
    queue_update(
        log, incident, Audience.EXECUTIVES, "Card payments", "30% of card payments fail.",
        author="cara", facts=UpdateFacts(services=("payments",)),
    )  # fmt: skip
    queue_update(log, incident, Audience.INTERNAL, "Card payments", "Internal.", author="cara")
    deliver_due(log, SecretStore())
    assert sorted(sorted(m.rcpt_tos) for m in smtp.mailbox.messages) == [
        ["cfo@example.com", "cto@example.com"],
        ["eng@example.com"],  # the internal list is the channel's own, unchanged
    ]
