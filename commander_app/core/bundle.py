"""The versioned export bundle: building it, and checking one before import."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from commander_app.core.chain import (
    ChainLink,
    Predecessor,
    broken_link,
    link_dict,
    parse_link,
)
from commander_app.core.errors import BundleError, ValidationError
from commander_app.core.events import clean_device_id, clean_name, validate_body
from commander_app.core.ids import check_ulid
from commander_app.core.metrics import metrics_dict
from commander_app.core.model import Event, IncidentState, Kind
from commander_app.core.times import FUTURE_TOLERANCE, from_iso, to_iso

BUNDLE_FORMAT = "commander-incident-bundle"
# Still 1 with chain links: a link is an extra field of each event ("chain"), which an
# older Commander ignores, so laptops on different versions keep exchanging bundles in
# the middle of an incident; a bundle without links imports as before (see `chain`).
BUNDLE_VERSION = 1


@dataclass(frozen=True)
class ParsedBundle:
    incident_id: str
    events: list[Event]
    # Each event's chain link as the bundle carries it; events without one are left out.
    links: dict[str, ChainLink] = field(default_factory=dict)


def make_bundle(
    state: IncidentState,
    events: Sequence[Event],
    exported_at: str,
    app_version: str,
    links: Mapping[str, ChainLink] | None = None,
) -> dict[str, Any]:
    # Imported here: every command reads rows through this module, few export (15 ms).
    from commander_app.core.rollback import record_dict

    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "exported_at": exported_at,
        "exported_by": f"Commander {app_version}",
        "incident": state.to_dict(),
        "metrics": metrics_dict(state),
        # Derived from the events, for readers; an import reads only the events.
        **record_dict(events),
        "events": [
            {**event.to_dict(), "chain": link_dict((links or {}).get(event.id))} for event in events
        ],
    }


def parse_bundle_text(text: str) -> ParsedBundle:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleError(
            "This file is not a Commander bundle: it is not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}); it may be truncated."
        ) from None
    except RecursionError:
        raise BundleError("This file is not a Commander bundle: it is nested too deeply.") from None
    except ValueError:  # an integer of more than Python's 4,300 digits
        raise BundleError(
            "This file is not a Commander bundle: it holds a number too long to read "
            "(more than 4,300 digits)."
        ) from None
    return parse_bundle(data)


def parse_bundle(data: object) -> ParsedBundle:
    """Check everything before anything is written; name the first problem found."""
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise BundleError("This file is not a Commander incident bundle.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleError("This bundle has no valid format version.")
    if version > BUNDLE_VERSION:
        raise BundleError(
            f"This bundle was written by a newer Commander (bundle version {version}; "
            f"this one reads up to {BUNDLE_VERSION}). Update Commander to import it."
        )
    incident = data.get("incident")
    if not isinstance(incident, dict):
        raise BundleError("This bundle has no incident section.")
    try:
        incident_id = check_ulid(incident.get("id"), "incident id")
    except ValidationError as exc:
        raise BundleError(f"Bundle incident: {exc}") from None
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise BundleError("This bundle has no events.")
    events: list[Event] = []
    links: dict[str, ChainLink] = {}
    seen: set[str] = set()
    for index, raw in enumerate(raw_events, start=1):
        try:
            event = parse_event(raw, incident_id)
            link = parse_link(raw.get("chain"))
        except (ValidationError, ValueError) as exc:
            raise BundleError(f"Event {index} of the bundle is invalid: {exc}") from None
        if event.id in seen:
            raise BundleError(f"Event {index} of the bundle repeats the id {event.id}.")
        seen.add(event.id)
        events.append(event)
        if link is not None:
            links[event.id] = link
    return ParsedBundle(incident_id, events, links)


def check_bundle_chain(bundle: ParsedBundle, known: Mapping[str, Predecessor]) -> None:
    """Refuse a bundle with an event that does not match its chain link.

    `known`: what the log holds of predecessors the bundle does not (a bundle written
    by hand may leave out events the log already has). The import checks this last, so
    a bundle that breaks a plainer rule (a time, a correction) is told that first."""
    predecessors = {
        e.id: Predecessor(e.incident_id, e.device_id, bundle.links[e.id].hash if e.id in
                          bundle.links else None)
        for e in bundle.events
    }  # fmt: skip
    predecessors.update(known)
    for index, event in enumerate(bundle.events, start=1):
        link = bundle.links.get(event.id)
        if link is None:
            continue
        reason = broken_link(event, link, predecessors)
        if reason is not None:
            raise BundleError(
                f"Event {index} of the bundle ({event.id}) was altered after export: {reason}. "
                "Nothing was imported."
            )


def parse_event(raw: object, incident_id: str) -> Event:
    if not isinstance(raw, dict):
        raise ValidationError("it is not an object.")
    event_id = check_ulid(raw.get("id"), "event id")
    if raw.get("incident_id") != incident_id:
        raise ValidationError("it belongs to another incident.")
    kind_text = raw.get("kind")
    if not isinstance(kind_text, str):
        raise ValidationError("it has no kind.")
    kind = Kind.parse(kind_text)
    body = validate_body(kind, raw.get("body"))
    author = clean_name(raw.get("author"), "author")
    device_id = clean_device_id(raw.get("device_id"))
    times = []
    for name in ("occurred_at", "recorded_at"):
        value = raw.get(name)
        if not isinstance(value, str):
            raise ValidationError(f"it has no {name}.")
        times.append(to_iso(from_iso(value)))
    supersedes = raw.get("supersedes")
    if supersedes is not None:
        supersedes = check_ulid(supersedes, "superseded event id")
        if supersedes == event_id:
            raise ValidationError("it supersedes itself.")
    return Event(
        event_id, incident_id, kind, body, author, device_id, times[0], times[1], supersedes
    )


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no incident log holds anything older


def check_bundle_times(bundle: ParsedBundle, now: datetime) -> None:
    """Refuse a bundle with a time the log could not hold: ahead of now by more than the
    CLI allows an entry (a "resolved" 30 days ahead, 9999-12-31), or before 2000."""
    for index, event in enumerate(bundle.events, start=1):
        for name, value in (("occurred_at", event.occurred_at), ("recorded_at", event.recorded_at)):
            when = from_iso(value)
            if when - now > FUTURE_TOLERANCE:
                what = name.split("_")[0]
                raise BundleError(
                    f"Event {index} of the bundle ({event.kind.value}) says it {what} at "
                    f"{value}, after now: a clock on the exporting laptop was wrong or the "
                    "bundle was altered. Nothing was imported."
                )
            if when < EARLIEST:
                raise BundleError(
                    f"Event {index} of the bundle ({event.kind.value}) is dated {value}, before "
                    "any incident log: the bundle was altered. Nothing was imported."
                )
