"""Which class delivers each kind of channel, and what each kind needs to be set up.

The CLI (`commander channel add`) and the settings dialog describe and check settings
through here; the outbox worker asks `channel_for` for the object that sends.
"""

from __future__ import annotations

from commander_app.publish.channel_settings import (
    DESCRIPTIONS,
    ChannelDescription,
    SettingSpec,
    describe,
    how_to_replace_secret,
    settings_warnings,
    validate_secret,
    validate_settings,
)
from commander_app.publish.delivery import Channel, ChannelConfig, ChannelKind

__all__ = [
    "DESCRIPTIONS",
    "ChannelDescription",
    "SettingSpec",
    "channel_for",
    "describe",
    "how_to_replace_secret",
    "settings_warnings",
    "validate_secret",
    "validate_settings",
]


def channel_for(config: ChannelConfig) -> Channel:
    """The channel object for a configuration; cheap, it holds only the config.

    Settings are re-checked when the channel is used, so a bad stored setting becomes a
    PermanentFailure on that outbox row rather than an error here.
    """
    kind = ChannelKind(config.kind)
    if kind is ChannelKind.EMAIL:
        from commander_app.publish.email import EmailChannel

        return EmailChannel(config)
    if kind is ChannelKind.STATUSPAGE:
        from commander_app.publish.statuspage import StatuspageChannel

        return StatuspageChannel(config)
    if kind is ChannelKind.CACHET:
        from commander_app.publish.cachet import CachetChannel

        return CachetChannel(config)
    if kind is ChannelKind.GITHUB:
        from commander_app.publish.github_issues import GitHubIssues

        return GitHubIssues(config)
    if kind is ChannelKind.JIRA:
        from commander_app.publish.jira_issues import JiraIssues

        return JiraIssues(config)
    from commander_app.publish.webhooks import SlackChannel, TeamsChannel

    return SlackChannel(config) if kind is ChannelKind.SLACK else TeamsChannel(config)
