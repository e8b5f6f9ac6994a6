"""The incident's current state as a fold over its events.

The store keeps this fold in the `incidents` table, written in the same
transaction as each event, and can recompute it from the events alone.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

from commander_app.core.bodies import (
    RoleBody,
    read_incident,
    read_milestone,
    read_role,
    read_severity,
    read_status,
)
from commander_app.core.model import (
    MILESTONE_FIELDS,
    STATE_KINDS,
    Event,
    IncidentState,
    Kind,
    Milestone,
    Role,
    RoleChange,
    Severity,
    Status,
)


def event_key(event: Event) -> str:
    return f"{event.occurred_at}|{event.id}"


def fold(incident_id: str, events: Iterable[Event]) -> IncidentState:
    """Recompute an incident from scratch: story order, corrections replacing originals."""
    ordered = sorted(events, key=lambda e: e.sort_key)
    superseded = {e.supersedes for e in ordered if e.supersedes}
    state = IncidentState(id=incident_id)
    for event in ordered:
        _count(state, event)
        if event.id not in superseded:
            _apply(state, event)
    return state


def changes_state(event: Event) -> bool:
    """Only these events move the incident's fields; a correction may void one that did."""
    return event.kind in STATE_KINDS or event.supersedes is not None


def can_extend(state: IncidentState, event: Event) -> bool:
    """True when appending `event` to a fold equals refolding with it included.

    That holds for the common case, a new entry that is the latest in the
    story. A backfilled entry or a correction needs a refold.
    """
    return event.supersedes is None and event_key(event) > state.last_key


def advance(
    state: IncidentState,
    new_events: Sequence[Event],
    state_events: Iterable[Event] | None = None,
) -> IncidentState:
    """The state after `new_events`, without rereading the whole incident.

    Counters (count, newest times) do not depend on order and are carried
    forward. The fields that do depend on order are recomputed only when a
    new event changes state and cannot simply be applied last; then
    `state_events` must hold every event of the incident (new ones included)
    for which `changes_state` is true.
    """
    if needs_state_events(state, new_events):
        if state_events is None:
            raise ValueError("a backfilled state change needs the incident's state events")
        new_state = fold(state.id, state_events)
        new_state.event_count = state.event_count
        new_state.last_key = state.last_key
        new_state.last_event_at = state.last_event_at
        for event in new_events:
            _count(new_state, event)
        return new_state
    new_state = copy.deepcopy(state)
    for event in sorted(new_events, key=lambda e: e.sort_key):
        _count(new_state, event)
        if changes_state(event):
            _apply(new_state, event)
    return new_state


def needs_state_events(state: IncidentState, new_events: Sequence[Event]) -> bool:
    return any(changes_state(e) for e in new_events) and not all(
        can_extend(state, e) for e in new_events
    )


def _count(state: IncidentState, event: Event) -> None:
    state.event_count += 1
    state.last_key = max(state.last_key, event_key(event))
    if state.last_event_at is None or event.recorded_at > state.last_event_at:
        state.last_event_at = event.recorded_at


def _apply(state: IncidentState, event: Event) -> None:
    if event.kind is Kind.INCIDENT:
        incident = read_incident(event)
        if incident.get("action") == "playbook":
            return  # the rules in force changed; the incident itself did not
        state.title = incident["title"]
        if incident.get("action") == "opened":
            state.severity = Severity(incident["severity"])
            state.is_drill = bool(incident.get("drill", False))
            state.opened_at = event.occurred_at
            commander = incident.get("commander")
            if commander:
                _assign(state, Role.COMMANDER.value, commander)
    elif event.kind is Kind.STATUS:
        new_status = Status(read_status(event)["status"])
        if new_status is Status.RESOLVED:
            if state.resolved_at is None:
                state.resolved_at = event.occurred_at
        elif state.status is Status.RESOLVED:
            state.resolved_at = None  # reopened: the old resolution no longer holds
        state.status = new_status
    elif event.kind is Kind.SEVERITY:
        state.severity = Severity(read_severity(event)["severity"])
    elif event.kind is Kind.MILESTONE:
        milestone = Milestone(read_milestone(event)["milestone"])
        setattr(state, MILESTONE_FIELDS[milestone], event.occurred_at)
    elif event.kind is Kind.ROLE:
        _change_role(state, read_role(event))


def _change_role(state: IncidentState, body: RoleBody) -> None:
    """Command changes hands on an assignment or an accepted handoff, never on an offer."""
    change = body.get("action", RoleChange.ASSIGNED.value)
    person = body["person"]
    if change == RoleChange.HANDOFF_OFFERED:
        state.pending_handoff_to = person
    elif change == RoleChange.HANDOFF_ACCEPTED:
        _assign(state, Role.COMMANDER.value, person)
    elif change in (RoleChange.HANDOFF_DECLINED, RoleChange.HANDOFF_CANCELLED):
        if state.pending_handoff_to == person:
            state.pending_handoff_to = None
    else:
        _assign(state, body["role"], person)


def _assign(state: IncidentState, role: str, person: str) -> None:
    state.roles[role] = person
    if role == Role.COMMANDER.value:
        state.commander = person
        state.pending_handoff_to = None  # whoever holds command now, an older offer is void
    elif role == Role.COMMUNICATOR.value:
        state.communicator = person
