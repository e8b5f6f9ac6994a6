"""Writing what the team database sent into this log: checked like an import, per event.

The team database is a remote: every row is untrusted. Each is read as an import reads a
bundle's event (`core.bundle.parse_event`: kind, body, names, times, ids), and checked
against this log and its own chain link. Unlike an import, one bad event does not stop
the others: it is kept in `team_refused` with the reason (the window shows it) and the
pull goes on, so one laptop with a damaged log cannot stall the whole team.

The events, the rows marking them as pulled, and the pull cursor commit together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from commander_app.core.bodies import read_incident
from commander_app.core.bundle import parse_event
from commander_app.core.chain import ChainLink, Predecessor, broken_link, parse_link
from commander_app.core.errors import ValidationError
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store import remote_incident_events, team_state
from commander_app.store.database import write_transaction
from commander_app.store.rows import EVENT_COLUMNS, row_to_event

if TYPE_CHECKING:
    from commander_app.store.incident_log import IncidentLog

__all__ = ["MAX_FIELD", "PullResult", "PulledRow", "apply"]

# No field of a real event comes near this (a body is at most 64,000 characters).
MAX_FIELD = 256_000
MAX_HELD = 20_000  # events kept waiting for another, at most


@dataclass(frozen=True)
class PulledRow:
    """One row of the team database's events, as it arrived."""

    values: tuple[Any, ...]  # in `team_state.PUSH_COLUMNS` order


@dataclass
class PullResult:
    added: int = 0
    refused: int = 0
    held: int = 0  # events waiting for one that has not arrived
    incidents: set[str] = field(default_factory=set)  # incidents that got new events


def apply(
    log: IncidentLog,
    rows: Sequence[tuple[Any, ...]],
    cursor: tuple[str, str] | None,
    *,
    skip: Iterable[str] = (),
    cursor_key: str = "pull_cursor",
) -> PullResult:
    """Write the new events among `rows` (and those held before that now have what they
    need) and move the pull cursor to `cursor`.

    `skip`: incidents this laptop keeps to itself; their events are passed over."""
    skipped = set(skip)
    result = PullResult()
    with write_transaction(log.conn):
        held = _held(log)
        parsed, raw, refused = _parse([*held.values(), *rows], skipped)
        fresh, waiting = _fresh(log, parsed, refused)
        if fresh:
            events = [e for e, _ in fresh]
            before = log.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
            log.insert_events(events, {e.id: link for e, link in fresh if link is not None})
            after = log.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
            team_state.mark_pulled(log, int(before) + 1, int(after))
            # A status-page incident another laptop made: this laptop's updates amend it.
            remote_incident_events.adopt(log.conn, events)
            for incident_id in dict.fromkeys(e.incident_id for e in events):
                mine = [e for e in events if e.incident_id == incident_id]
                log.update_projection(incident_id, mine)
                result.incidents.add(incident_id)
            result.added = len(events)
        # The team's incidents are shared here too, those this log had already included.
        for incident_id in dict.fromkeys(e.incident_id for e, _ in parsed):
            team_state.adopt_team_incident(log, incident_id)
        waiting_ids = {e.id for e, _ in waiting}
        done = [i for i in held if i not in waiting_ids]
        _forget_held(log, done)
        refused.extend(
            _hold(log, [(e, need, raw[e.id]) for e, need in waiting if e.id not in held])
        )
        if refused:
            team_state.record_refused(log, refused)
            result.refused = len(refused)
        result.held = len(waiting)
        if cursor is not None:
            team_state.set_state(log, cursor_key, json.dumps(list(cursor)))
    return result


def _held(log: IncidentLog) -> dict[str, tuple[Any, ...]]:
    return {
        event_id: tuple(json.loads(row))
        for event_id, row in log.conn.execute("SELECT event_id, row FROM team_held")
    }


def _forget_held(log: IncidentLog, ids: list[str]) -> None:
    log.conn.executemany("DELETE FROM team_held WHERE event_id = ?", [(i,) for i in ids])


def _hold(
    log: IncidentLog, waiting: list[tuple[Event, str, tuple[Any, ...]]]
) -> list[tuple[str, str, str, str]]:
    """Keep events that wait for something; past MAX_HELD, refuse them instead (a remote
    sending endless orphans must not make every pull reread them)."""
    (count,) = log.conn.execute("SELECT count(*) FROM team_held").fetchone()
    room = max(0, MAX_HELD - int(count))
    now = to_iso(log.clock.now())
    log.conn.executemany(
        "INSERT INTO team_held (event_id, incident_id, row, needs, held_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
        [(e.id, e.incident_id, json.dumps(list(values)), need, now)
         for e, need, values in waiting[:room]],
    )  # fmt: skip
    return [
        (e.id, e.incident_id, e.device_id, f"it waited for {need}, which never came")
        for e, need, _ in waiting[room:]
    ]


def held_count(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM team_held").fetchone()[0])


def _parse(
    rows: Sequence[tuple[Any, ...]], skipped: set[str]
) -> tuple[
    list[tuple[Event, ChainLink | None]],
    dict[str, tuple[Any, ...]],
    list[tuple[str, str, str, str]],
]:
    parsed: list[tuple[Event, ChainLink | None]] = []
    raw_rows: dict[str, tuple[Any, ...]] = {}
    refused: list[tuple[str, str, str, str]] = []
    for values in rows:
        if len(values) != len(team_state.PUSH_COLUMNS):
            continue  # not a row of events: nothing to name it by
        raw = dict(zip(team_state.PUSH_COLUMNS, values, strict=True))
        incident_id = _short(raw.get("incident_id"))
        if incident_id in skipped:
            continue
        try:
            event, link = _read(raw)
        except (ValidationError, ValueError) as problem:
            refused.append(
                (_short(raw.get("id")), incident_id, _short(raw.get("device_id")), str(problem))
            )
            continue
        parsed.append((event, link))
        raw_rows[event.id] = tuple(values)
    return parsed, raw_rows, refused


def _read(raw: dict[str, Any]) -> tuple[Event, ChainLink | None]:
    for name, value in raw.items():
        if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
            raise ValidationError(f"its {name} is not text of a sensible length.")
    body_text = raw.pop("body")
    try:
        raw["body"] = json.loads(body_text)
    except (TypeError, ValueError, RecursionError):
        raise ValidationError("its body is not valid JSON.") from None
    prev, digest = raw.pop("chain_prev"), raw.pop("chain_hash")
    link = parse_link(None if digest is None else {"prev": prev, "hash": digest})
    return parse_event(raw, str(raw.get("incident_id"))), link


def _short(value: object) -> str:
    """An id as it can be shown and stored, whatever the remote sent."""
    return value[:100] if isinstance(value, str) else "?"


def _fresh(
    log: IncidentLog,
    parsed: list[tuple[Event, ChainLink | None]],
    refused: list[tuple[str, str, str, str]],
) -> tuple[list[tuple[Event, ChainLink | None]], list[tuple[Event, str]]]:
    """The events this log lacks that pass its checks, and those still waiting for
    something (with what); the others refused with why.

    Order does not matter: rows of one transaction, or of two laptops that pushed the same
    chain, may arrive in any order. Each pass takes what has all it needs, until a pass
    takes nothing; the rest is held."""
    existing = _existing(log, [e.id for e, _ in parsed])
    predecessors = log.predecessors(
        link.prev for _, link in parsed if link is not None and link.prev
    )
    known_incidents = _known_incidents(log, {e.incident_id for e, _ in parsed})
    taken: dict[str, Event] = {}
    fresh: list[tuple[Event, ChainLink | None]] = []
    pending: list[tuple[Event, ChainLink | None]] = []
    seen: set[str] = set()
    for event, link in parsed:
        if event.id in seen:
            continue  # the same event twice in one answer
        seen.add(event.id)
        known = existing.get(event.id)
        if known is None:
            pending.append((event, link))
        elif known != event:
            refused.append((event.id, event.incident_id, event.device_id,
                            "it differs from the event with the same id in this log"))  # fmt: skip

    def needs(event: Event, link: ChainLink | None) -> str | None:
        if event.incident_id not in known_incidents and not _opening(event):
            return "its incident's opening"
        if event.supersedes is not None and event.supersedes not in taken:
            target = existing.get(event.supersedes)
            if target is None and _incident_of(log, event.supersedes) is None:
                return "the entry it corrects"
        if link is not None and link.prev is not None and link.prev not in predecessors:
            return "the entry before it in its chain"
        return None

    progress = True
    while pending and progress:
        progress = False
        waiting: list[tuple[Event, ChainLink | None]] = []
        for event, link in pending:
            if needs(event, link) is not None:
                waiting.append((event, link))
                continue
            problem = _problem(log, event, link, predecessors, taken, existing)
            if problem is not None:
                refused.append((event.id, event.incident_id, event.device_id, problem))
                continue
            if link is not None:
                predecessors[event.id] = Predecessor(event.incident_id, event.device_id, link.hash)
            known_incidents.add(event.incident_id)
            taken[event.id] = event
            fresh.append((event, link))
            progress = True
        pending = waiting
    return fresh, [(e, needs(e, link) or "") for e, link in pending]


def _known_incidents(log: IncidentLog, ids: set[str]) -> set[str]:
    """Which of the batch's incidents this log has (a batch names one or a few)."""
    wanted = sorted(ids)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = log.conn.execute(
            f"SELECT id FROM incidents WHERE id IN ({','.join('?' * len(chunk))})", chunk
        )
        found.update(r[0] for r in rows)
    return found


def _opening(event: Event) -> bool:
    return event.kind is Kind.INCIDENT and read_incident(event).get("action") == "opened"


def _problem(
    log: IncidentLog,
    event: Event,
    link: ChainLink | None,
    predecessors: dict[str, Predecessor],
    taken: dict[str, Event],
    existing: dict[str, Event],
) -> str | None:
    """Why this log refuses an event that has all it needs, or None."""
    if event.supersedes is not None:
        target = taken.get(event.supersedes) or existing.get(event.supersedes)
        incident = target.incident_id if target else _incident_of(log, event.supersedes)
        if incident != event.incident_id:
            return "it corrects an entry of another incident"
    if link is not None:
        return broken_link(event, link, predecessors)
    return None


def _incident_of(log: IncidentLog, event_id: str) -> str | None:
    row = log.conn.execute("SELECT incident_id FROM events WHERE id = ?", [event_id]).fetchone()
    return None if row is None else str(row[0])


def _existing(log: IncidentLog, ids: list[str]) -> dict[str, Event]:
    found: dict[str, Event] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = log.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            event = row_to_event(row)
            found[event.id] = event
    return found
