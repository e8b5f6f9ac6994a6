"""What `commander channel add` and the settings dialog accept for each kind of channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from commander_app.core.errors import ValidationError
from commander_app.publish.cachet import CachetChannel
from commander_app.publish.channels import (
    channel_for,
    describe,
    settings_warnings,
    validate_secret,
    validate_settings,
)
from commander_app.publish.delivery import ChannelConfig, ChannelKind, PermanentFailure
from commander_app.publish.email import EmailChannel
from commander_app.publish.statuspage import StatuspageChannel
from commander_app.publish.webhooks import SlackChannel, TeamsChannel
from tests.support.deliveries import make_context, make_update

EMAIL = {
    "host": "smtp.example.com",
    "username": "ops@example.com",
    "from_addr": "Commander <ops@example.com>",
    "recipients": {"execs": "cto@example.com, cfo@example.com", "internal": ["sre@example.com"]},
}


def test_email_defaults_and_forgiving_input() -> None:
    settings = validate_settings("email", EMAIL)
    assert settings == {
        "host": "smtp.example.com",
        "security": "starttls",
        "port": 587,
        "username": "ops@example.com",
        "from_addr": "Commander <ops@example.com>",
        "recipients": {
            "executives": ["cto@example.com", "cfo@example.com"],
            "internal": ["sre@example.com"],
        },
    }
    assert validate_settings("email", {**EMAIL, "security": "TLS"})["port"] == 465
    assert validate_settings("email", {**EMAIL, "port": "2525"})["port"] == 2525


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"port": "70000"}, "Port (port): 70000 is outside 1–65535."),
        ({"port": "smtp"}, "'smtp' is not a port number"),
        ({"security": "ssl"}, "'ssl' is not one of tls, starttls, plain"),
        ({"from_addr": "ops at example"}, "'ops at example' is not an email address"),
        ({"recipients": {"board": "x@example.com"}}, "Unknown audience 'board'"),
        ({"recipients": {"internal": "nobody"}}, "'nobody' is not an email address"),
        ({"host": ""}, "Email (SMTP) needs SMTP server (host)."),
        ({"ca_file": "/no/such/ca.pem"}, "no file at /no/such/ca.pem"),
        ({"colour": "red"}, "Unknown setting 'colour' for Email (SMTP) channels: use host,"),
        (
            {"security": "plain"},
            "Signing in over an unencrypted connection would expose the SMTP password",
        ),
    ],
)
def test_email_refusals_name_the_setting(change: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_settings("email", {**EMAIL, **change})
    assert words in str(caught.value)


def test_plain_is_allowed_for_a_local_relay_with_a_warning() -> None:
    settings = validate_settings(
        "email", {**EMAIL, "host": "127.0.0.1", "security": "plain", "username": ""}
    )
    assert settings["port"] == 25
    assert settings_warnings("email", settings) == [
        "Security 'plain' sends updates unencrypted: use it only for a relay on this machine "
        "or a network you trust."
    ]
    assert settings_warnings("email", validate_settings("email", EMAIL)) == []


def test_status_page_settings() -> None:
    settings = validate_settings(
        ChannelKind.STATUSPAGE, {"page_id": "pg1", "components": "payments=abc, api = def"}
    )
    assert settings == {
        "page_id": "pg1",
        "base_url": "https://api.statuspage.io/v1",
        "components": {"payments": "abc", "api": "def"},
        "deliver_notifications": True,
    }
    local = validate_settings(
        "statuspage", {"page_id": "p", "base_url": "http://127.0.0.1:8080/v1/"}
    )
    assert local["base_url"] == "http://127.0.0.1:8080/v1"
    with pytest.raises(ValidationError, match="must use https"):
        validate_settings("statuspage", {"page_id": "p", "base_url": "http://status.example.com"})
    with pytest.raises(ValidationError, match="not one of operational"):
        validate_settings("statuspage", {"page_id": "p", "component_status": "broken"})


def test_cachet_settings() -> None:
    settings = validate_settings(
        "cachet",
        {
            "base_url": "https://status.example.com",
            "components": {"payments": "3"},
            "component_status": "partial outage",
        },
    )
    assert settings["components"] == {"payments": 3}
    assert settings["component_status"] == 3
    with pytest.raises(ValidationError, match="needs Cachet URL"):
        validate_settings("cachet", {})
    with pytest.raises(ValidationError, match="component ids are numbers"):
        validate_settings("cachet", {"base_url": "https://s.example", "components": "x=abc"})


def test_webhooks_have_no_settings_only_a_secret() -> None:
    assert validate_settings("slack", {}) == {}
    with pytest.raises(ValidationError, match="webhook URL is the secret"):
        validate_settings("slack", {"url": "https://hooks.slack.com/services/x"})
    secret = "http://hooks.slack.com/services/T1/B2/plainhttp"
    with pytest.raises(ValidationError) as caught:
        validate_secret("slack", secret, {})
    assert secret not in str(caught.value)
    assert "must start with https://" in str(caught.value)
    assert validate_secret("teams", " https://x.example/workflows/1 \n", {}) == (
        "https://x.example/workflows/1"
    )


def test_secret_labels_and_when_a_secret_is_needed() -> None:
    assert [describe(k).secret_label for k in ChannelKind] == [
        "SMTP password",
        "API key",
        "API token",
        "webhook URL",
        "webhook URL",
        "token",  # GitHub
        "API token",  # Jira
    ]
    relay = validate_settings("email", {**EMAIL, "username": ""})
    assert validate_secret("email", "", relay) == ""
    with pytest.raises(ValidationError, match="needs the SMTP password"):
        validate_secret("email", "", validate_settings("email", EMAIL))
    with pytest.raises(ValidationError, match="characters an API key never has"):
        validate_secret("statuspage", "sp-kéy", {})
    with pytest.raises(ValidationError, match="Unknown channel kind 'pager'"):
        describe("pager")


def test_channel_for_each_kind(tmp_path: Path) -> None:
    expected = {
        ChannelKind.EMAIL: EmailChannel,
        ChannelKind.STATUSPAGE: StatuspageChannel,
        ChannelKind.CACHET: CachetChannel,
        ChannelKind.SLACK: SlackChannel,
        ChannelKind.TEAMS: TeamsChannel,
    }
    for kind, cls in expected.items():
        config = ChannelConfig("c", kind, {})
        channel = channel_for(config)
        assert isinstance(channel, cls)
        assert channel.config is config


def test_bad_stored_settings_fail_the_send_not_the_program() -> None:
    channel = channel_for(ChannelConfig("status", ChannelKind.STATUSPAGE, {"page_id": ""}))
    with pytest.raises(PermanentFailure) as caught:
        channel.deliver(make_update(), make_context("key"))
    assert "Channel 'status' is not set up correctly" in caught.value.message
    assert "Page id (page_id)" in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "https:///services/T1/B2/nohost",
        "hooks.slack.com/services/T1/B2/noscheme",
        "ftp://hooks.slack.com/services/x",
        "http://localhost.example.com/services/x",
    ],
)
def test_a_webhook_url_must_be_https_to_a_named_host(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_secret("slack", url, {})
    assert url not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://localhost/h"]
)
def test_a_webhook_on_this_machine_may_be_plain_http(url: str) -> None:
    assert validate_secret("slack", url, {}) == url
