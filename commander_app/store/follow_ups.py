"""Follow-ups in the log: write them as commitments, answer them, and list them across
every incident (from the `follow_ups` projection, never by replaying each board).

Each action writes one event through `IncidentLog.append`, whose refusal the CLI and
the window show in the same words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from commander_app.core.events import clean_name
from commander_app.core.follow_ups import (
    FollowUpRequest,
    FollowUpRow,
    Standing,
    ack_body,
    follow_up_body,
    standing,
    state_body,
)
from commander_app.core.model import (
    Ack,
    Event,
    FollowUpState,
    FollowUpType,
    Kind,
    Priority,
    Severity,
    Status,
)
from commander_app.store import board as board_store
from commander_app.store.follow_ups_projection import FOLLOW_UP_COLUMNS
from commander_app.store.incident_log import IncidentLog

# The action-text check (`core.follow_up_text`), given the text; it returns complaints.
TextCheck = Callable[[str], list[str]]


def _no_complaints(text: str) -> list[str]:
    return []


def add_follow_up(
    log: IncidentLog,
    incident_id: str,
    request: FollowUpRequest,
    *,
    author: str,
    check_text: TextCheck = _no_complaints,
    at: datetime | None = None,
) -> Event:
    """A commitment: due from the severity unless given, offered to its owner."""
    state = log.incident(incident_id)
    written = at or log.clock.now()
    if request.twin:
        symptom = board_store.board(log, incident_id).find_action(request.twin)
        request = replace(request, twin=symptom.id, factor=request.factor or symptom.factor)
    body = follow_up_body(request, state.severity, written, check_text(request.text))
    return log.append(incident_id, Kind.ACTION, body, author=author, at=at)


def answer(
    log: IncidentLog,
    incident_id: str,
    item: str,
    reply: Ack,
    *,
    author: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> Event:
    """The owner accepts or declines the item (entered by whoever is at the keyboard)."""
    action = board_store.board(log, incident_id).find_action(item)
    body = ack_body(action, reply, author, reason)
    return log.append(incident_id, Kind.ACTION, body, author=author, at=at)


def move(
    log: IncidentLog,
    incident_id: str,
    item: str,
    state: FollowUpState,
    *,
    author: str,
    evidence: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> Event:
    """Start, finish (with evidence), drop (won't do, with a reason) or reopen an item."""
    action = board_store.board(log, incident_id).find_action(item)
    body = state_body(action, state, evidence=evidence, reason=reason)
    return log.append(incident_id, Kind.ACTION, body, author=author, at=at)


@dataclass(frozen=True)
class FollowUpFilter:
    owner: str | None = None
    incident_id: str | None = None
    priority: Priority | None = None
    overdue_only: bool = False
    include_closed: bool = False
    include_drills: bool = False


def follow_ups(
    log: IncidentLog, now: datetime, which: FollowUpFilter | None = None
) -> list[FollowUpRow]:
    """Items across incidents, most urgent first: overdue, ownerless, unacknowledged,
    due soon, then the rest by due date. Drills are kept apart unless asked for."""
    which = which or FollowUpFilter()
    conditions, params = ["1 = 1"], []
    if not which.include_closed:
        conditions.append("f.state IN ('open', 'in_progress')")
    if not which.include_drills:
        conditions.append("i.is_drill = 0")
    if which.owner:
        conditions.append("f.owner = ? COLLATE NOCASE")
        params.append(clean_name(which.owner, "owner's name"))
    if which.incident_id:
        conditions.append("f.incident_id = ?")
        params.append(which.incident_id)
    if which.priority:
        conditions.append("f.priority = ?")
        params.append(which.priority.value)
    columns = ", ".join(f"f.{c}" for c in FOLLOW_UP_COLUMNS)
    rows = log.conn.execute(
        f"SELECT {columns}, i.title, i.severity, i.is_drill, i.status FROM follow_ups f "
        f"JOIN incidents i ON i.id = f.incident_id WHERE {' AND '.join(conditions)}",
        params,
    ).fetchall()
    items = [_follow_up(row) for row in rows]
    if which.overdue_only:
        items = [r for r in items if standing(r, now) is Standing.OVERDUE]
    order = list(Standing)
    return sorted(
        items, key=lambda r: (order.index(standing(r, now)), r.due or "9999", r.opened_at, r.id)
    )


def counts(log: IncidentLog, now: datetime) -> dict[Standing, int]:
    """How many open items stand each way (the status bar's count), drills left out."""
    tally: dict[Standing, int] = {}
    for row in follow_ups(log, now):
        tally[standing(row, now)] = tally.get(standing(row, now), 0) + 1
    return tally


_LISTED = (*FOLLOW_UP_COLUMNS, "title", "severity", "is_drill", "status")


def _follow_up(row: tuple[object, ...]) -> FollowUpRow:
    named: dict[str, Any] = dict(zip(_LISTED, row, strict=True))
    return FollowUpRow(
        id=str(named["id"]),
        incident_id=str(named["incident_id"]),
        incident_title=str(named["title"]),
        severity=Severity(named["severity"]),
        is_drill=bool(named["is_drill"]),
        incident_resolved=named["status"] == Status.RESOLVED.value,
        number=str(named["number"]),
        text=str(named["text"]),
        owner=_text(named["owner"]),
        ack=Ack(named["ack"]) if named["ack"] else None,
        state=FollowUpState(named["state"]),
        due=_text(named["due"]),
        priority=Priority(named["priority"]) if named["priority"] else None,
        type=FollowUpType(named["type"]) if named["type"] else None,
        opened_at=str(named["opened_at"]),
        closed_at=_text(named["closed_at"]),
        symptom=bool(named["symptom"]),
        trackers=json.loads(str(named["trackers"] or "{}")),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
