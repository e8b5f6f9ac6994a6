"""A 5xx after the remote received the update is in doubt, exactly as a kill is: a status
page is asked before anything is sent again; a chat webhook stops and asks the person.
Target: no second remote incident, no second post."""

from __future__ import annotations

import re

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.clock import FixedClock
from commander_app.core.model import Audience
from commander_app.core.outbox import IN_DOUBT_SETTLE, OutboxState
from commander_app.core.update_facts import UpdateFacts
from commander_app.publish.outbox_worker import deliver_due
from commander_app.publish.secrets import SecretStore
from commander_app.store import channels
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from tests.support.status_pages import FakeStatuspage

KEY = "sp-key-7f3a9c0d1e2b"


def queue(log: IncidentLog, incident_id: str, channel: str, audience: Audience) -> None:
    store.enqueue(
        log, incident_id, audience, [channel], "Checkout problems", "We are investigating.",
        author="cara", facts=UpdateFacts(),
    )  # fmt: skip


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_status_page_that_errs_after_creating_gets_one_incident(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer, status: int
) -> None:
    fake = FakeStatuspage("pg1", KEY, set(), now=clock.now())
    answered = {"erred": False}

    def takes_it_then_errs(request: Request) -> Response:
        response = fake.handle(request)
        if request.method == "POST" and not answered["erred"]:
            answered["erred"] = True
            return Response("upstream timed out", status=status)
        return response

    httpserver.expect_request(re.compile("^/")).respond_with_handler(takes_it_then_errs)
    channels.save_channel(
        log, "status", "statuspage", {"page_id": "pg1", "base_url": httpserver.url_for("/v1")}
    )
    SecretStore().set("status", KEY)
    queue(log, incident_id, "status", Audience.CUSTOMERS)
    # The server has answered, so it is looked for at once: found, and adopted.
    [attempt] = deliver_due(log, SecretStore(), timeout=5.0)
    assert attempt.outcome is OutboxState.SENT
    assert len(fake.incidents) == 1
    assert [s.method for s in fake.sent].count("POST") == 1


def test_a_chat_webhook_that_errs_after_receiving_asks_the_person(
    log: IncidentLog, incident_id: str, clock: FixedClock, httpserver: HTTPServer
) -> None:
    posts: list[str] = []

    def posts_then_errs(request: Request) -> Response:
        posts.append(request.get_data(as_text=True))
        return Response("bad gateway", status=502)

    httpserver.expect_request("/hook").respond_with_handler(posts_then_errs)
    channels.save_channel(log, "chat", "slack", {})
    SecretStore().set("chat", httpserver.url_for("/hook"))
    queue(log, incident_id, "chat", Audience.INTERNAL)
    [first] = deliver_due(log, SecretStore(), timeout=5.0)
    assert first.outcome is OutboxState.RETRYING
    clock.advance(IN_DOUBT_SETTLE * 2)
    [second] = deliver_due(log, SecretStore(), timeout=5.0)
    assert second.outcome is OutboxState.FAILED
    assert "cannot say whether" in (second.entry.last_error or "")
    assert len(posts) == 1


def test_an_incident_whose_answer_was_lost_never_adopts_another_incidents_page(
    log: IncidentLog, clock: FixedClock, httpserver: HTTPServer
) -> None:
    """Two incidents, the same subject: B's create loses its answer; B finds its own
    remote incident, never A's (earlier, same name), and A's page gets nothing of B's."""
    fake = FakeStatuspage("pg1", KEY, set(), now=clock.now())
    lose = {"next": False}

    def answer(request: Request) -> Response:
        response = fake.handle(request)
        if request.method == "POST" and lose["next"]:
            lose["next"] = False
            return Response("gateway timeout", status=504)
        return response

    httpserver.expect_request(re.compile("^/")).respond_with_handler(answer)
    channels.save_channel(
        log, "status", "statuspage", {"page_id": "pg1", "base_url": httpserver.url_for("/v1")}
    )
    SecretStore().set("status", KEY)
    a = log.open_incident("Checkout failing (EU)", author="alice").id
    b = log.open_incident("Checkout failing (US)", author="bob").id
    for incident, text in ((a, "EU shoppers cannot pay."), (b, "US shoppers cannot pay.")):
        store.enqueue(
            log, incident, Audience.CUSTOMERS, ["status"], "Checkout problems", text,
            author="cara", facts=UpdateFacts(),
        )  # fmt: skip
        lose["next"] = incident == b
        deliver_due(log, SecretStore(), timeout=5.0)
    mine_a = store.remote_incident(log, "status", a)
    mine_b = store.remote_incident(log, "status", b)
    assert mine_a is not None
    assert mine_b is not None
    assert mine_a != mine_b
    assert len(fake.incidents) == 2
    bodies = [u["body"] for u in fake.incidents[mine_a]["incident_updates"]]
    assert bodies == ["EU shoppers cannot pay."]
