"""What an issue-tracker channel does: create an issue for a follow-up once, find it again
after a lost answer, and read its state back.

A tracker channel is configured like every channel (`commander channel add github|jira`)
but takes follow-ups, not stakeholder updates: the outbox never routes an update to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commander_app.core.tracker import PushRequest, RemoteIssue
from commander_app.publish.delivery import (
    ChannelConfig,
    Delivered,
    DeliveryContext,
    OutgoingUpdate,
    PermanentFailure,
)


@dataclass
class PushContext:
    secret: str
    attempt_started_at: datetime  # an issue made since then may be this push's
    timeout: float = 20.0
    # Called just before the request that creates the issue: from then on a lost answer
    # leaves the push in doubt, and the tracker is searched before anything is resent.
    about_to_commit: Callable[[], None] = lambda: None


class Tracker(Protocol):
    config: ChannelConfig

    def create(self, request: PushRequest, context: PushContext) -> RemoteIssue:
        """Create the issue once, or raise a DeliveryError (in doubt where it may exist)."""
        ...

    def find_created(self, request: PushRequest, context: PushContext) -> RemoteIssue | None:
        """The issue an earlier, interrupted push made, found by the follow-up's id."""
        ...

    def read_state(self, issue: RemoteIssue, secret: str, timeout: float = 20.0) -> RemoteIssue:
        """The issue as the tracker shows it now."""
        ...

    def send_test(self, secret: str, timeout: float = 20.0) -> str: ...


class TakesNoUpdates:
    """The stakeholder-update side of a tracker channel: it has none."""

    config: ChannelConfig

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        raise PermanentFailure(self._refusal())

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        raise PermanentFailure(self._refusal())

    def _refusal(self) -> str:
        return (
            f"The channel '{self.config.name}' is an issue tracker: it takes follow-ups "
            "(`commander action push`), not stakeholder updates. Cancel this update."
        )


def tracker_for(config: ChannelConfig) -> Tracker:
    from commander_app.publish.delivery import ChannelKind

    if ChannelKind(config.kind) is ChannelKind.GITHUB:
        from commander_app.publish.github_issues import GitHubIssues

        return GitHubIssues(config)
    if ChannelKind(config.kind) is ChannelKind.JIRA:
        from commander_app.publish.jira_issues import JiraIssues

        return JiraIssues(config)
    raise PermanentFailure(
        f"The channel '{config.name}' is {config.kind}, not an issue tracker (github or jira)."
    )
