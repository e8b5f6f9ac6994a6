"""The incident log: append-only events with the incidents projection kept in step."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commander_app.core import projection
from commander_app.core.bodies import MilestoneBody, PlaybookVersionBody, RoleBody
from commander_app.core.chain import ChainLink, Predecessor, next_link
from commander_app.core.clock import Clock, SystemClock
from commander_app.core.errors import CommanderError, NotFoundError, ValidationError
from commander_app.core.events import (
    clean_device_id,
    clean_name,
    event_text,
    opened_body,
    severity_body,
    status_body,
    text_body,
    validate_body,
)
from commander_app.core.ids import new_ulid
from commander_app.core.model import (
    Event,
    IncidentState,
    Kind,
    Milestone,
    Role,
    Severity,
    Status,
)
from commander_app.core.times import to_iso
from commander_app.store import follow_ups_projection
from commander_app.store import playbook as playbook_store
from commander_app.store.backups import BackupRotation, snapshot
from commander_app.store.database import (
    LogConnection,
    decoded,
    open_database,
    write_transaction,
)
from commander_app.store.errors import StorageError
from commander_app.store.faults import is_environment_fault
from commander_app.store.integrity import BackgroundCheck
from commander_app.store.rows import (
    EVENT_COLUMNS,
    FIGURE_KINDS,
    INCIDENT_COLUMNS,
    STATE_EVENTS_SQL,
    row_to_event,
    row_to_link,
    row_to_state,
    state_to_row,
)

if TYPE_CHECKING:
    from commander_app.store.import_stage import FinishedImport

BACKUP_INTERVAL = timedelta(minutes=10)

# What `event_rows` gives, in this order: an event's columns, its text and chain link.
EVENT_ROW_COLUMNS = f"{EVENT_COLUMNS}, text, chain_prev, chain_hash"
_EVENT_ROW_MARKS = ",".join("?" * 12)


_CANDIDATES = 10  # an ambiguous prefix lists at most this many incidents


def with_seen(
    conn: sqlite3.Connection, incident_id: str, kind: Kind, body: Mapping[str, object]
) -> Mapping[str, object]:
    """`store.seen.with_seen`, loaded on the first write (the window paints without it)."""
    from commander_app.store.seen import with_seen as stamped

    return stamped(conn, incident_id, kind, body)


class IncidentLog:
    """Every user action on the log is one method here and one transaction."""

    def __init__(
        self,
        path: Path,
        *,
        device_id: str,
        clock: Clock | None = None,
        backups: BackupRotation | None = None,
        backup_interval: timedelta = BACKUP_INTERVAL,
        opened_by_window: bool = False,
    ) -> None:
        """`opened_by_window`: the window shows at once and does the slow parts of opening
        a large log on threads: the integrity check (writes wait for it) and the backup
        on open (its backup timer takes it)."""
        self.path = Path(path)
        self.device_id = clean_device_id(device_id)  # what a colleague's import accepts
        self.clock = clock or SystemClock()
        self.backups = backups or BackupRotation(self.path)
        self.backup_interval = backup_interval
        self.conn: sqlite3.Connection = open_database(
            self.path, self.backups, self.clock.now(), check_in_background=opened_by_window
        )
        self.backup_problem: str | None = None  # a failed backup must not block the log
        # Imports found interrupted, thrown away or finished (`import_stage`).
        self.finished_imports: list[FinishedImport] = []
        try:
            self.finished_imports = self._finish_interrupted_imports()
        except CommanderError:
            if not opened_by_window:
                raise  # the window opens a damaged log to show what it can
        if opened_by_window:
            return
        try:
            self.maybe_backup()
        except StorageError as exc:
            self.backup_problem = str(exc)

    def _finish_interrupted_imports(self) -> list[FinishedImport]:
        """Cheap when none was interrupted: one read of an empty table."""
        if self.conn.execute("SELECT 1 FROM pending_imports LIMIT 1").fetchone() is None:
            return []
        from commander_app.store.import_stage import finish_interrupted_imports

        return finish_interrupted_imports(self)

    @property
    def integrity_check(self) -> BackgroundCheck | None:
        """The integrity check still running or finished on its thread, if one was started."""
        return self.conn.integrity_check if isinstance(self.conn, LogConnection) else None

    def close(self) -> None:
        check = self.integrity_check
        if check is not None:
            check.cancel()
        self.conn.close()

    def __enter__(self) -> IncidentLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------

    def open_incident(
        self,
        title: str,
        *,
        severity: Severity = Severity.SEV3,
        drill: bool = False,
        commander: str | None = None,
        author: str,
        at: datetime | None = None,
        playbook: PlaybookVersionBody | None = None,
    ) -> IncidentState:
        """Open an incident; its opening records the playbook in force (`playbook`, else
        the one `store.playbook` finds now), so a later review knows which rules applied."""
        now = self.clock.now()
        incident_id = new_ulid(now)
        body = opened_body(title, severity, drill, commander)
        body["playbook"] = playbook or playbook_store.in_force().version_body()
        self._write([self._event(incident_id, Kind.INCIDENT, dict(body), author, at, now)])
        return self.incident(incident_id)

    def log(
        self,
        incident_id: str,
        text: str,
        *,
        kind: Kind = Kind.NOTE,
        author: str,
        at: datetime | None = None,
        supersedes: str | None = None,
        **fields: Any,
    ) -> Event:
        """A responder's entry: note, observation, hypothesis, finding, decision..."""
        body = text_body(kind, text, **fields)
        return self.append(incident_id, kind, body, author=author, at=at, supersedes=supersedes)

    def set_status(
        self, incident_id: str, status: Status, *, author: str, at: datetime | None = None
    ) -> Event:
        return self.append_with(
            incident_id, Kind.STATUS, lambda s: status_body(s.status, status), author=author, at=at
        )

    def set_severity(
        self, incident_id: str, severity: Severity, *, author: str, at: datetime | None = None
    ) -> Event:
        return self.append_with(
            incident_id,
            Kind.SEVERITY,
            lambda s: severity_body(s.severity, severity),
            author=author,
            at=at,
        )

    def mark_milestone(
        self, incident_id: str, milestone: Milestone, *, author: str, at: datetime | None = None
    ) -> Event:
        body: MilestoneBody = {"milestone": milestone.value}
        return self.append(incident_id, Kind.MILESTONE, body, author=author, at=at)

    def assign_role(self, incident_id: str, role: Role, person: str, *, author: str) -> Event:
        body: RoleBody = {"role": role.value, "person": clean_name(person, "person's name")}
        return self.append(incident_id, Kind.ROLE, body, author=author)

    def append(
        self,
        incident_id: str,
        kind: Kind,
        body: Mapping[str, object],
        *,
        author: str,
        at: datetime | None = None,
        supersedes: str | None = None,
    ) -> Event:
        """Durably add one event; when this returns, it survives a crash."""
        self.incident(incident_id)  # a clear error for an unknown incident
        if supersedes is not None and self.event(supersedes).incident_id != incident_id:
            raise ValidationError("A correction must belong to the same incident.")
        with write_transaction(self.conn):
            body = with_seen(self.conn, incident_id, kind, body)
            event = self._event(
                incident_id,
                kind,
                validate_body(kind, body),
                author,
                at,
                self.clock.now(),
                supersedes,
            )
            self.insert_events([event])
            self.update_projection(incident_id, [event])
        return event

    def append_with(
        self,
        incident_id: str,
        kind: Kind,
        build_body: Callable[[IncidentState], Mapping[str, object]],
        *,
        author: str,
        at: datetime | None = None,
    ) -> Event:
        """Like `append`, but the body is built from the incident's state as read inside
        the write transaction, so a check such as "already identified" cannot race
        another writer."""
        now = self.clock.now()
        with write_transaction(self.conn):
            state = self.incident(incident_id)
            body = with_seen(self.conn, incident_id, kind, build_body(state))
            event = self._event(incident_id, kind, validate_body(kind, body), author, at, now)
            self.insert_events([event])
            self.update_projection(incident_id, [event])
        return event

    def append_in_transaction(
        self, incident_id: str, kind: Kind, body: Mapping[str, object], *, author: str
    ) -> Event:
        """Append one event inside the caller's open write transaction, so a change to
        another table (the outbox) and its story in the log commit together."""
        if not self.conn.in_transaction:
            raise RuntimeError("append_in_transaction needs an open write transaction")
        body = with_seen(self.conn, incident_id, kind, body)
        event = self._event(
            incident_id, kind, validate_body(kind, body), author, None, self.clock.now()
        )
        self.insert_events([event])
        self.update_projection(incident_id, [event])
        return event

    def _event(
        self,
        incident_id: str,
        kind: Kind,
        body: dict[str, Any],
        author: str,
        at: datetime | None,
        now: datetime,
        supersedes: str | None = None,
    ) -> Event:
        return Event(
            id=new_ulid(now),
            incident_id=incident_id,
            kind=kind,
            body=body,
            author=clean_name(author, "author"),
            device_id=self.device_id,
            occurred_at=to_iso(at or now),
            recorded_at=to_iso(now),
            supersedes=supersedes,
        )

    def _write(self, events: Sequence[Event]) -> None:
        with write_transaction(self.conn):
            self.insert_events(events)
            for incident_id in dict.fromkeys(e.incident_id for e in events):
                self.update_projection(
                    incident_id, [e for e in events if e.incident_id == incident_id]
                )

    def insert_events(
        self, events: Iterable[Event], links: Mapping[str, ChainLink | None] | None = None
    ) -> None:
        """Insert inside the caller's transaction; the FTS trigger indexes the text."""
        self.conn.executemany(
            f"INSERT INTO events ({EVENT_ROW_COLUMNS}) VALUES ({_EVENT_ROW_MARKS})",
            self.event_rows(events, links),
        )

    def event_rows(
        self, events: Iterable[Event], links: Mapping[str, ChainLink | None] | None = None
    ) -> list[tuple[str | None, ...]]:
        """The rows of `EVENT_ROW_COLUMNS` for new events.

        Each event is chained after the newest linked event of its incident and device
        (one index lookup per chain), unless `links` gives the links it came with (an
        import: None for an event that has none)."""
        rows: list[tuple[str | None, ...]] = []
        tips: dict[tuple[str, str], tuple[str, ChainLink] | None] = {}
        for e in events:
            if links is not None:
                link = links.get(e.id)
            else:
                key = (e.incident_id, e.device_id)
                if key not in tips:
                    tips[key] = self._chain_tip(*key)
                tip = tips[key]
                link = next_link(e, tip[1] if tip else None, tip[0] if tip else None)
                tips[key] = (e.id, link)
            rows.append(
                (
                    e.id,
                    e.incident_id,
                    e.kind.value,
                    json.dumps(e.body, ensure_ascii=False),
                    e.author,
                    e.device_id,
                    e.occurred_at,
                    e.recorded_at,
                    e.supersedes,
                    event_text(e.kind, e.body),
                    link.prev if link else None,
                    link.hash if link else None,
                )
            )
        return rows

    def _chain_tip(self, incident_id: str, device_id: str) -> tuple[str, ChainLink] | None:
        """The newest linked event of a chain (index `events_chain`), with its link."""
        tip = decoded(
            self.conn,
            row_to_link,
            "SELECT id, chain_prev, chain_hash FROM events WHERE incident_id = ? "
            "AND device_id = ? AND chain_hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
            [incident_id, device_id],
        )
        return tip[0] if tip else None

    def chain_links(self, incident_id: str) -> dict[str, ChainLink]:
        """The links of an incident's events, by event id (events without one left out)."""
        return dict(
            decoded(
                self.conn,
                row_to_link,
                "SELECT id, chain_prev, chain_hash FROM events "
                "WHERE incident_id = ? AND chain_hash IS NOT NULL",
                [incident_id],
            )
        )

    def predecessors(self, ids: Iterable[str]) -> dict[str, Predecessor]:
        """What this log holds of the events named as the one before others in their chain
        (by id; ids it does not have are left out)."""
        wanted = sorted(set(ids))
        found: dict[str, Predecessor] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(
                "SELECT id, incident_id, device_id, chain_hash FROM events "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for row in rows:
                found[row[0]] = Predecessor(row[1], row[2], row[3])
        return found

    def update_projection(self, incident_id: str, new_events: Sequence[Event]) -> None:
        """Keep the incident row in step, inside the caller's transaction.

        The usual entry costs one row read; a backfilled state change rereads
        only the incident's state-changing events (a partial index), never
        the whole timeline.
        """
        state = self._stored_state(incident_id)
        if state is None:
            state = projection.fold(incident_id, self.events(incident_id))
        elif projection.needs_state_events(state, new_events):
            state = projection.advance(state, new_events, self._state_events(incident_id))
        else:
            state = projection.advance(state, new_events)
        self.write_projection(state)
        # An action, or a correction (which may turn an action into a note).
        if any(e.kind is Kind.ACTION or e.supersedes for e in new_events):
            follow_ups_projection.refresh(self.conn, incident_id)
        if any(e.kind in FIGURE_KINDS or e.supersedes for e in new_events):
            # Its kept figures are out of date: dropped here, folded again when next read
            # (a hypothesis on a long board would otherwise refold the board on each write).
            self.conn.execute("DELETE FROM incident_figures WHERE incident_id = ?", [incident_id])
        alerts = [e for e in new_events if e.kind is Kind.ALERT and len(e.body) > 1]
        if alerts:  # from a monitoring source, or a triage (not a typed `!text`)
            from commander_app.store import alert_projection

            alert_projection.apply(self.conn, [e for e in alerts if alert_projection.projected(e)])

    def _state_events(self, incident_id: str) -> list[Event]:
        return decoded(
            self.conn,
            row_to_event,
            f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND ({STATE_EVENTS_SQL})",
            [incident_id],
        )

    def refold(self, incident_id: str) -> IncidentState:
        """Recompute one incident from all its events, inside the caller's transaction."""
        state = projection.fold(incident_id, self.events(incident_id))
        self.write_projection(state)
        return state

    def write_projection(self, state: IncidentState) -> None:
        row = state_to_row(state)
        names = ", ".join(row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "id")
        self.conn.execute(
            f"INSERT INTO incidents ({names}) VALUES ({', '.join('?' * len(row))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            list(row.values()),
        )

    def rebuild_projection(self) -> int:
        """Throw the incidents table away and refold it from the events alone."""
        with write_transaction(self.conn):
            self.conn.execute("DELETE FROM incidents")
            ids = [r[0] for r in self.conn.execute("SELECT DISTINCT incident_id FROM events")]
            for incident_id in ids:
                self.refold(incident_id)
            follow_ups_projection.rebuild(self.conn)
            from commander_app.store import incident_figures

            incident_figures.rebuild(self.conn)
            from commander_app.store import alert_projection

            alert_projection.rebuild(self.conn)
        return len(ids)

    # -- reading -----------------------------------------------------------

    def incident(self, incident_id: str) -> IncidentState:
        state = self._stored_state(incident_id)
        if state is None:
            raise NotFoundError(f"There is no incident {incident_id} in this log.")
        return state

    def _stored_state(self, incident_id: str) -> IncidentState | None:
        found = decoded(
            self.conn,
            row_to_state,
            f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents WHERE id = ?",
            [incident_id],
        )
        return found[0] if found else None

    def incidents(self, include_resolved: bool = False) -> list[IncidentState]:
        """What needs attention first: open real incidents by severity, then open
        drills, then resolved ones; most recently active first within each."""
        where = "" if include_resolved else "WHERE status != 'resolved'"
        return decoded(
            self.conn,
            row_to_state,
            f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents {where} "
            "ORDER BY status = 'resolved', is_drill, "
            "CASE WHEN status = 'resolved' THEN '' ELSE severity END, "
            "last_event_at DESC, id DESC",
        )

    def find_incident(self, ref: str | None, *, resolved_too: bool = False) -> IncidentState:
        """An incident by id or unique id prefix; with no ref, the most recently
        active open real incident, or an open drill when only drills are open (a
        drill started later must not capture real work). `resolved_too` counts
        resolved incidents as well (for what is written after an incident)."""
        if ref is None or not ref.strip():
            where = "" if resolved_too else "WHERE status != 'resolved' "
            newest = decoded(
                self.conn,
                row_to_state,
                f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents "
                f"{where}ORDER BY is_drill, last_event_at DESC, id DESC LIMIT 1",
            )
            if not newest:
                raise NotFoundError(
                    "There are no incidents in this log yet."
                    if resolved_too
                    else "There is no open incident. Start one with `commander new TITLE`, "
                    "or name one with --incident ID."
                )
            return newest[0]
        wanted = ref.strip().upper()
        if len(wanted) < 4:
            raise ValidationError("Give at least the first 4 characters of the incident id.")
        found = decoded(
            self.conn,
            row_to_state,
            f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents WHERE id >= ? AND id < ? "
            f"ORDER BY id LIMIT {_CANDIDATES + 1}",
            [wanted, wanted + "\uffff"],
        )
        if not found:
            raise NotFoundError(f"There is no incident '{ref}' in this log.")
        if len(found) > 1:
            # Incidents opened in the same second share 8 or 9 leading characters.
            listed = "\n".join(f"  {i.id}  {i.title}" for i in found[:_CANDIDATES])
            more = "\n  …" if len(found) > _CANDIDATES else ""
            raise ValidationError(
                f"'{ref.strip()}' matches more than one incident; type more of the id:\n"
                f"{listed}{more}"
            )
        return found[0]

    def event(self, event_id: str) -> Event:
        found = decoded(
            self.conn, row_to_event, f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", [event_id]
        )
        if not found:
            raise NotFoundError(f"There is no event {event_id} in this log.")
        return found[0]

    def events(self, incident_id: str) -> list[Event]:
        """All events of one incident in story order (when they happened)."""
        return decoded(
            self.conn,
            row_to_event,
            f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? ORDER BY occurred_at, id",
            [incident_id],
        )

    # -- backups -------------------------------------------------------------

    def backup_due(self) -> bool:
        """Due when the log changed since the newest backup and that one is old enough."""
        newest = self.backups.newest_time()
        if newest is not None and self.clock.now() - newest < self.backup_interval:
            return False
        changed = self.conn.execute("SELECT max(last_event_at) FROM incidents").fetchone()[0]
        return changed is not None and (newest is None or changed > to_iso(newest))

    def maybe_backup(self) -> Path | None:
        """Take a rotating backup if one is due (on open, after a command, on a timer)."""
        return self.backup_now() if self.backup_due() else None

    def backup_now(self, to: Path | None = None) -> Path:
        """A backup now: into the rotation, or to a file the user chose."""
        target = to or self.backups.directory
        try:
            if to is not None:
                return snapshot(self.conn, to)
            return self.backups.take(self.conn, self.clock.now())
        except (OSError, sqlite3.Error) as exc:
            if isinstance(exc, sqlite3.Error) and not is_environment_fault(exc):
                raise  # a bug: logged with its traceback by whoever shows it
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StorageError(
                f"The backup into {target} failed ({reason}). The incident log itself "
                "is unharmed; free some space or fix the folder's permissions."
            ) from exc
