"""A past incident made a tabletop scenario, so a team can practise the one that hurt:
its opening facts as the setup, and what the responders learnt as injects at their real
offsets from the opening. The alerts' biggest symptom group and its cause become one
storm at the first alert's time (other groups arrive as notes), each finding is revealed
when it was found, a handoff of command is the commander called away, and a status-page
update that failed is the status page going down.

The result is TOML text that `core.drill_scenario_parse` reads back (the caller checks
it); strings are written with JSON's escapes, which TOML's basic strings share.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from commander_app.core.drill_scenario import format_offset
from commander_app.core.model import Event, IncidentState, Kind, RoleChange
from commander_app.core.times import from_iso

MAX_TEXT = 1_000  # the scenario reader's limit for one text
MAX_STORM = 500
OPENING_FACTS = timedelta(minutes=5)  # what was known this soon after the opening
MAX_FACTS = 12
MAX_INJECTS = 150


@dataclass(frozen=True)
class ReplayGroup:
    """One alert group of the incident, as the alert table holds it."""

    name: str
    alerts: int
    first_seen: str  # UTC ISO-8601
    triage: str | None


def _text(value: str) -> str:
    one = " ".join(value.split())
    return json.dumps(one[: MAX_TEXT - 1] + "…" if len(one) > MAX_TEXT else one, ensure_ascii=False)


def _offset(opened: datetime, at: str) -> str:
    return format_offset(max(from_iso(at) - opened, timedelta()))


def replay_scenario(
    state: IncidentState,
    events: Sequence[Event],
    groups: Sequence[ReplayGroup],
    service: str,
) -> str:
    opened = from_iso(state.opened_at) if state.opened_at else from_iso(events[0].occurred_at)
    day = opened.strftime("%Y-%m-%d")
    facts = [
        str(e.body.get("text", ""))
        for e in events
        if e.kind in (Kind.OBSERVATION, Kind.NOTE)
        and from_iso(e.occurred_at) - opened <= OPENING_FACTS
        and str(e.body.get("text", "")).strip()
    ][:MAX_FACTS] or [f"{state.title}: reported at {opened.strftime('%H:%M')} UTC."]
    lines = [
        f"# A replay of the incident {state.id[:10]} of {day}, made by `commander drill replay`.",
        "# Edit freely: add executives' questions, remove what gives the answer away.",
        f"summary = {_text(f'Replay of “{state.title}” ({day}): practise the one that hurt.')}",
        "",
        "[setup]",
        f"title = {_text('EXERCISE (replay): ' + state.title)}",
        f"service = {_text(service or 'the service')}",
        f'severity = "{state.severity.value}"',
        "facts = [",
        *(f"  {_text(f)}," for f in facts),
        "]",
    ]
    injects = [*_storm(opened, groups), *_from_events(opened, events)]
    injects.sort(key=lambda i: i[0])
    for n, (_at, body) in enumerate(injects[:MAX_INJECTS], start=1):
        lines += ["", "[[inject]]", f'id = "{n:02d}-{body.pop("_id")}"', *body.values()]
    return "\n".join(lines) + "\n"


def _storm(opened: datetime, groups: Sequence[ReplayGroup]) -> list[tuple[str, dict[str, str]]]:
    causes = [g for g in groups if g.triage == "cause"]
    others = [g for g in groups if g.triage != "cause"]
    if not others:  # no alerts, or only the cause: nothing to storm with
        return []
    biggest = max(others, key=lambda g: (g.alerts, g.name))
    rest = [g for g in groups if g is not biggest]
    cause = causes[0] if causes else min(rest, key=lambda g: g.first_seen) if rest else None
    first = min(g.first_seen for g in groups)
    found = [(first, {
        "_id": "alert-storm",
        "at": f'at = "{_offset(opened, first)}"',
        "kind": 'kind = "alert_storm"',
        "count": f"count = {min(max(biggest.alerts, 1), MAX_STORM)}",
        "alertname": f"alertname = {_text(biggest.name)}",
        "cause": f"cause = {_text(cause.name if cause else 'CauseNotFoundInTheIncident')}",
    })]  # fmt: skip
    for group in groups:
        if group is biggest or group is cause:
            continue
        found.append((group.first_seen, {
            "_id": "alert",
            "at": f'at = "{_offset(opened, group.first_seen)}"',
            "kind": 'kind = "note"',
            "text": f"text = {_text(f'Alert {group.name} fires ({group.alerts} alerts).')}",
        }))  # fmt: skip
    return found


def _from_events(opened: datetime, events: Sequence[Event]) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []
    status_page_down = False
    for event in events:
        body = event.body
        at = f'at = "{_offset(opened, event.occurred_at)}"'
        if event.kind is Kind.FINDING and str(body.get("text", "")).strip():
            found.append((event.occurred_at, {
                "_id": "finding", "at": at, "kind": 'kind = "finding_revealed"',
                "who": f"who = {_text(event.author)}",
                "text": f"text = {_text(str(body['text']))}",
            }))  # fmt: skip
        elif event.kind is Kind.ROLE and body.get("action") == RoleChange.HANDOFF_OFFERED:
            found.append((event.occurred_at, {
                "_id": "handoff", "at": at, "kind": 'kind = "commander_called_away"',
                "text": f"text = {_text('In the real incident, command changed hands here.')}",
            }))  # fmt: skip
        elif (
            event.kind is Kind.COMMS
            and body.get("action") == "failed"
            and "status" in str(body.get("channel", "")).lower()
            and not status_page_down
        ):
            status_page_down = True
            found.append((event.occurred_at, {
                "_id": "status-page", "at": at, "kind": 'kind = "status_page_down"',
                "text": f"text = {_text(str(body.get('error', '')) or 'It failed here.')}",
            }))  # fmt: skip
    return found
