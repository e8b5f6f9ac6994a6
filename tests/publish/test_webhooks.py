"""Slack and Teams webhooks against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commander_app.publish.delivery import (
    ChannelConfig,
    ChannelKind,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.webhooks import SlackChannel, TeamsChannel
from tests.support.broken_servers import closed_port_url, dropping_server
from tests.support.deliveries import Commits, make_context, make_update

SLACK_PATH = "/services/T000/B000/XXXXsecretXXXX"
TEAMS_PATH = "/workflows/abc123/triggers/manual/paths/invoke"


def slack() -> SlackChannel:
    return SlackChannel(ChannelConfig("ops-chat", ChannelKind.SLACK, {}))


def teams() -> TeamsChannel:
    return TeamsChannel(ChannelConfig("ops-teams", ChannelKind.TEAMS, {}))


def slack_like(request: Request) -> Response:
    """Slack's answers: 200 "ok", or 400 with a short reason."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.get("text"):
        return Response("no_text", status=400)
    return Response("ok", status=200)


def test_slack_posts_the_subject_in_bold_and_the_text(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(SLACK_PATH, method="POST").respond_with_handler(slack_like)
    commits = Commits()
    delivered = slack().deliver(
        make_update(), make_context(httpserver.url_for(SLACK_PATH), commits)
    )

    [(request, _response)] = httpserver.log
    assert json.loads(request.data) == {
        "text": "*Störung: Zahlungen — update 2*\n"
        "Payments fail for 30 % of EU customers.\nRollback started at 14:02.\n\n"
        "Next update &lt;14:25&gt; &amp; not later."
    }
    assert delivered.detail == "posted to Slack"
    assert commits.calls == 1


def test_teams_posts_an_adaptive_card_and_accepts_202(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(TEAMS_PATH, method="POST").respond_with_data("", status=202)
    teams().deliver(make_update(), make_context(httpserver.url_for(TEAMS_PATH)))

    [(request, _response)] = httpserver.log
    body = json.loads(request.data)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    title, text = card["body"]
    assert title == {
        "type": "TextBlock",
        "text": "Störung: Zahlungen — update 2",
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
    }
    assert text == {"type": "TextBlock", "text": make_update().text, "wrap": True}


def test_send_test_posts_a_labelled_test_message(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(SLACK_PATH, method="POST").respond_with_handler(slack_like)
    said = slack().send_test(httpserver.url_for(SLACK_PATH), timeout=5)

    assert said == "Posted a test message to Slack through channel 'ops-chat'."
    [(request, _response)] = httpserver.log
    text = json.loads(request.data)["text"]
    assert text.startswith("*Commander test message*\n")
    assert "please ignore" in text


@pytest.mark.parametrize(
    ("status", "reason", "expected", "words"),
    [
        (404, "no_service", PermanentFailure, "no longer knows the webhook"),
        (410, "channel_is_archived", PermanentFailure, "channel_is_archived"),
        (403, "invalid_token", PermanentFailure, "webhook URL was refused"),
        (400, "invalid_payload", PermanentFailure, "invalid_payload"),
        (500, "rollup_error", RetryableFailure, "server error 500"),
    ],
)
def test_slack_refusals(
    httpserver: HTTPServer, status: int, reason: str, expected: type[Exception], words: str
) -> None:
    httpserver.expect_request(SLACK_PATH).respond_with_data(reason, status=status)
    with pytest.raises(expected, match=words):
        slack().deliver(make_update(), make_context(httpserver.url_for(SLACK_PATH)))


def test_unreachable_webhook_is_retryable_and_a_drop_in_doubt() -> None:
    with pytest.raises(RetryableFailure) as refused:
        slack().deliver(make_update(), make_context(closed_port_url() + SLACK_PATH))
    assert not refused.value.in_doubt
    with dropping_server() as url, pytest.raises(RetryableFailure) as dropped:
        teams().deliver(make_update(), make_context(url + TEAMS_PATH))
    assert dropped.value.in_doubt


def test_find_delivered_cannot_tell() -> None:
    with pytest.raises(PermanentFailure, match="look in the chat channel behind 'ops-chat'"):
        slack().find_delivered(make_update(), make_context("https://hooks.example/x"))
