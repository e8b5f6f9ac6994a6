"""Statuspage against a real HTTP server on 127.0.0.1 that enforces the v1 API's contract."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.core.events import MAX_TEXT, MAX_TITLE
from commander_app.core.model import Severity, Status
from commander_app.publish.delivery import (
    ChannelConfig,
    ChannelKind,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.http_delivery import retry_after_seconds
from commander_app.publish.statuspage import StatuspageChannel
from tests.support.broken_servers import dropping_server
from tests.support.deliveries import SENT_AT, Commits, make_context, make_update
from tests.support.status_pages import (
    STATUSPAGE_INCIDENT_FIELDS,
    STATUSPAGE_MAX_BODY,
    STATUSPAGE_MAX_NAME,
    FakeStatuspage,
)

KEY = "sp-key-7f3a9c0d1e2b"


@pytest.fixture
def statuspage(httpserver: HTTPServer) -> Iterator[FakeStatuspage]:
    fake = FakeStatuspage("pg1", KEY, {"cmpA", "cmpB"}, now=SENT_AT)
    httpserver.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    return fake


def channel_at(base_url: str, **settings: Any) -> StatuspageChannel:
    base = {
        "page_id": "pg1",
        "base_url": base_url,
        "components": {"payments": "cmpA", "checkout": "cmpB"},
    }
    return StatuspageChannel(ChannelConfig("status", ChannelKind.STATUSPAGE, {**base, **settings}))


@pytest.fixture
def channel(httpserver: HTTPServer, statuspage: FakeStatuspage) -> StatuspageChannel:
    return channel_at(httpserver.url_for("/v1"))


def test_first_update_creates_then_later_ones_patch_the_same_incident(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    commits = Commits(probe=lambda: len(statuspage.sent))
    first = channel.deliver(make_update(), make_context(KEY, commits))

    assert first == first.__class__(
        remote_id="upd1",
        remote_incident_id="inc1",
        detail="Statuspage incident inc1 created (identified)",
    )
    create = statuspage.sent[-1]
    assert (create.method, create.path) == ("POST", "/v1/pages/pg1/incidents")
    assert create.body == {
        "incident": {
            "name": "Störung: Zahlungen",
            "status": "identified",
            "body": make_update().text,
            "impact_override": "major",
            "deliver_notifications": True,
            "component_ids": ["cmpA"],
            "components": {"cmpA": "partial_outage"},
        }
    }
    assert commits.seen == [0]  # committed right before the POST, nothing sent before

    resolved = make_update(
        status=Status.RESOLVED, text="Fixed.", affected_services=("payments", "checkout")
    )
    second = channel.deliver(resolved, make_context(KEY, commits, remote_incident_id="inc1"))

    assert second.remote_incident_id == "inc1"
    assert second.remote_id == "upd2"
    patch = statuspage.sent[-1]
    assert (patch.method, patch.path) == ("PATCH", "/v1/pages/pg1/incidents/inc1")
    assert patch.body["incident"]["components"] == {"cmpA": "operational", "cmpB": "operational"}
    assert "name" not in patch.body["incident"]
    assert len(statuspage.incidents) == 1
    assert statuspage.incidents["inc1"]["status"] == "resolved"
    assert commits.calls == 2


@pytest.mark.parametrize(
    ("severity", "impact", "component_status"),
    [
        (Severity.SEV1, "critical", "major_outage"),
        (Severity.SEV2, "major", "partial_outage"),
        (Severity.SEV3, "minor", "degraded_performance"),
        (Severity.SEV4, "none", "degraded_performance"),
    ],
)
def test_severity_sets_impact_and_component_status(
    channel: StatuspageChannel,
    statuspage: FakeStatuspage,
    severity: Severity,
    impact: str,
    component_status: str,
) -> None:
    channel.deliver(make_update(severity=severity), make_context(KEY))
    fields = statuspage.sent[-1].body["incident"]
    assert fields["impact_override"] == impact
    assert fields["components"] == {"cmpA": component_status}


def test_configured_component_status_and_quiet_notifications(
    httpserver: HTTPServer, statuspage: FakeStatuspage
) -> None:
    channel = channel_at(
        httpserver.url_for("/v1"),
        component_status="degraded_performance",
        deliver_notifications="no",
    )
    channel.deliver(make_update(severity=Severity.SEV1), make_context(KEY))
    fields = statuspage.sent[-1].body["incident"]
    assert fields["components"] == {"cmpA": "degraded_performance"}
    assert fields["deliver_notifications"] is False


def test_unmapped_services_send_no_components(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    channel.deliver(make_update(affected_services=("search",)), make_context(KEY))
    fields = statuspage.sent[-1].body["incident"]
    assert "components" not in fields
    assert "component_ids" not in fields


def test_the_longest_update_commander_allows_fits_statuspage_limits(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    """Statuspage takes names up to 255 characters and bodies up to 25,000."""
    title, text = "T" * MAX_TITLE, "x" * MAX_TEXT
    channel.deliver(make_update(incident_title=title, text=text), make_context(KEY))
    [incident] = statuspage.incidents.values()
    assert (incident["name"], incident["incident_updates"][0]["body"]) == (title, text)
    assert MAX_TITLE <= STATUSPAGE_MAX_NAME
    assert MAX_TEXT <= STATUSPAGE_MAX_BODY


def test_every_field_commander_sends_is_in_the_reference(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    channel.deliver(make_update(), make_context(KEY))
    channel.deliver(
        make_update(status=Status.RESOLVED), make_context(KEY, remote_incident_id="inc1")
    )
    sent = [set(s.body["incident"]) for s in statuspage.sent if s.body]
    assert len(sent) == 2
    assert all(fields <= STATUSPAGE_INCIDENT_FIELDS for fields in sent)
    misspelt = {"incident": {"name": "x", "status": "investigating", "impact": "major"}}
    assert statuspage.handle(_post(statuspage, misspelt)).status_code == 422


def _post(statuspage: FakeStatuspage, body: dict[str, Any]) -> Request:
    from werkzeug.test import EnvironBuilder

    return Request(
        EnvironBuilder(
            path=f"/v1/pages/{statuspage.page_id}/incidents",
            method="POST",
            json=body,
            headers={"Authorization": f"OAuth {KEY}"},
        ).get_environ()
    )


def test_wrong_api_key_is_permanent(channel: StatuspageChannel) -> None:
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context("wrong-key-123456"))
    assert "The Statuspage API key was refused (401) for channel 'status'" in caught.value.message
    assert "--replace --secret-stdin" in caught.value.message


def test_rejected_fields_quote_statuspage(
    httpserver: HTTPServer, statuspage: FakeStatuspage
) -> None:
    channel = channel_at(httpserver.url_for("/v1"), components={"payments": "not-on-this-page"})
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context(KEY))
    assert "Components must belong to this page" in caught.value.message
    assert statuspage.incidents == {}


def test_unknown_page_is_permanent(httpserver: HTTPServer, statuspage: FakeStatuspage) -> None:
    channel = channel_at(httpserver.url_for("/v1"), page_id="nope")
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context(KEY))
    assert "check the page id and base URL" in caught.value.message


def test_a_deleted_incident_is_permanent(channel: StatuspageChannel) -> None:
    with pytest.raises(PermanentFailure, match="no such page or incident"):
        channel.deliver(make_update(), make_context(KEY, remote_incident_id="gone"))


def test_after_a_crash_the_created_incident_is_adopted_not_duplicated(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    created = channel.deliver(make_update(), make_context(KEY))
    found = channel.find_delivered(make_update(), make_context(KEY))

    assert found is not None
    assert (found.remote_incident_id, found.remote_id) == ("inc1", created.remote_id)
    assert "adopted" in found.detail
    assert statuspage.sent[-1].path == "/v1/pages/pg1/incidents/unresolved"
    assert len(statuspage.incidents) == 1


def test_an_old_incident_of_the_same_name_is_not_adopted(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    channel.deliver(make_update(), make_context(KEY))
    later = make_context(KEY, started_at=SENT_AT + timedelta(hours=2))
    assert channel.find_delivered(make_update(), later) is None


def test_nothing_to_adopt_when_the_create_never_arrived(channel: StatuspageChannel) -> None:
    assert channel.find_delivered(make_update(), make_context(KEY)) is None


def test_a_resolved_create_is_searched_among_all_incidents(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    resolved = make_update(status=Status.RESOLVED)
    channel.deliver(resolved, make_context(KEY))
    found = channel.find_delivered(resolved, make_context(KEY))
    assert found is not None
    assert found.remote_incident_id == "inc1"
    assert statuspage.sent[-1].query == {"q": "Störung: Zahlungen", "limit": "50"}


def test_after_a_crash_a_patch_is_found_by_its_text(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    channel.deliver(make_update(), make_context(KEY))
    monitoring = make_update(status=Status.MONITORING, text="Error rate back to normal.")
    in_doubt = make_context(KEY, remote_incident_id="inc1")

    assert channel.find_delivered(monitoring, in_doubt) is None  # not sent yet
    channel.deliver(monitoring, in_doubt)
    found = channel.find_delivered(monitoring, in_doubt)
    assert found is not None
    assert (found.remote_incident_id, found.remote_id) == ("inc1", "upd2")


def test_rate_limit_is_retryable_after_what_statuspage_asked(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/pages/pg1/incidents", method="POST").respond_with_json(
        {"error": "Rate limit exceeded"}, status=429, headers={"Retry-After": "7"}
    )
    with pytest.raises(RetryableFailure) as caught:
        channel_at(httpserver.url_for("/v1")).deliver(make_update(), make_context(KEY))
    assert caught.value.retry_after == 7.0
    assert not caught.value.in_doubt


def test_the_old_420_rate_limit_with_an_http_date(httpserver: HTTPServer) -> None:
    asked = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    httpserver.expect_request("/v1/pages/pg1/incidents", method="POST").respond_with_json(
        {"error": "Enhance your calm"}, status=420, headers={"Retry-After": asked}
    )
    with pytest.raises(RetryableFailure) as caught:
        channel_at(httpserver.url_for("/v1")).deliver(make_update(), make_context(KEY))
    assert caught.value.retry_after is not None
    assert 100 <= caught.value.retry_after <= 120


def test_retry_after_as_a_date_counts_from_the_servers_clock() -> None:
    headers = {
        "Date": "Sat, 28 Nov 2026 14:05:00 GMT",
        "Retry-After": "Sat, 28 Nov 2026 14:07:00 GMT",
    }
    assert retry_after_seconds(headers) == 120.0
    assert retry_after_seconds({"Retry-After": "30"}) == 30.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_server_error_is_retryable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/pages/pg1/incidents").respond_with_data("oops", status=500)
    with pytest.raises(RetryableFailure, match="server error 500"):
        channel_at(httpserver.url_for("/v1")).deliver(make_update(), make_context(KEY))


def test_a_dropped_connection_after_sending_is_retryable_but_in_doubt() -> None:
    with dropping_server() as url, pytest.raises(RetryableFailure) as caught:
        channel_at(f"{url}/v1").deliver(make_update(), make_context(KEY))
    assert caught.value.in_doubt  # the worker must look before sending again


def test_a_lost_answer_is_checked_at_once_and_the_incident_adopted(
    httpserver: HTTPServer, statuspage: FakeStatuspage
) -> None:
    """Statuspage created the incident but the connection dropped before the answer."""

    def create_then_hang_up(request: Request) -> Response:
        response = statuspage.handle(request)
        if request.method == "POST":
            request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        return response

    httpserver.clear_all_handlers()
    httpserver.expect_request(re.compile("^/")).respond_with_handler(create_then_hang_up)
    delivered = channel_at(httpserver.url_for("/v1")).deliver(make_update(), make_context(KEY))

    assert delivered.remote_incident_id == "inc1"
    assert "adopted" in delivered.detail
    assert [(s.method, s.path) for s in statuspage.sent] == [
        ("POST", "/v1/pages/pg1/incidents"),
        ("GET", "/v1/pages/pg1/incidents/unresolved"),
    ]
    assert len(statuspage.incidents) == 1


def test_send_test_finds_the_page_and_publishes_nothing(
    channel: StatuspageChannel, statuspage: FakeStatuspage
) -> None:
    said = channel.send_test(KEY, timeout=5)
    assert (
        said == "Signed in to Statuspage and found page 'Acme Status' (pg1); nothing was published."
    )
    assert [s.method for s in statuspage.sent] == ["GET"]
    with pytest.raises(PermanentFailure, match="API key was refused"):
        channel.send_test("not-the-key-at-all", timeout=5)
