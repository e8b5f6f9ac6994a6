"""Cachet 3 against a real HTTP server on 127.0.0.1 that enforces its incident API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from commander_app.core.model import Severity, Status
from commander_app.publish.cachet import CachetChannel
from commander_app.publish.delivery import (
    ChannelConfig,
    ChannelKind,
    PermanentFailure,
    RetryableFailure,
)
from tests.support.deliveries import SENT_AT, Commits, make_context, make_update
from tests.support.status_pages import FakeCachet

TOKEN = "cachet-token-4d2c9e81"


@pytest.fixture
def cachet(httpserver: HTTPServer) -> Iterator[FakeCachet]:
    fake = FakeCachet(TOKEN, {3, 4}, now=SENT_AT)
    httpserver.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    return fake


def channel_at(base_url: str, **settings: Any) -> CachetChannel:
    base = {"base_url": base_url, "components": {"payments": "3", "checkout": "4"}}
    return CachetChannel(ChannelConfig("cachet", ChannelKind.CACHET, {**base, **settings}))


@pytest.fixture
def channel(httpserver: HTTPServer, cachet: FakeCachet) -> CachetChannel:
    return channel_at(httpserver.url_for("").rstrip("/"))


def test_create_then_incident_updates_with_numeric_statuses(
    channel: CachetChannel, cachet: FakeCachet
) -> None:
    commits = Commits(probe=lambda: len(cachet.sent))
    first = channel.deliver(make_update(severity=Severity.SEV1), make_context(TOKEN, commits))

    assert (first.remote_incident_id, first.remote_id) == ("1", "1")
    assert first.detail == "Cachet incident 1 created (identified)"
    create = cachet.sent[-1]
    assert (create.method, create.path) == ("POST", "/api/incidents")
    assert create.body == {
        "name": "Störung: Zahlungen",
        "status": 2,
        "message": make_update().text,
        "visible": True,
        "notifications": True,
        "components": [{"id": 3, "status": 4}],
    }
    assert commits.seen == [0]

    fixed = make_update(status=Status.RESOLVED, text="Payments work again.")
    second = channel.deliver(fixed, make_context(TOKEN, commits, remote_incident_id="1"))

    assert (second.remote_incident_id, second.remote_id) == ("1", "1")
    assert [(s.method, s.path, s.body) for s in cachet.sent[1:]] == [
        ("POST", "/api/incidents/1/updates", {"status": 4, "message": "Payments work again."}),
        ("PUT", "/api/components/3", {"status": 1}),
    ]
    assert cachet.component_status == {3: 1}
    assert len(cachet.incidents) == 1
    assert commits.calls == 2


@pytest.mark.parametrize(
    ("status", "number"),
    [
        (Status.INVESTIGATING, 1),
        (Status.IDENTIFIED, 2),
        (Status.MONITORING, 3),
        (Status.RESOLVED, 4),
    ],
)
def test_status_numbers(
    channel: CachetChannel, cachet: FakeCachet, status: Status, number: int
) -> None:
    channel.deliver(make_update(status=status), make_context(TOKEN))
    assert cachet.sent[-1].body["status"] == number


def test_wrong_token_is_permanent(channel: CachetChannel) -> None:
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context("not-the-token-000"))
    assert "The Cachet API token was refused (401) for channel 'cachet'" in caught.value.message


def test_rejected_fields_quote_cachet(httpserver: HTTPServer, cachet: FakeCachet) -> None:
    channel = channel_at(httpserver.url_for("").rstrip("/"), components={"payments": "99"})
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context(TOKEN))
    assert "components.0.id: The selected components.id is invalid." in caught.value.message
    assert cachet.incidents == {}


def test_rate_limit_is_retryable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/incidents", method="POST").respond_with_json(
        {"message": "Too Many Attempts."}, status=429, headers={"Retry-After": "60"}
    )
    with pytest.raises(RetryableFailure) as caught:
        channel_at(httpserver.url_for("").rstrip("/")).deliver(make_update(), make_context(TOKEN))
    assert caught.value.retry_after == 60.0


def test_after_a_crash_the_incident_and_the_update_are_found(
    channel: CachetChannel, cachet: FakeCachet
) -> None:
    assert channel.find_delivered(make_update(), make_context(TOKEN)) is None
    channel.deliver(make_update(), make_context(TOKEN))
    found = channel.find_delivered(make_update(), make_context(TOKEN))
    assert found is not None
    assert found.remote_incident_id == "1"
    assert cachet.sent[-1].query["filter[name]"] == "Störung: Zahlungen"

    later = make_update(status=Status.MONITORING, text="Watching the error rate.")
    in_doubt = make_context(TOKEN, remote_incident_id="1")
    assert channel.find_delivered(later, in_doubt) is None
    channel.deliver(later, in_doubt)
    found = channel.find_delivered(later, in_doubt)
    assert found is not None
    assert (found.remote_incident_id, found.remote_id) == ("1", "1")


def test_send_test_checks_the_token_without_publishing(
    channel: CachetChannel, cachet: FakeCachet
) -> None:
    said = channel.send_test(TOKEN, timeout=5)
    assert said.startswith("Signed in to Cachet at http://")
    assert cachet.incidents == {}
    with pytest.raises(PermanentFailure, match="token was refused"):
        channel.send_test("bad-token-bad-token", timeout=5)
