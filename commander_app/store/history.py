"""Bringing another tool's incident history into the log (`core.history_csv`).

Every incident of the file is written as real events with the times it happened, each
incident whole in one transaction (a file with a problem was refused before this). An
incident already in the log (imported before) is left as it is, so importing the same
file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_name, validate_body
from commander_app.core.model import Kind
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import STATE_EVENTS_SQL

if TYPE_CHECKING:  # the window lists imported incidents without the CSV reader (csv, hashlib)
    from commander_app.core.history_csv import HistoryFile


@dataclass(frozen=True)
class HistoryImport:
    added: int  # incidents new to this log
    already_present: int
    incident_ids: tuple[str, ...]  # every incident of the file, in file order


BATCH = 1_000  # incidents per transaction: about a second, well inside the busy timeout


def import_history(log: IncidentLog, history: HistoryFile, *, author: str) -> HistoryImport:
    """Write the file's incidents this log lacks; refuses a file that has problems.

    Each incident is written whole with all its events. A file of up to `BATCH`
    incidents is one transaction; a longer one is written `BATCH` incidents per
    transaction, so another writer (the window, a `commander log`) never waits long. If
    that is stopped half-way, importing the file again adds what is missing."""
    from commander_app.core.history_csv import history_events

    if history.problems:
        listed = "\n".join(history.problems)
        raise ValidationError(
            f"The file has {len(history.problems)} problem(s); nothing was imported:\n{listed}"
        )
    who = clean_name(author, "author")
    now = log.clock.now()
    ids = [row.incident_id for row in history.rows]
    added = 0
    for start in range(0, len(history.rows), BATCH):
        batch = history.rows[start : start + BATCH]
        with write_transaction(log.conn):
            present = _present(log, [row.incident_id for row in batch])
            fresh = [row for row in batch if row.incident_id not in present]
            written = {
                row.incident_id: [
                    e._replace(body=validate_body(e.kind, e.body))
                    for e in history_events(row, author=who, device_id=log.device_id, now=now)
                ]
                for row in fresh
            }
            log.insert_events([e for events in written.values() for e in events])
            for incident_id, events in written.items():
                log.update_projection(incident_id, events)
        added += len(fresh)
    return HistoryImport(added, len(ids) - added, tuple(ids))


def _present(log: IncidentLog, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = log.conn.execute(
            f"SELECT id FROM incidents WHERE id IN ({','.join('?' * len(chunk))})", chunk
        )
        found |= {str(r[0]) for r in rows}
    return found


def imported_ids(log: IncidentLog, incident_ids: Iterable[str] | None = None) -> set[str]:
    """Which incidents were brought in from another tool's history (their opening is
    marked imported), of `incident_ids`, or of the whole log."""
    # The state events' condition lets the partial index `events_state` find the openings.
    sql = (
        f"SELECT incident_id FROM events WHERE ({STATE_EVENTS_SQL}) "
        f"AND kind = '{Kind.INCIDENT.value}' AND json_extract(body, '$.action') = 'opened' "
        "AND json_extract(body, '$.imported') = 1"
    )
    if incident_ids is None:
        return {str(r[0]) for r in log.conn.execute(sql)}
    wanted = list(incident_ids)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = log.conn.execute(f"{sql} AND incident_id IN ({','.join('?' * len(chunk))})", chunk)
        found |= {str(r[0]) for r in rows}
    return found
