"""`commander check`: is the file sound, the index complete, the projection true, the
append-only protection in place and every chained entry as it was written?"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from commander_app.core import projection
from commander_app.core.chain import ChainLink, Predecessor, broken_link
from commander_app.store import follow_ups_projection, incident_figures
from commander_app.store.database import decoded
from commander_app.store.errors import DamagedDatabaseError
from commander_app.store.faults import damaged_error
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import EVENT_COLUMNS, INCIDENT_COLUMNS, row_to_event, row_to_state
from commander_app.store.stored_values import UnreadableRows, unreadable_rows

# What each shipped trigger on `events` is for, in the words a problem is told in.
_TRIGGER_PURPOSE = {
    "events_no_update": "stops entries from being changed",
    "events_no_delete": "stops entries from being deleted",
    "events_fts_insert": "indexes new entries for search",
}


@dataclass
class LogReport:
    """What `check` found: problems (the log is not as Commander wrote it) and notes
    (facts worth saying that are no alarm, such as entries older than the chain)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_log(log: IncidentLog) -> list[str]:
    """Problems found, in words; an empty list means all is well."""
    return inspect_log(log).problems


def inspect_log(log: IncidentLog) -> LogReport:
    report = LogReport()
    try:
        _inspect(log, report)
    except DamagedDatabaseError as exc:  # a page SQLite itself cannot read: no further
        report.problems.append(str(exc))
    return report


def _inspect(log: IncidentLog, report: LogReport) -> None:
    # The full check: quick_check (run on open) does not compare the indexes with the rows.
    rows = log.conn.execute("PRAGMA integrity_check").fetchall()
    damage = []
    if [r[0] for r in rows] != ["ok"]:
        report.problems.append("integrity check failed: " + "; ".join(str(r[0]) for r in rows[:5]))
        damage.append("SQLite's integrity check failed")
    for table in ("events_fts", "incidents_fts"):
        try:
            log.conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
        except (sqlite3.DatabaseError, DamagedDatabaseError) as exc:
            detail = exc.__cause__ if isinstance(exc, DamagedDatabaseError) else exc
            report.problems.append(f"the search index {table} is out of step ({detail})")
    report.problems += trigger_problems(log.conn)
    log.conn.execute("BEGIN")  # one snapshot: entries written meanwhile are not problems
    try:
        unreadable = unreadable_rows(log.conn)
        report.problems += unreadable.problems()
        skip = _Skip.of(unreadable)
        report.problems += _projection_problems(log, skip)
        _check_chains(log.conn, report, skip)
    finally:
        log.conn.execute("ROLLBACK")
    if unreadable.entries:
        damage.append(f"{len(unreadable.entries)} of its entries cannot be read")
    if damage:
        report.problems.append(str(damaged_error(log.path, log.backups, "; ".join(damage))))


@dataclass(frozen=True)
class _Skip:
    """What the projection and chain checks leave out: rows already named as unreadable
    (their incidents' states and chains cannot be checked without them). As JSON arrays,
    one parameter each, however many there are."""

    seqs: str
    incidents: str
    state_rowids: str

    @classmethod
    def of(cls, unreadable: UnreadableRows) -> _Skip:
        return cls(
            json.dumps(sorted(unreadable.event_seqs)),
            json.dumps(sorted(unreadable.incident_ids)),
            json.dumps(sorted(unreadable.state_rowids)),
        )


def trigger_problems(conn: sqlite3.Connection) -> list[str]:
    """The triggers on `events` must be exactly the ones Commander creates: without
    them an entry can be edited or deleted in place."""
    from commander_app.store.schema import shipped_event_triggers  # no sqlite-utils

    shipped = {name: _words(sql) for name, sql in shipped_event_triggers().items()}
    found = {
        name: _words(sql or "")
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
        )
    }
    problems = []
    for name, sql in sorted(shipped.items()):
        purpose = _TRIGGER_PURPOSE.get(name, "guards the events table")
        if name not in found:
            problems.append(
                f"the trigger {name}, which {purpose}, is missing: the log's append-only "
                "protection was removed outside Commander, and entries may have been edited"
            )
        elif found[name] != sql:
            problems.append(
                f"the trigger {name}, which {purpose}, is not the one Commander creates: "
                "it was altered outside Commander, and entries may have been edited"
            )
    for name in sorted(set(found) - set(shipped)):
        problems.append(
            f"the events table has a trigger Commander did not create ({name}): "
            "it was added outside Commander"
        )
    return problems


def _words(sql: str) -> str:
    return " ".join(sql.split())


def _check_chains(conn: sqlite3.Connection, report: LogReport, skip: _Skip) -> None:
    """Every linked entry against the link of the entry before it (one join on the id
    index, streamed: no order needed, nothing held but the findings)."""
    rows = conn.execute(
        f"SELECT {', '.join('e.' + c.strip() for c in EVENT_COLUMNS.split(','))}, "
        "e.chain_prev, e.chain_hash, p.incident_id, p.device_id, p.chain_hash "
        "FROM events e LEFT JOIN events p ON p.id = e.chain_prev "
        "AND p.seq NOT IN (SELECT value FROM json_each(:seqs)) "
        "WHERE e.chain_hash IS NOT NULL AND e.seq NOT IN (SELECT value FROM json_each(:seqs)) "
        "AND e.incident_id NOT IN (SELECT value FROM json_each(:incidents))",
        {"seqs": skip.seqs, "incidents": skip.incidents},
    )
    broken: dict[str, list[tuple[str, str, str]]] = {}
    unverifiable = 0
    for row in rows:
        event = row_to_event(row)
        link = ChainLink(row[9], row[10])
        known: dict[str, Predecessor] = {}
        if link.prev is not None and row[11] is not None:
            if row[13] is None:
                unverifiable += 1
                continue
            known[link.prev] = Predecessor(row[11], row[12], row[13])
        reason = broken_link(event, link, known)
        if reason is not None:
            broken.setdefault(event.incident_id, []).append((event.occurred_at, event.id, reason))
    for incident_id, found in sorted(broken.items()):
        _when, event_id, reason = min(found)
        more = f" ({len(found) - 1} more of its entries fail too)" if len(found) > 1 else ""
        report.problems.append(
            f"incident {incident_id}: entry {event_id} breaks the chain: {reason}{more}. "
            "The log was edited outside Commander; compare it with a backup or a colleague's copy"
        )
    (unlinked,) = conn.execute("SELECT count(*) FROM events WHERE chain_hash IS NULL").fetchone()
    if unlinked:
        report.notes.append(
            f"{unlinked} entries predate the chain (written before this version of Commander, "
            "or passed on by an older one): they have no link to verify"
        )
    if unverifiable:
        report.notes.append(
            f"{unverifiable} entries follow an entry that has no link (it came through an "
            "older Commander): they cannot be verified"
        )


def _projection_problems(log: IncidentLog, skip: _Skip) -> list[str]:
    problems = []
    ids = [
        r[0]
        for r in log.conn.execute(
            "SELECT DISTINCT incident_id FROM events "
            "WHERE seq NOT IN (SELECT value FROM json_each(:seqs)) "
            "AND incident_id NOT IN (SELECT value FROM json_each(:incidents))",
            {"seqs": skip.seqs, "incidents": skip.incidents},
        )
    ]
    states = decoded(
        log.conn,
        row_to_state,
        f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents "
        "WHERE rowid NOT IN (SELECT value FROM json_each(:rowids)) "
        "AND id NOT IN (SELECT value FROM json_each(:incidents))",
        {"rowids": skip.state_rowids, "incidents": skip.incidents},
    )
    stored = {i.id: i for i in states}
    for incident_id in ids:
        if stored.get(incident_id) != projection.fold(incident_id, log.events(incident_id)):
            problems.append(
                f"incident {incident_id}: its stored state differs from its events; "
                "run `commander check --rebuild`"
            )
    for extra in set(stored) - set(ids):
        problems.append(f"incident {extra} has no events; run `commander check --rebuild`")
    problems += _follow_up_problems(log, ids)
    problems += _alert_problems(log, ids)
    problems += [
        f"incident {i}: its kept figures differ from its events; run `commander check --rebuild`"
        for i in incident_figures.out_of_step(log.conn, ids)
    ]
    return problems


def _alert_problems(log: IncidentLog, ids: list[str]) -> list[str]:
    """The alerts tables against a refold of each incident's alert events (read only)."""
    with_alerts = {r[0] for r in log.conn.execute("SELECT DISTINCT incident_id FROM alerts")} | {
        r[0] for r in log.conn.execute("SELECT DISTINCT incident_id FROM alert_triage")
    }
    found = log.conn.execute("SELECT DISTINCT incident_id FROM events WHERE kind = 'alert'")
    from commander_app.store import alert_projection as rows

    return [
        f"incident {i}: its alerts table differs from its alert events; "
        "run `commander check --rebuild`"
        for i in sorted(with_alerts | {r[0] for r in found})
        if i in ids and rows.expected_rows(log.conn, i) != rows.stored_rows(log.conn, i)
    ]


def _follow_up_problems(log: IncidentLog, ids: list[str]) -> list[str]:
    """The follow-ups table against a refold of each incident's actions (read only)."""
    rows = follow_ups_projection
    return [
        f"incident {i}: its follow-ups table differs from its actions; "
        "run `commander check --rebuild`"
        for i in ids
        if sorted(rows.expected_rows(log.conn, i), key=_by_id) != rows.stored_rows(log.conn, i)
    ]


def _by_id(row: dict[str, object]) -> str:
    return str(row["id"])
