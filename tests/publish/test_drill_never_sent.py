"""Nothing from a drill ever reaches a real channel: a real SMTP server and a
contract-enforcing Statuspage on 127.0.0.1 receive a real incident's updates, and
nothing of a drill's, whichever way the drill's update tries to get out."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from commander_app.core.clock import FixedClock
from commander_app.core.drill_text import DRILL_NOT_SENT, EXERCISE
from commander_app.core.events import event_text
from commander_app.core.model import Audience, Kind
from commander_app.core.outbox import OutboxState
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.publish.sending import queue_update
from commander_app.store import channels, drill_outbox
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from tests.conftest import run_cli
from tests.support.file_keyring import file_keyring_env
from tests.support.mail_server import PASSWORD, USER, MailServer, mail_server
from tests.support.status_pages import FakeStatuspage

KEY = "sp-key-drill-0001"


@pytest.fixture
def smtp(server_tls: ssl.SSLContext) -> Iterator[MailServer]:
    with mail_server(starttls=server_tls) as server:
        yield server


@pytest.fixture
def statuspage(httpserver: HTTPServer, clock: FixedClock) -> FakeStatuspage:
    fake = FakeStatuspage("pg1", KEY, {"cmpA"}, now=clock.now())
    httpserver.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def wired(
    log: IncidentLog, smtp: MailServer, statuspage: FakeStatuspage, httpserver: HTTPServer,
    ca_file: Path,
) -> IncidentLog:  # fmt: skip
    """Both channels configured as a team would, with their secrets in the keyring."""
    channels.save_channel(
        log, "mail", "email",
        {
            "host": smtp.host, "port": smtp.port, "security": "starttls", "username": USER,
            "from_addr": "Commander <incidents@example.com>", "ca_file": str(ca_file),
            "recipients": {"executives": ["cto@example.com"], "internal": ["eng@example.com"]},
        },
    )  # fmt: skip
    channels.save_channel(
        log, "status", "statuspage",
        {"page_id": "pg1", "base_url": httpserver.url_for("/v1"),
         "components": {"checkout": "cmpA"}},
    )  # fmt: skip
    SecretStore().set("mail", PASSWORD)
    SecretStore().set("status", KEY)
    return log


def send_both(log: IncidentLog, incident_id: str, text: str) -> None:
    for audience in (Audience.EXECUTIVES, Audience.CUSTOMERS):
        queue_update(
            log, incident_id, audience, "Checkout errors", text, author="cara",
            facts=UpdateFacts(services=("checkout",)),
        )  # fmt: skip


def test_a_drill_sends_nothing_while_a_real_incident_in_the_same_log_arrives(
    wired: IncidentLog, smtp: MailServer, statuspage: FakeStatuspage
) -> None:
    log = wired
    real = log.open_incident("Checkout 500s", commander="alice", author="alice")
    drill = log.open_incident("Payments down", drill=True, commander="bob", author="bob")
    send_both(log, drill.id, "Payments fail for some customers.")
    send_both(log, real.id, "Checkout fails for some customers.")

    attempts = deliver_due(log, SecretStore())

    assert [a.outcome for a in attempts] == [OutboxState.SENT, OutboxState.SENT]
    assert {a.entry.incident_id for a in attempts} == {real.id}
    [mail] = smtp.mailbox.messages
    message = message_from_bytes(mail.original_content or b"", policy=default)
    assert "Checkout fails" in str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert [i["name"] for i in statuspage.incidents.values()] == ["Checkout errors"]
    # The drill's updates are in the drill outbox, rendered, per channel and audience.
    rows = drill_outbox.updates(log, drill.id)
    assert sorted((r.audience.value, r.channel) for r in rows) == [
        ("customers", "status"),
        ("executives", "mail"),
    ]
    by_channel = {r.channel: r for r in rows}
    assert by_channel["status"].incident_name == f"{EXERCISE}: Checkout errors"
    assert by_channel["mail"].incident_name == f"{EXERCISE}: Payments down"
    for row in rows:
        assert row.subject.startswith(EXERCISE)
        assert row.text.startswith(EXERCISE)
        assert row.label == DRILL_NOT_SENT
    sent = [e for e in log.events(drill.id) if e.kind is Kind.COMMS]
    assert [e.body["drill"] for e in sent] == [True, True]
    assert all("recorded, not sent" in event_text(e.kind, e.body) for e in sent)
    assert store.entries(log, incident_id=drill.id) == []


def test_a_drill_row_that_reached_the_outbox_is_refused_before_its_channel(
    wired: IncidentLog, smtp: MailServer, statuspage: FakeStatuspage
) -> None:
    """Defence in depth: however a drill's row got into the real outbox (a bug, an import),
    the delivery path refuses it right before calling the channel."""
    log = wired
    real = log.open_incident("Checkout 500s", commander="alice", author="alice")
    drill = log.open_incident("Payments down", drill=True, commander="bob", author="bob")
    send_both(log, real.id, "Checkout fails for some customers.")
    smuggled = store.entries(log, incident_id=real.id)
    log.conn.execute(
        "UPDATE outbox SET incident_id = ? WHERE id IN (?, ?)",
        [drill.id, smuggled[0].id, smuggled[1].id],
    )
    log.conn.commit()
    send_both(log, real.id, "The real one.")

    attempts = deliver_due(log, SecretStore())

    refused = [a for a in attempts if a.entry.incident_id == drill.id]
    assert [a.outcome for a in refused] == [OutboxState.FAILED, OutboxState.FAILED]
    assert all((a.entry.last_error or "").startswith(DRILL_NOT_SENT) for a in refused)
    [mail] = smtp.mailbox.messages  # only the real incident's second update
    assert b"The real one." in (mail.original_content or b"")
    [incident] = statuspage.incidents.values()
    assert [u["body"] for u in incident["incident_updates"]] == ["The real one."]


def test_send_and_outbox_commands_say_drill_not_sent(
    tmp_path: Path, httpserver: HTTPServer, statuspage: FakeStatuspage
) -> None:
    """The real program, with the channel's secret where it can read it: the real
    incident's update reaches the status page, the drill's is listed as not sent."""
    env = file_keyring_env(tmp_path / "keyring.json")
    db = tmp_path / "log.db"

    def cli(*args: str, stdin: str | None = None) -> str:
        result = run_cli(*args, db=db, env=env, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    cli("new", "Checkout 500s", "--severity", "SEV2")
    cli(
        "channel", "add", "statuspage", "status", "--page-id", "pg1",
        "--base-url", httpserver.url_for("/v1"), "--secret-stdin", stdin=KEY + "\n",
    )  # fmt: skip
    with IncidentLog(db, device_id="device-test") as log:
        drill = log.open_incident("Payments down", drill=True, commander="bob", author="bob")
    sent = cli(
        "send", "customers", "--incident", drill.id, "--subject", "Payments failing",
        "--text-file", "-", stdin="We are looking at the payment provider.\n",
    )  # fmt: skip
    assert (
        f"{DRILL_NOT_SENT}: update to customers via status ({EXERCISE}: Payments failing)" in sent
    )
    assert statuspage.sent == []
    listing = cli("outbox", "list", "--all")
    assert DRILL_NOT_SENT in listing
    assert f"{EXERCISE}: Payments failing" in listing

    cli("send", "customers", "--subject", "Checkout errors", "--text-file", "-",
        "--service", "checkout", stdin="Checkout fails for some customers.\n")  # fmt: skip
    [incident] = statuspage.incidents.values()
    assert incident["name"] == "Checkout errors"
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Checkout fails for some customers."
    ]
