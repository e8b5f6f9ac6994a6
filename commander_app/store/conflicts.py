"""Conflicts between laptops' logs of one incident: read them, and settle one.

Reading folds only the events a conflict can come from (role assignments, changes and
decisions written with `seen`, sent updates naming their remote incident, settlements),
each read through a partial index, so the window can ask for the count whenever the
incident's events change. Settling is one transaction: the conflict event, and the event that
makes the kept side the incident's state where the state must change (the kept person
assigned again, the kept change of an action item written again); for a status page,
the kept remote incident becomes this laptop's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commander_app.core.conflict_bodies import settle_body
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.model import CLOSED, Event, FollowUpState, Kind
from commander_app.core.times import to_iso
from commander_app.store import board as board_store
from commander_app.store.database import decoded, write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import (
    BOARD_EVENTS_SQL,
    CADENCE_EVENTS_SQL,
    EVENT_COLUMNS,
    STATE_EVENTS_SQL,
    row_to_event,
)

if TYPE_CHECKING:  # the fold loads when an incident was written on two laptops
    from commander_app.core.board import Action
    from commander_app.core.sync_conflicts import Conflict, Side

# The events a conflict can come from, each read through a partial index: those written
# knowing what their log held (`seen`, present even when None), and sent updates naming
# their remote incident.
_CANDIDATES = (
    f"({STATE_EVENTS_SQL}) AND kind = 'role' AND json_type(body, '$.seen') IS NOT NULL",
    f"({BOARD_EVENTS_SQL}) AND kind IN ('action', 'decision') "
    "AND json_type(body, '$.seen') IS NOT NULL",
    f"({CADENCE_EVENTS_SQL}) AND kind = 'comms' "
    "AND json_extract(body, '$.remote_incident_id') IS NOT NULL",
)


def conflicts(log: IncidentLog, incident_id: str) -> list[Conflict]:
    """The incident's unsettled conflicts, oldest first. The settlements (no index serves
    their kind) are read only when there is a conflict they could settle."""
    from commander_app.core.sync_conflicts import find_conflicts

    candidates = _candidates(log, incident_id)
    found = find_conflicts(candidates)
    if not found:
        return found
    return find_conflicts([*candidates, *_settlements(log, incident_id)])


def count(log: IncidentLog, incident_id: str) -> int:
    """How many conflicts wait to be settled: for the status bar, on every change of the
    incident. An incident written on one laptop only (two index lookups) has none."""
    if not written_on_two_laptops(log, incident_id):
        return 0
    return len(conflicts(log, incident_id))


def written_on_two_laptops(log: IncidentLog, incident_id: str) -> bool:
    """Two seeks in `events_chain` (incident, device). Every event a conflict can come from
    (with `seen`, or a sent update's remote incident) is written by a Commander that chains
    its events, so the unchained events of an older one need not be looked at."""
    chained = "FROM events WHERE incident_id = ? AND chain_hash IS NOT NULL"
    (first,) = log.conn.execute(f"SELECT min(device_id) {chained}", [incident_id]).fetchone()
    (last,) = log.conn.execute(f"SELECT max(device_id) {chained}", [incident_id]).fetchone()
    return first is not None and first != last


def _candidates(log: IncidentLog, incident_id: str) -> list[Event]:
    """The candidates, and the action items their changes name (for the items' words)."""
    found: list[Event] = []
    for condition in _CANDIDATES:
        found += decoded(
            log.conn,
            row_to_event,
            f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND {condition}",
            [incident_id],
        )
    have = {e.id for e in found}
    refs = {str(e.body["ref"]) for e in found if e.kind is Kind.ACTION and e.body.get("ref")}
    items = sorted(refs - have)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        found += decoded(
            log.conn,
            row_to_event,
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
    return found


def _settlements(log: IncidentLog, incident_id: str) -> list[Event]:
    return decoded(
        log.conn,
        row_to_event,
        f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND kind = 'conflict'",
        [incident_id],
    )


def find(found: list[Conflict], key: str) -> Conflict:
    """A conflict by its key, or by an unambiguous start of it."""
    wanted = key.strip().lower()
    exact = [c for c in found if c.key == wanted]
    matches = exact or [c for c in found if wanted and c.key.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        keys = ", ".join(c.key for c in found) or "none"
        raise NotFoundError(
            f"There is no conflict '{key}' waiting in this incident (waiting: {keys}); "
            "it may be settled already."
        )
    raise ValidationError(f"'{key}' starts more than one conflict's key: type more of it.")


def settle(
    log: IncidentLog,
    incident_id: str,
    key: str,
    keep: str,
    *,
    author: str,
    reason: str | None = None,
) -> Event:
    """Keep one side of a conflict; returns the conflict event written."""
    from commander_app.core.sync_conflicts import ConflictKind

    with write_transaction(log.conn):
        conflict = find(conflicts(log, incident_id), key)
        side = conflict.side(keep)
        if side is None:
            choices = ", ".join(f"{s.event_id} ({s.says})" for s in conflict.sides)
            raise ValidationError(f"Keep one of the conflict's sides: {choices}.")
        others = [s for s in conflict.sides if s is not side]
        channel = remote = None
        if conflict.kind is ConflictKind.ROLE:
            text = _keep_holder(log, incident_id, conflict, side, author)
        elif conflict.kind is ConflictKind.ACTION:
            text = _keep_change(log, incident_id, conflict, side, author)
        elif conflict.kind is ConflictKind.STATUS_PAGE:
            channel = conflict.channel
            remote = conflict.remote_ids[conflict.sides.index(side)]
            text = _keep_remote(log, incident_id, conflict, remote, others)
        else:
            text = (
                f"Conflict settled: {side.says} stands as the decision of record; "
                + " and ".join(f"{s.says} ({s.author} on {s.device_id})" for s in others)
                + " does not."
            )
        body = settle_body(
            conflict.key, side.event_id, text, reason=reason, channel=channel,
            remote_incident_id=remote,
        )  # fmt: skip
        return log.append_in_transaction(incident_id, Kind.CONFLICT, body, author=author)


def _keep_holder(
    log: IncidentLog, incident_id: str, conflict: Conflict, side: Side, author: str
) -> str:
    role = str(conflict.role)
    person = str(_body(log, side.event_id)["person"])
    if log.incident(incident_id).roles.get(role) != person:
        log.append_in_transaction(
            incident_id, Kind.ROLE, {"role": role, "person": person}, author=author
        )
    return f"Conflict settled: {person} is the {role.replace('_', ' ')}."


def _keep_change(
    log: IncidentLog, incident_id: str, conflict: Conflict, side: Side, author: str
) -> str:
    item = str(conflict.item)
    action = board_store.board(log, incident_id).action(item)
    kept = _body(log, side.event_id)
    if action is not None:
        change = _restated(action, kept)
        if change is not None:
            log.append_in_transaction(incident_id, Kind.ACTION, change, author=author)
    return f"Conflict settled: the action item's change that stands: {side.says}."


def _restated(action: Action, kept: dict[str, Any]) -> dict[str, Any] | None:
    """The change that makes the item what the kept side made it, or None if it is."""
    from commander_app.core.sync_conflicts import action_effect

    effect = action_effect(kept)
    change: dict[str, Any] = {"ref": action.id}
    state = effect.get("state")
    if state is None and action.state in CLOSED and ("owner" in effect or "due" in effect):
        state = FollowUpState.OPEN.value  # the other side closed what this one changed
    if state is not None and state != action.state.value:
        change["state"] = state
        if state == FollowUpState.DONE.value:
            change["done"] = True
        elif action.done:
            change["done"] = False
        for name in ("evidence", "reason"):
            if kept.get(name):
                change[name] = kept[name]
    if "owner" in effect and effect["owner"] != action.owner:
        change["owner"] = effect["owner"]
    if "due" in effect and effect["due"] != action.due:
        change["due"] = effect["due"]
    if len(change) == 1:
        return None
    change["text"] = f"Kept after a conflict between laptops: {kept.get('text', '')}"
    return change


def _keep_remote(
    log: IncidentLog, incident_id: str, conflict: Conflict, remote: str, others: list[Side]
) -> str:
    log.conn.execute(
        "INSERT OR REPLACE INTO remote_incidents (channel, incident_id, remote_id, recorded_at) "
        "VALUES (?, ?, ?, ?)",
        [conflict.channel, incident_id, remote, to_iso(log.clock.now())],
    )
    dropped = ", ".join(conflict.remote_ids[conflict.sides.index(s)] for s in others)
    return (
        f"Conflict settled: updates on {conflict.channel} amend remote incident {remote}; "
        f"resolve {dropped} on the status page by hand."
    )


def _body(log: IncidentLog, event_id: str) -> dict[str, Any]:
    return log.event(event_id).body
