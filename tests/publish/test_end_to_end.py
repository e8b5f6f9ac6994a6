"""The outbox end to end: the real worker, real channels, a contract-enforcing Statuspage.

- Channel down: updates wait in order; channel back: each goes out once, in order.
- The sending process is killed mid-send: a restart adopts the incident the remote
  created instead of creating a second one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience, Kind, Status
from commander_app.core.outbox import OutboxState
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from tests.conftest import run_cli
from tests.support.file_keyring import file_keyring_env
from tests.support.status_pages import FakeStatuspage

KEY = "sp-key-7f3a9c0d1e2b"


@pytest.fixture
def statuspage(httpserver: HTTPServer, clock: FixedClock) -> FakeStatuspage:
    fake = FakeStatuspage("pg1", KEY, {"cmpA"}, now=clock.now())
    return fake


def add_status_page(log: IncidentLog, base_url: str) -> None:
    channels.save_channel(
        log, "status", "statuspage",
        {"page_id": "pg1", "base_url": base_url, "components": {"checkout": "cmpA"}},
    )  # fmt: skip
    SecretStore().set("status", KEY)


def queue(log: IncidentLog, incident_id: str, text: str) -> None:
    store.enqueue(
        log, incident_id, Audience.CUSTOMERS, ["status"], "Checkout problems", text,
        author="cara", facts=UpdateFacts(services=("checkout",)),
    )  # fmt: skip


def test_down_then_back_delivers_each_update_once_in_order(
    log: IncidentLog,
    incident_id: str,
    clock: FixedClock,
    httpserver: HTTPServer,
    statuspage: FakeStatuspage,
) -> None:
    up = {"now": False}

    def handler(request: Request) -> Response:
        if not up["now"]:
            return Response("Service Unavailable", status=503)
        return statuspage.handle(request)

    httpserver.expect_request(re.compile("^/")).respond_with_handler(handler)
    add_status_page(log, httpserver.url_for("/v1"))
    for text in ("We are investigating.", "We found the cause."):
        queue(log, incident_id, text)
    log.set_status(incident_id, Status.IDENTIFIED, author="alice")
    queue(log, incident_id, "A fix is rolling out.")

    down = deliver_due(log, SecretStore())
    assert [a.outcome for a in down] == [OutboxState.RETRYING]  # the rest wait behind it
    assert statuspage.incidents == {}
    for minutes in (1, 2, 4):  # still down: the waits grow, nothing is sent
        clock.advance(timedelta(minutes=minutes))
        assert [a.outcome for a in deliver_due(log, SecretStore())] == [OutboxState.RETRYING]

    up["now"] = True
    clock.advance(timedelta(minutes=10))
    back = deliver_due(log, SecretStore())
    assert [a.outcome for a in back] == [OutboxState.SENT] * 3
    assert deliver_due(log, SecretStore()) == []  # nothing twice
    ((incident_key, incident),) = statuspage.incidents.items()
    bodies = [u["body"] for u in reversed(incident["incident_updates"])]
    assert bodies == ["We are investigating.", "We found the cause.", "A fix is rolling out."]
    assert incident["status"] == "identified"
    writes = [(s.method, s.path) for s in statuspage.sent if s.method != "GET"]
    assert writes == [
        ("POST", "/v1/pages/pg1/incidents"),
        ("PATCH", f"/v1/pages/pg1/incidents/{incident_key}"),
        ("PATCH", f"/v1/pages/pg1/incidents/{incident_key}"),
    ]
    sent = [
        e for e in log.events(incident_id) if e.kind is Kind.COMMS and e.body["action"] == "sent"
    ]
    assert [e.body["text"] for e in sent] == bodies
    assert store.remote_incident(log, "status", incident_id) == incident_key


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A server that answers the restarted program while the killed one's request still hangs."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.mark.slow
def test_killed_mid_send_then_restarted_never_creates_a_second_incident(
    tmp_path: Path, threaded_server: HTTPServer
) -> None:
    fake = FakeStatuspage("pg1", KEY, {"cmpA"}, now=datetime.now(UTC) - timedelta(seconds=5))
    posted, release = threading.Event(), threading.Event()

    def create_then_hang(request: Request) -> Response:
        response = fake.handle(request)
        if request.method == "POST" and not posted.is_set():
            posted.set()
            release.wait(30)  # the sender is killed while it waits for this answer
        return response

    threaded_server.expect_request(re.compile("^/")).respond_with_handler(create_then_hang)
    env = file_keyring_env(tmp_path / "keyring.json")
    db = tmp_path / "log.db"
    assert run_cli("new", "Checkout 500s", "--severity", "SEV1", db=db, env=env).returncode == 0
    added = run_cli(
        "channel", "add", "statuspage", "status", "--page-id", "pg1",
        "--base-url", threaded_server.url_for("/v1"), "--secret-stdin",
        db=db, env=env, stdin=KEY + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    sender = subprocess.Popen(
        [sys.executable, "-m", "commander_app", "--db", str(db), "send", "customers"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert posted.wait(30), "the sender never reached the status page"
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
    finally:
        release.set()
    assert len(fake.incidents) == 1  # the remote has it; the sender never heard back

    listed = run_cli("outbox", db=db, env=env)
    assert "Sending" in listed.stdout  # left mid-send by the killed program
    # At once, the slow server may still be finishing the killed request: no look yet.
    early = run_cli("outbox", "flush", db=db, env=env)
    assert "Nothing is due now (1 waiting" in early.stdout, early.stdout + early.stderr
    assert [s.method for s in fake.sent].count("GET") == 0
    with IncidentLog(db, device_id="test", clock=FixedClock(datetime.now(UTC))) as later:
        later.conn.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'")
    flushed = run_cli("outbox", "flush", db=db, env=env)
    assert flushed.returncode == 0, flushed.stderr
    assert "Sent: update to customers via status." in flushed.stdout
    assert len(fake.incidents) == 1
    assert [s.method for s in fake.sent].count("POST") == 1

    again = run_cli("send", "customers", db=db, env=env)
    assert again.returncode == 0, again.stderr
    assert len(fake.incidents) == 1  # the next update amends the same incident
    assert [s.method for s in fake.sent].count("PATCH") == 1
    shown = run_cli("show", db=db, env=env).stdout
    assert "adopted (investigating) (found on the remote after an interrupted send)" in shown
