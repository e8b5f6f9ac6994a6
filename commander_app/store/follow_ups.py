"""Follow-ups in the log: write them as commitments, answer them, and list them across
every incident (from the `follow_ups` projection, never by replaying each board).

Each action writes one event through `IncidentLog.append`, whose refusal the CLI and
the window show in the same words.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from commander_app.core.events import clean_name
from commander_app.core.follow_ups import (
    STANDING_RULE,
    URGENCY,
    AckIs,
    Always,
    DueBy,
    FollowUpRequest,
    FollowUpRow,
    NoOwner,
    Standing,
    StandingTest,
    StateIn,
    ack_body,
    follow_up_body,
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
from commander_app.core.postmortem_words import ActionWords
from commander_app.core.times import to_iso
from commander_app.store import board as board_store
from commander_app.store.follow_ups_projection import FOLLOW_UP_COLUMNS
from commander_app.store.incident_filters import incident_filter
from commander_app.store.incident_log import IncidentLog
from commander_app.store.services import named_service_sql

if TYPE_CHECKING:  # the trend's reader loads with the trends, not with the window
    from commander_app.core.follow_up_trends import ItemDates


def add_follow_up(
    log: IncidentLog,
    incident_id: str,
    request: FollowUpRequest,
    *,
    author: str,
    words: ActionWords | None = None,
    at: datetime | None = None,
) -> Event:
    """A commitment: due from the severity unless given, offered to its owner, its text
    checked (`core.follow_up_text`) with the team's words unless `words` are given."""
    from commander_app.core.follow_up_text import action_text_problems
    from commander_app.store.postmortem_words import load_action_words

    state = log.incident(incident_id)
    written = at or log.clock.now()
    if request.twin:
        symptom = board_store.board(log, incident_id).find_action(request.twin)
        request = replace(request, twin=symptom.id, factor=request.factor or symptom.factor)
    problems = action_text_problems(request.text, words or load_action_words())
    body = follow_up_body(request, state.severity, written, problems)
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
    service: str | None = None  # named as affected by one of the incident's updates
    overdue_only: bool = False
    include_closed: bool = False
    include_drills: bool = False


def follow_ups(
    log: IncidentLog,
    now: datetime,
    which: FollowUpFilter | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[FollowUpRow]:
    """Items across incidents, most urgent first: overdue, ownerless, unacknowledged,
    due soon, then the rest by due date. Drills are kept apart unless asked for.

    Sorted and paged by the database (`limit` rows from `offset`), so the window's first
    page of ten thousand items costs a page, not the whole list."""
    where, params = _where(which or FollowUpFilter(), now)
    rank, rank_params = standing_sql(now)
    columns = ", ".join(f"f.{c}" for c in FOLLOW_UP_COLUMNS)
    rows = log.conn.execute(
        f"SELECT {columns}, i.title, i.severity, i.is_drill, i.status FROM follow_ups f "
        f"JOIN incidents i ON i.id = f.incident_id WHERE {where} "
        f"ORDER BY {rank}, COALESCE(f.due, '9999'), f.opened_at, f.id "
        "LIMIT :limit OFFSET :offset",
        {**params, **rank_params, "limit": -1 if limit is None else limit, "offset": offset},
    ).fetchall()
    return [_follow_up(row) for row in rows]


def counts(log: IncidentLog, now: datetime) -> dict[Standing, int]:
    """How many open items stand each way (the status bar's count), drills left out."""
    where, params = _where(FollowUpFilter(), now)
    rank, rank_params = standing_sql(now)
    rows = log.conn.execute(
        f"SELECT {rank} AS urgency, count(*) FROM follow_ups f "
        f"JOIN incidents i ON i.id = f.incident_id WHERE {where} GROUP BY urgency",
        {**params, **rank_params},
    ).fetchall()
    return {URGENCY[urgency]: count for urgency, count in rows}


@dataclass(frozen=True)
class IncidentChoice:
    """An incident that has follow-ups, as the Follow-ups view offers it to filter by."""

    id: str
    title: str
    is_drill: bool


def incidents_with_follow_ups(log: IncidentLog) -> list[IncidentChoice]:
    """Every incident with at least one item, newest first (drills too: chosen by name,
    an incident's items show whatever it was)."""
    rows = log.conn.execute(
        "SELECT i.id, i.title, i.is_drill FROM incidents i "
        "WHERE EXISTS (SELECT 1 FROM follow_ups f WHERE f.incident_id = i.id) "
        "ORDER BY i.opened_at DESC, i.id DESC"
    ).fetchall()
    return [IncidentChoice(str(r[0]), str(r[1]), bool(r[2])) for r in rows]


def owners(log: IncidentLog) -> list[str]:
    """Everyone who has been given an item, for completing the owner filter."""
    rows = log.conn.execute(
        "SELECT DISTINCT owner FROM follow_ups WHERE owner IS NOT NULL ORDER BY owner"
    ).fetchall()
    return [str(r[0]) for r in rows]


def standing_sql(now: datetime) -> tuple[str, dict[str, str]]:
    """`core.follow_ups.STANDING_RULE` as a CASE expression over `follow_ups f` giving each
    row's place in `URGENCY`, with the named parameters it needs. Stored times are one
    fixed-width UTC form, so comparing the text compares the times."""
    params: dict[str, str] = {}
    cases = []
    for result, test in STANDING_RULE:
        cases.append(f"WHEN {_test_sql(test, now, params)} THEN {URGENCY.index(result)}")
    return f"(CASE {' '.join(cases)} END)", params


def _test_sql(test: StandingTest, now: datetime, params: dict[str, str]) -> str:
    match test:
        case StateIn(states):
            return f"f.state IN ({', '.join(_literal(s.value) for s in sorted(states))})"
        case DueBy(ahead, inclusive):
            name = f"due_by_{len(params)}"
            params[name] = to_iso(now + ahead)
            return f"(f.due IS NOT NULL AND f.due {'<=' if inclusive else '<'} :{name})"
        case NoOwner():
            return f"(f.owner IS NULL OR f.owner = '' OR f.ack = {_literal(Ack.DECLINED.value)})"
        case AckIs(ack):
            return f"f.ack = {_literal(ack.value)}"
        case Always():
            return "1"
    raise AssertionError(test)  # pragma: no cover - every test is matched above


def _literal(word: str) -> str:
    """A vocabulary word as an SQL string (never a person's text: those are parameters)."""
    return "'" + word.replace("'", "''") + "'"


def _where(which: FollowUpFilter, now: datetime) -> tuple[str, dict[str, object]]:
    conditions = ["1 = 1"]
    params: dict[str, object] = {}
    if not which.include_closed:
        # Word for word the partial index's condition, so the open items are read from it.
        conditions.append("f.state IN ('open', 'in_progress')")
    if not which.include_drills:
        conditions.append("i.is_drill = 0")
    if which.owner:
        conditions.append("f.owner = :owner COLLATE NOCASE")
        params["owner"] = clean_name(which.owner, "owner's name")
    if which.incident_id:
        conditions.append("f.incident_id = :incident_id")
        params["incident_id"] = which.incident_id
    if which.priority:
        conditions.append("f.priority = :priority")
        params["priority"] = which.priority.value
    if which.service and which.service.strip():
        conditions.append(named_service_sql("f.incident_id", "service"))
        params["service"] = which.service.strip()
    if which.overdue_only:
        rank, rank_params = standing_sql(now)
        conditions.append(f"{rank} = {URGENCY.index(Standing.OVERDUE)}")
        params.update(rank_params)
    return " AND ".join(conditions), params


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


def item_dates(
    log: IncidentLog,
    *,
    severities: Sequence[Severity] = (),
    service: str | None = None,
    drills: bool = False,
) -> list[ItemDates]:
    """When each item was written, is due and was closed, for the completion trend: real
    incidents' items, or drills' when `drills` (never both together), of these
    severities and of incidents whose updates named the service."""
    from commander_app.core.follow_up_trends import ItemDates

    conditions, params = incident_filter("i", severities=severities, service=service, drills=drills)
    rows = log.conn.execute(
        "SELECT f.id, f.incident_id, f.opened_at, f.due, f.state, f.closed_at "
        "FROM follow_ups f JOIN incidents i ON i.id = f.incident_id "
        f"WHERE {' AND '.join(conditions)} ORDER BY f.opened_at, f.id",
        params,
    ).fetchall()
    return [
        ItemDates(str(r[0]), str(r[1]), str(r[2]), _text(r[3]), FollowUpState(r[4]), _text(r[5]))
        for r in rows
    ]
