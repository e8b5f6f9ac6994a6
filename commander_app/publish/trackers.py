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

from commander_app.core.tracker import TRACKER_NAMES, PushRequest, RemoteIssue
from commander_app.publish.delivery import (
    ChannelConfig,
    Delivered,
    DeliveryContext,
    OutgoingUpdate,
    PermanentFailure,
    RetryableFailure,
)
from commander_app.publish.http_delivery import found_after_doubt, remote_words
from commander_app.publish.redaction import redact

# What a tracker says about an issue is kept in the log and shown: each part is bounded.
MAX_KEY = 255  # "owner/repo#12" (GitHub names are at most 39 and 100) or "OPS-12"
MAX_URL = 2_000
MAX_STATE_NAME = 100  # GitHub's state reason, Jira's status name
# The states each tracker documents: GitHub's issue state, Jira's status category key.
STATES = {
    "github": frozenset({"open", "closed"}),
    "jira": frozenset({"new", "indeterminate", "done"}),
}


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


def create_once(tracker: Tracker, request: PushRequest, context: PushContext) -> RemoteIssue:
    """Create the issue; after a lost answer, look for it at once before the push waits
    in doubt (the next attempt looks again before anything is resent)."""
    try:
        return tracker.create(request, context)
    except RetryableFailure as failure:
        found = found_after_doubt(failure, tracker.find_created, request, context)
        if found is None:
            raise
        return found


def answer_not_read(kind: str, channel: str, why: str, *, created: bool) -> RetryableFailure:
    """The tracker answered, but not with an issue Commander can keep. After a create the
    issue may exist: the push is in doubt, so the tracker is searched before any resend."""
    name = TRACKER_NAMES[kind]
    if created:
        return RetryableFailure(
            f"{name} accepted the issue for channel '{channel}' but its answer could not be "
            f"read ({why}); Commander will look for it before trying again.",
            in_doubt=True,
        )
    return RetryableFailure(f"{name}'s answer about the issue could not be read ({why}).")


def is_web_address(value: object) -> bool:
    """An http(s) address of at most MAX_URL characters, all of them printable, no space."""
    return (
        isinstance(value, str)
        and value[:8].lower().startswith(("https://", "http://"))
        and len(value) <= MAX_URL
        and value.isprintable()
        and " " not in value
    )


def issue_as_kept(issue: RemoteIssue, secrets: tuple[str, ...], *, created: bool) -> RemoteIssue:
    """The issue as a tracker described it, fit to keep in the log and to show: the
    secret blanked in every part, the key one short word, the address a web address, the
    state one the tracker documents, its name one bounded line. Raises `answer_not_read`
    when the answer names no issue Commander can keep."""

    def refused(why: str) -> RetryableFailure:
        return answer_not_read(issue.kind, issue.channel, why, created=created)

    # Measured before blanking (which never lengthens): a huge answer is not searched.
    key = redact(issue.key, secrets) if len(issue.key) <= MAX_KEY else ""
    if not (key and key.isprintable() and len(key.split()) == 1):
        raise refused("the issue key is not one short word")
    url = redact(issue.url, secrets) if len(issue.url) <= MAX_URL else ""
    if not is_web_address(url):
        raise refused("the issue's address is not a web address")
    if issue.state not in STATES[issue.kind]:
        raise refused(f"the state is not one {TRACKER_NAMES[issue.kind]} documents")
    reason = issue.state_reason
    if reason is not None:
        reason = remote_words(redact(reason, secrets), MAX_STATE_NAME) or None
    return RemoteIssue(issue.kind, issue.channel, key, url, issue.state, reason)


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
