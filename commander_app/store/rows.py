"""Converting between table rows and the core's Event and IncidentState."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from commander_app.core.chain import ChainLink
from commander_app.core.model import (
    BOARD_KINDS,
    ROLLBACK_KINDS,
    STATE_KINDS,
    TEXT_KINDS,
    Event,
    IncidentState,
    Kind,
    Severity,
    Status,
)
from commander_app.store.errors import StoredValueError

EVENT_COLUMNS = (
    "id, incident_id, kind, body, author, device_id, occurred_at, recorded_at, supersedes"
)
# What the board, checklist and register folds read of an event (`EntryRow`); `seq` is
# the order it was recorded in this log, which the board's item numbers come from.
ENTRY_COLUMNS = "id, kind, body, author, occurred_at, supersedes, seq"
# The events that can move an incident's fields; the partial index `events_state`
# is declared with exactly this condition, so SQLite uses it for this filter.
STATE_EVENTS_SQL = (
    "kind IN ("
    + ", ".join(f"'{k.value}'" for k in sorted(STATE_KINDS))
    + ") OR supersedes IS NOT NULL"
)
# The events the board is folded from, with any correction (it may void a board entry);
# the partial index `events_board` is declared with exactly this condition.
BOARD_EVENTS_SQL = (
    "kind IN ("
    + ", ".join(f"'{k.value}'" for k in sorted(BOARD_KINDS))
    + ") OR supersedes IS NOT NULL"
)
# The events the update cadence is derived from, with any correction (it may void a
# send), read on every tick of the countdown. A partial index declared with exactly
# this condition would serve that read.
CADENCE_EVENTS_SQL = (
    f"kind IN ('{Kind.COMMS.value}', '{Kind.SEVERITY.value}') OR supersedes IS NOT NULL"
)
# The events the rollback panel reads (decisions, checklist ticks, production changes),
# with any correction; the partial index `events_rollback` has exactly this condition.
ROLLBACK_EVENTS_SQL = (
    "kind IN ("
    + ", ".join(f"'{k.value}'" for k in sorted(ROLLBACK_KINDS))
    + ") OR supersedes IS NOT NULL"
)
INCIDENT_COLUMNS = (
    "id",
    "title",
    "severity",
    "status",
    "is_drill",
    "commander",
    "communicator",
    "roles",
    "pending_handoff_to",
    "opened_at",
    "impact_started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "last_event_at",
    "event_count",
    "last_key",
)


_KINDS = {kind.value: kind for kind in Kind}
# Kinds whose body is read by its text: a record whose "text" a flipped byte renamed is
# damage to tell, not a KeyError in a fold far from the read.
_TEXTED = frozenset((*TEXT_KINDS, Kind.COMMS, Kind.CHECKLIST, Kind.DIVERGENCE))
# The kinds the kept figures (`store.incident_figures`) read beside the board and the
# incident row: a write of any other kind (a note, a finding: most) leaves them as they are.
FIGURE_KINDS = frozenset(
    {
        Kind.INCIDENT,
        Kind.STATUS,
        Kind.MILESTONE,
        Kind.HYPOTHESIS,
        Kind.DECISION,
        Kind.COMMS,
        Kind.CHECKLIST,
        Kind.ROLE,
    }
)
# The one form every stored time has (`core.times.to_iso`): a byte changed in one is met
# here, told as damage, not later as "not an ISO-8601 time" from whatever parses it.
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_TWO_TIMES = re.compile(_TIME.pattern * 2)
_JSON = json.JSONDecoder()  # what json.loads uses: the same defaults


def row_to_event(row: Sequence[Any]) -> Event:
    """Hot path of every timeline page: a dict lookup, one JSON decode, one tuple, and
    a look at the types (a damaged record can hand over bytes where text was written)."""
    try:
        event = Event(
            row[0],
            row[1],
            _KINDS[row[2]],
            decode_body(row[3]),
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
        )
    except (KeyError, StoredValueError):
        raise StoredValueError(_undecodable_event(row)) from None
    if (
        not (
            str
            is type(row[0])
            is type(row[1])
            is type(row[4])
            is type(row[5])
            is type(row[6])
            is type(row[7])
        )
        or (row[8] is not None and type(row[8]) is not str)
        or not _TWO_TIMES.fullmatch(row[6] + row[7])
        or (event.kind in _TEXTED and type(event.body.get("text")) is not str)
    ):
        raise StoredValueError(_undecodable_event(row))
    return event


def _undecodable_event(row: Sequence[Any]) -> str:
    """Which entry of which incident cannot be read, and why (the slow path)."""
    names = [c.strip() for c in EVENT_COLUMNS.split(",")]
    return _entry_words(row[0], row[1]) + _why(dict(zip(names, row, strict=True)))


_COLUMN_WORDS = {"chain_prev": "link to the entry before it", "chain_hash": "link"}


def _entry_words(event_id: object, incident_id: object) -> str:
    entry = f"entry {event_id}" if type(event_id) is str else "an entry"
    incident = f" of incident {incident_id}" if type(incident_id) is str else ""
    return f"{entry}{incident} cannot be read: "


def _why(values: dict[str, Any]) -> str:
    """The first stored value of an event row that is not as Commander writes it."""
    for name, value in values.items():
        if name == "kind" and value not in _KINDS:
            return f"its kind {value!r} is not one Commander knows"
        if name == "body":
            try:
                body = decode_body(value)
            except StoredValueError as exc:
                return str(exc)
            if _KINDS.get(values.get("kind", "")) in _TEXTED and type(body.get("text")) is not str:
                return "its body has lost the text it was written with"
        elif name == "seq":
            if type(value) is not int:
                return f"its place in the log is {value!r}, not a number"
        elif value is None and name in ("supersedes", "chain_prev"):
            continue
        elif type(value) is not str:
            what = _COLUMN_WORDS.get(name, name.replace("_", " "))
            return f"its {what} is stored as {type(value).__name__}, not text"
        elif name in ("occurred_at", "recorded_at") and not _TIME.fullmatch(value):
            return f"its time {value!r} is not a time as Commander writes it"
    return "a stored value is not as Commander writes it"


class EntryRow(NamedTuple):
    """An event as the folds read it (`core.model.Entry`). A long incident's board is
    read from 4,000 of them; the columns an Event has besides cost a sixth of that read."""

    id: str
    kind: Kind
    body: dict[str, Any]
    author: str
    occurred_at: str
    supersedes: str | None
    seq: int  # the order it was recorded in this log


def row_to_link(row: Sequence[Any]) -> tuple[str, ChainLink]:
    """A row of (id, chain_prev, chain_hash): an event's id and its link in the chain."""
    if type(row[0]) is str and type(row[2]) is str and (row[1] is None or type(row[1]) is str):
        return row[0], ChainLink(row[1], row[2])
    raise StoredValueError(
        _entry_words(row[0], None) + _why({"chain_prev": row[1], "chain_hash": row[2]})
    )


def recorded_order(entries: Sequence[EntryRow]) -> dict[str, int]:
    """Each entry's place in the log's recorded order, as `fold_board` numbers items."""
    return {e.id: e.seq for e in entries}


def row_to_entry(row: Sequence[Any]) -> EntryRow:
    """A row of ENTRY_COLUMNS, decoded (and checked) as `row_to_event` decodes those columns."""
    try:
        entry = EntryRow(
            row[0], _KINDS[row[1]], decode_body(row[2]), row[3], row[4], row[5], row[6]
        )
    except (KeyError, StoredValueError):
        raise StoredValueError(_undecodable_entry(row)) from None
    if (
        not (str is type(row[0]) is type(row[3]) is type(row[4]))
        or (row[5] is not None and type(row[5]) is not str)
        or not _TIME.fullmatch(row[4])
        or (entry.kind in _TEXTED and type(entry.body.get("text")) is not str)
    ):
        raise StoredValueError(_undecodable_entry(row))
    return entry


def _undecodable_entry(row: Sequence[Any]) -> str:
    names = [c.strip() for c in ENTRY_COLUMNS.split(",")]
    return _entry_words(row[0], None) + _why(dict(zip(names, row, strict=True)))


def decode_body(text: str) -> dict[str, Any]:
    """`json.loads(text)` without its per-call cost (two regex scans for whitespace around
    the document: twice the parse itself for the small bodies of a long incident's board).
    A stored body is one bare JSON object, which `raw_decode` reads whole; anything else
    (whitespace, more after it) goes to `json.loads`, which gives the same value. What is
    no JSON object at all was not written by Commander: `StoredValueError`."""
    body: dict[str, Any]
    try:
        body, end = _JSON.raw_decode(text)
        whole = end == len(text) and type(body) is dict
    except (TypeError, ValueError):
        whole = False
    if whole:
        return body
    if type(text) is not str:
        raise StoredValueError(f"its body is stored as {type(text).__name__}, not text")
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise StoredValueError(f"its body is not JSON ({exc})") from None
    if type(body) is not dict:
        raise StoredValueError(f"its body is JSON but no object ({type(body).__name__})")
    return body


def state_to_row(state: IncidentState) -> dict[str, Any]:
    row = state.to_dict()
    row["is_drill"] = int(state.is_drill)
    row["roles"] = json.dumps(state.roles, sort_keys=True, ensure_ascii=False)
    row["last_key"] = state.last_key
    return {name: row[name] for name in INCIDENT_COLUMNS}


def row_to_state(row: Sequence[Any]) -> IncidentState:
    """A row of the incidents projection; a value Commander never writes there (an unknown
    severity, roles that are no JSON object, bytes for text) is `StoredValueError`."""
    data = dict(zip(INCIDENT_COLUMNS, row, strict=True))
    try:
        severity = Severity(data["severity"])
        status = Status(data["status"])
        roles = json.loads(data["roles"]) if type(data["roles"]) is str else None
    except ValueError:
        raise StoredValueError(_undecodable_state(data)) from None
    if (
        type(roles) is not dict
        or not all(type(v) is str for v in roles.values())
        or any(type(data[name]) is not kind for name, kind in _STATE_TYPES)
        or any(data[name] is not None and type(data[name]) is not str for name in _OPTIONAL)
    ):
        raise StoredValueError(_undecodable_state(data))
    return IncidentState(
        id=data["id"],
        title=data["title"],
        severity=severity,
        status=status,
        is_drill=bool(data["is_drill"]),
        commander=data["commander"],
        communicator=data["communicator"],
        roles=roles,
        pending_handoff_to=data["pending_handoff_to"],
        opened_at=data["opened_at"],
        impact_started_at=data["impact_started_at"],
        detected_at=data["detected_at"],
        mitigated_at=data["mitigated_at"],
        resolved_at=data["resolved_at"],
        last_event_at=data["last_event_at"],
        event_count=data["event_count"],
        last_key=data["last_key"],
    )


_STATE_TYPES = (
    ("id", str),
    ("title", str),
    ("is_drill", int),
    ("event_count", int),
    ("last_key", str),
)
_OPTIONAL = tuple(
    name
    for name in INCIDENT_COLUMNS
    if name not in {"severity", "status", "roles"} | {name for name, _ in _STATE_TYPES}
)


def _undecodable_state(data: dict[str, Any]) -> str:
    """Which incident's stored state cannot be read, and why (the slow path)."""
    incident = data["id"]
    who = f"the stored state of incident {incident}" if type(incident) is str else "an incident"
    for name in ("severity", "status"):
        try:
            (Severity if name == "severity" else Status)(data[name])
        except ValueError:
            return f"{who} cannot be read: its {name} {data[name]!r} is not one Commander knows"
    try:
        roles = json.loads(data["roles"])
    except (TypeError, ValueError):
        return f"{who} cannot be read: its roles are not JSON"
    if type(roles) is not dict or not all(type(v) is str for v in roles.values()):
        return f"{who} cannot be read: its roles are not names by role"
    for name, kind in _STATE_TYPES:
        if type(data[name]) is not kind:
            return f"{who} cannot be read: its {name.replace('_', ' ')} is {data[name]!r}"
    for name in _OPTIONAL:
        if data[name] is not None and type(data[name]) is not str:
            return f"{who} cannot be read: its {name.replace('_', ' ')} is {data[name]!r}"
    return f"{who} cannot be read"
