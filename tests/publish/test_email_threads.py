"""Each audience's emails of one incident form one conversation in a mail client."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from commander_app.core.model import Audience
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from tests.support.mail_server import mail_server


def test_later_updates_reply_to_the_first_one_of_their_audience(
    log: IncidentLog, incident_id: str
) -> None:
    with mail_server() as server:
        channels.save_channel(
            log, "mail", "email",
            {
                "host": "127.0.0.1", "port": server.port, "security": "plain", "username": "",
                "from_addr": "incidents@example.com",
                "recipients": {"executives": ["cto@example.com"], "internal": ["ops@example.com"]},
            },
        )  # fmt: skip
        for audience, text in (
            (Audience.EXECUTIVES, "First"),
            (Audience.INTERNAL, "Responders"),
            (Audience.EXECUTIVES, "Second"),
            (Audience.EXECUTIVES, "Third"),
        ):
            store.enqueue(
                log, incident_id, audience, ["mail"], f"Checkout: {text}", text,
                author="cara", facts=UpdateFacts(),
            )  # fmt: skip
        deliver_due(log, SecretStore(), timeout=5.0)
        messages = [
            message_from_bytes(m.original_content or b"", policy=default)
            for m in server.mailbox.messages
        ]
    first, internal, second, third = messages
    assert first["In-Reply-To"] is None
    assert internal["In-Reply-To"] is None  # another audience: its own conversation
    for later in (second, third):
        assert later["In-Reply-To"] == first["Message-ID"]
        assert later["References"] == first["Message-ID"]
