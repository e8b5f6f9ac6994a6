"""Updates and delivery contexts as the outbox worker would hand them to a channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from commander_app.core.model import Audience, Severity, Status
from commander_app.publish.delivery import DeliveryContext, OutgoingUpdate

SENT_AT = datetime(2026, 11, 28, 14, 5, 0, tzinfo=UTC)


def make_update(**changes: Any) -> OutgoingUpdate:
    update = OutgoingUpdate(
        outbox_id="01OUTBOX",
        incident_id="01INCIDENT",
        incident_title="Störung: Zahlungen",
        audience=Audience.EXECUTIVES,
        subject="Störung: Zahlungen — update 2",
        text=(
            "Payments fail for 30 % of EU customers.\nRollback started at 14:02.\n\n"
            "Next update <14:25> & not later."
        ),
        status=Status.IDENTIFIED,
        severity=Severity.SEV2,
        affected_services=("payments",),
        message_id="<01OUTBOX.commander@example.com>",
    )
    return replace(update, **changes)


@dataclass
class Commits:
    """Counts `about_to_commit` calls, and what `probe` said at each (e.g. server state)."""

    probe: Callable[[], Any] | None = None
    seen: list[Any] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.seen)

    def __call__(self) -> None:
        self.seen.append(self.probe() if self.probe else None)


def make_context(
    secret: str,
    commits: Commits | None = None,
    remote_incident_id: str | None = None,
    started_at: datetime = SENT_AT,
) -> DeliveryContext:
    return DeliveryContext(
        secret=secret,
        remote_incident_id=remote_incident_id,
        attempt_started_at=started_at,
        timeout=5.0,
        about_to_commit=commits if commits is not None else Commits(),
    )
