"""Webhook URLs and API keys never reach an error message, an exception chain or a log line.

Each failing call is made with every logger at DEBUG (urllib3 logs request paths there,
and a webhook's path is its secret), then everything a user or a log file could see is
searched for the secret.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.publish.delivery import ChannelConfig, ChannelKind, DeliveryError
from commander_app.publish.statuspage import StatuspageChannel
from commander_app.publish.webhooks import SlackChannel, TeamsChannel
from tests.support.broken_servers import closed_port_url, dropping_server, silent_server
from tests.support.deliveries import make_context, make_update

WEBHOOK_PATH = "/services/T0SECRET/B0SECRET/Zq8uVn3kLm5pW2rT"
TEAMS_QUERY = "?api-version=1&sig=Sg9fH2kD7pQ4wX1zY6"
API_KEY = "sp-live-9c2b7e4d1a6f"


def everything_shown(failure: DeliveryError, caplog: pytest.LogCaptureFixture) -> str:
    """What the user, the outbox row and the log file could ever show of this failure."""
    commander_logs = [
        f"{r.name}: {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if r.name != "werkzeug"  # the test server's own access log, not Commander's
    ]
    return "\n".join(
        [
            str(failure),
            repr(failure),
            failure.message,
            "".join(traceback.format_exception(failure)),
            *commander_logs,
        ]
    )


def assert_never_shown(secret_parts: list[str], deliver: Callable[[], object], caplog) -> str:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeliveryError) as caught:
        deliver()
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    shown = everything_shown(caught.value, caplog)
    for part in secret_parts:
        assert part not in shown
    return shown


def slack() -> SlackChannel:
    return SlackChannel(ChannelConfig("ops-chat", ChannelKind.SLACK, {}))


def test_a_refused_webhook_does_not_show_its_url(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data("no_service", status=404)
    url = httpserver.url_for(WEBHOOK_PATH)
    shown = assert_never_shown(
        [url, WEBHOOK_PATH, "Zq8uVn3kLm5pW2rT"],
        lambda: slack().deliver(make_update(), make_context(url)),
        caplog,
    )
    assert "no longer knows the webhook of channel 'ops-chat'" in shown
    # The request really was logged by urllib3, with the path blanked out.
    assert any("[secret]" in r.getMessage() for r in caplog.records if "urllib3" in r.name)


def test_an_error_body_that_echoes_the_url_is_redacted(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = httpserver.url_for(WEBHOOK_PATH)
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data(f"bad payload for {url}", 400)
    shown = assert_never_shown(
        [WEBHOOK_PATH], lambda: slack().deliver(make_update(), make_context(url)), caplog
    )
    assert "bad payload for" in shown


@pytest.mark.parametrize("where", ["refused", "dropped", "silent", "no such host"])
def test_an_unreachable_webhook_does_not_show_its_url(
    where: str, caplog: pytest.LogCaptureFixture
) -> None:
    teams = TeamsChannel(ChannelConfig("ops-teams", ChannelKind.TEAMS, {}))

    def deliver(base: str) -> Callable[[], object]:
        context = make_context(base + WEBHOOK_PATH + TEAMS_QUERY)
        context.timeout = 0.3
        return lambda: teams.deliver(make_update(), context)

    secrets = [WEBHOOK_PATH, "Zq8uVn3kLm5pW2rT", "Sg9fH2kD7pQ4wX1zY6"]
    if where == "refused":
        assert_never_shown(secrets, deliver(closed_port_url()), caplog)
    elif where == "dropped":
        with dropping_server() as base:
            assert_never_shown(secrets, deliver(base), caplog)
    elif where == "silent":
        with silent_server() as base:
            assert_never_shown(secrets, deliver(base), caplog)
    else:
        shown = assert_never_shown(secrets, deliver("https://hooks.commander-test.invalid"), caplog)
        assert "not found (DNS)" in shown


def test_a_refused_api_key_is_not_shown_even_when_the_server_echoes_it(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    def echo_auth(request: Request) -> Response:
        return Response(
            f'{{"error": "bad credentials: {request.headers["Authorization"]}"}}',
            status=401,
            content_type="application/json",
        )

    httpserver.expect_request(re.compile("^/")).respond_with_handler(echo_auth)
    channel = StatuspageChannel(
        ChannelConfig(
            "status",
            ChannelKind.STATUSPAGE,
            {"page_id": "pg1", "base_url": httpserver.url_for("/v1")},
        )
    )
    shown = assert_never_shown(
        [API_KEY], lambda: channel.deliver(make_update(), make_context(API_KEY)), caplog
    )
    assert "API key was refused (401)" in shown


def test_an_unreachable_status_page_does_not_show_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    channel = StatuspageChannel(
        ChannelConfig(
            "status",
            ChannelKind.STATUSPAGE,
            {"page_id": "pg1", "base_url": closed_port_url() + "/v1"},
        )
    )
    assert_never_shown(
        [API_KEY], lambda: channel.deliver(make_update(), make_context(API_KEY)), caplog
    )
