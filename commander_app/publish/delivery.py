"""What a channel is given to deliver, what it answers, and how it fails.

The outbox worker speaks only these types; each channel module (email, Statuspage,
Cachet, webhooks) turns them into its own protocol. A failure says whether trying
again later can help, and its message is written for the person who must fix it:
it never contains a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from commander_app.core.model import Audience, Severity, Status


class ChannelKind(StrEnum):
    EMAIL = "email"
    STATUSPAGE = "statuspage"
    CACHET = "cachet"
    SLACK = "slack"
    TEAMS = "teams"
    GITHUB = "github"  # an issue tracker: takes follow-ups, not stakeholder updates
    JIRA = "jira"


@dataclass(frozen=True)
class ChannelConfig:
    """A configured destination. `settings` holds no secret; the secret is in the keyring."""

    name: str
    kind: ChannelKind
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingUpdate:
    """One approved stakeholder update, as frozen when it was queued."""

    outbox_id: str
    incident_id: str
    incident_title: str  # a status page's incident name
    audience: Audience
    subject: str
    text: str
    status: Status
    severity: Severity
    affected_services: tuple[str, ...] = ()
    message_id: str = ""  # the email Message-ID, made once when queued and kept
    thread_root: str = ""  # the Message-ID of this audience's first email of the incident
    deliver_notifications: bool = True


@dataclass
class DeliveryContext:
    """What one attempt needs besides the update itself."""

    secret: str
    remote_incident_id: str | None  # this incident's id on this channel, once created
    attempt_started_at: datetime
    timeout: float = 20.0
    # Called just before the step the remote cannot take back (SMTP DATA, an HTTP POST
    # or PATCH). A crash after it leaves the attempt "in doubt" rather than retryable.
    about_to_commit: Callable[[], None] = lambda: None
    # Remote incidents on this channel that other local incidents own: never adopted.
    owned_elsewhere: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Delivered:
    """The remote accepted the update."""

    remote_id: str | None = None  # the email's Message-ID, the incident update's id, ...
    remote_incident_id: str | None = None  # remembered so later updates amend, not create
    detail: str = ""  # one line for the timeline: "to 3 recipients", "Statuspage incident 42"


class DeliveryError(Exception):
    """The channel refused or could not be reached. The message is the user's next step."""

    retryable: bool = False

    # True when the failure came after `about_to_commit` with no clear answer (a
    # timeout or a dropped connection while the remote was accepting): the remote
    # may have it, so the next attempt must check before sending again.
    in_doubt: bool = False

    def __init__(
        self, message: str, *, retry_after: float | None = None, in_doubt: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after  # seconds the remote asked us to wait, if it said
        if in_doubt:
            self.in_doubt = True


class RetryableFailure(DeliveryError):
    """Network down, timeout, 5xx, 429, SMTP 4xx: the same request may succeed later."""

    retryable = True


class PermanentFailure(DeliveryError):
    """Bad credentials, unknown page, rejected fields: a person must change something."""

    retryable = False


class Channel(Protocol):
    """One kind of destination. Instances are cheap; they hold only the config."""

    config: ChannelConfig

    def deliver(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered:
        """Send the update once, or raise a DeliveryError."""
        ...

    def find_delivered(self, update: OutgoingUpdate, context: DeliveryContext) -> Delivered | None:
        """After a crash in doubt: the remote's record of this update if it can be found.

        Returns None when the remote shows no such update. Raises PermanentFailure when
        the remote cannot tell (email, webhooks): the user must check and decide.
        """
        ...

    def send_test(self, secret: str, timeout: float = 20.0) -> str:
        """Check the settings and secret without publishing to stakeholders; say what was done."""
        ...
