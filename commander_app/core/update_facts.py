"""What updates say about the impact: what users see, what they can do, which services.

The communicator types these once; every update that goes out (queued or marked sent)
keeps them in its comms event, so the next draft, in the window or the terminal,
starts from what the last update said instead of a blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from commander_app.core.model import Event, Kind


@dataclass(frozen=True)
class UpdateFacts:
    impact: str | None = None
    workaround: str | None = None
    services: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, impact: str | None, workaround: str | None, services: Sequence[str] = ()
    ) -> UpdateFacts:
        """From what a person typed: blanks are None, services trimmed and de-duplicated."""
        names = tuple(dict.fromkeys(s.strip() for s in services if s and s.strip()))
        return cls((impact or "").strip() or None, (workaround or "").strip() or None, names)

    def body_fields(self) -> dict[str, Any]:
        """The fields a comms event keeps; none when nothing is known."""
        fields: dict[str, Any] = {}
        if self.impact:
            fields["impact"] = self.impact
        if self.workaround:
            fields["workaround"] = self.workaround
        if self.services:
            fields["services"] = list(self.services)
        return fields


def parse_services(text: str) -> tuple[str, ...]:
    """'checkout, payments' (as typed in a field) -> ('checkout', 'payments')."""
    return UpdateFacts.of(None, None, text.split(",")).services


def latest_facts(comms: Iterable[Event]) -> UpdateFacts:
    """What the newest update that said anything about the impact said."""
    events = sorted((e for e in comms if e.kind is Kind.COMMS), key=lambda e: e.sort_key)
    voided = {e.supersedes for e in events if e.supersedes}
    for event in reversed(events):
        body = event.body
        if event.id in voided or not ({"impact", "workaround", "services"} & set(body)):
            continue
        return UpdateFacts.of(body.get("impact"), body.get("workaround"), body.get("services", ()))
    return UpdateFacts()
