"""Each incident's figures, kept in a table like the incidents projection, rebuildable
from the events alone, so the trends over thousands of incidents read one row each and
never replay a story. A write that changes an incident's figures drops its row in the
same transaction (`IncidentLog.update_projection`); the row is folded again when the
figures are next read (`fill_missing`), so a write never pays for a fold of its board.

What is kept is what the events alone decide (durations, first updates, decision
latency, hypotheses at the peak, handoffs). Cadence adherence also depends on the team's
cadence settings and on the clock while an incident is open, so it is worked out when
asked (`figures`), never stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from commander_app.core.board import Board, fold_board
from commander_app.core.cadence import Adherence
from commander_app.core.errors import ValidationError
from commander_app.core.incident_figures import IncidentFigures, incident_figures
from commander_app.core.model import Audience, Severity
from commander_app.store.database import decoded, write_transaction
from commander_app.store.rows import (
    BOARD_EVENTS_SQL,
    ENTRY_COLUMNS,
    EVENT_COLUMNS,
    INCIDENT_COLUMNS,
    recorded_order,
    row_to_entry,
    row_to_event,
    row_to_state,
)

if TYPE_CHECKING:
    from commander_app.core.trends import FiguredIncident
    from commander_app.store.incident_log import IncidentLog

CREATE_SQL = """
    CREATE TABLE incident_figures (
        incident_id TEXT PRIMARY KEY,
        figures TEXT NOT NULL
    );
"""

_EVENTS_SQL = "kind IN ('comms', 'checklist', 'role') OR supersedes IS NOT NULL"


class Executes(Protocol):
    """A sqlite3 connection, or a sqlite-utils Database during a migration."""

    def execute(self, sql: str, parameters: Any = (), /) -> Any: ...


def expected(conn: Executes, incident_id: str) -> IncidentFigures | None:
    """The figures the events fold to (adherence left out); None for an incident the
    projection does not hold."""
    found = conn.execute(
        f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents WHERE id = ?", [incident_id]
    ).fetchall()
    if not found:
        return None
    state = row_to_state(found[0])
    entries = [
        row_to_entry(r)
        for r in conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM events WHERE incident_id = ? AND ({BOARD_EVENTS_SQL})",
            [incident_id],
        ).fetchall()
    ]
    board = fold_board(entries, recorded_order(entries))
    events = [
        row_to_event(r)
        for r in conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND ({_EVENTS_SQL})",
            [incident_id],
        ).fetchall()
    ]
    return incident_figures(state, board, events, {})


def refresh(conn: Executes, incident_id: str) -> None:
    """Rewrite one incident's row, inside the caller's transaction."""
    figures = expected(conn, incident_id)
    if figures is None:
        return
    conn.execute(
        "INSERT INTO incident_figures (incident_id, figures) VALUES (?, ?) "
        "ON CONFLICT (incident_id) DO UPDATE SET figures = excluded.figures",
        [incident_id, _encode(figures)],
    )


def fill_missing(log: IncidentLog) -> int:
    """Fold the rows that writes dropped since the figures were last read; how many."""
    missing = "SELECT id FROM incidents WHERE id NOT IN (SELECT incident_id FROM incident_figures)"
    if log.conn.execute(f"SELECT EXISTS ({missing})").fetchone()[0] == 0:
        return 0  # the usual read: nothing written since
    with write_transaction(log.conn):
        ids = [str(r[0]) for r in log.conn.execute(missing).fetchall()]
        for incident_id in ids:
            refresh(log.conn, incident_id)
    return len(ids)


def rebuild(conn: Executes) -> None:
    """Throw the table away and refold it, inside the caller's transaction."""
    conn.execute("DELETE FROM incident_figures", [])
    for (incident_id,) in conn.execute("SELECT id FROM incidents", []).fetchall():
        refresh(conn, incident_id)


def stored(conn: Executes, incident_id: str) -> dict[str, Any] | None:
    """The kept row, None while a write has dropped it (or for no such incident)."""
    row = conn.execute(
        "SELECT figures FROM incident_figures WHERE incident_id = ?", [incident_id]
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def out_of_step(conn: Executes, incident_ids: list[str]) -> list[str]:
    """Of these incidents, those whose kept figures differ from what their events fold
    to (for `check`, which leaves out the ones whose rows cannot be read)."""
    wrong = []
    for incident_id in incident_ids:
        kept = stored(conn, incident_id)
        if kept is None:
            continue  # dropped by a write, folded when next read: not out of step
        figures = expected(conn, incident_id)
        if figures is not None and kept != json.loads(_encode(figures)):
            wrong.append(incident_id)
    return wrong


def _encode(figures: IncidentFigures) -> str:
    return json.dumps(figures.as_dict(), ensure_ascii=False, sort_keys=True)


def figures_now(
    log: IncidentLog, incident_id: str, now: datetime | None = None, board: Board | None = None
) -> IncidentFigures:
    """Every figure of one incident as of `now`, cadence adherence included (read with the
    team's cadence settings; a settings file that cannot be read is said in that figure)."""
    from commander_app.store import board as board_store
    from commander_app.store import cadence

    state = log.incident(incident_id)
    moment = now or log.clock.now()
    kept: dict[Audience, Adherence] | str
    try:
        kept = cadence.adherence(log, incident_id, cadence.load_policy(), moment)
    except ValidationError as exc:  # the figures still show; this one says why not
        kept = f"not worked out: {exc}"
    events = decoded(
        log.conn,
        row_to_event,
        f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND ({_EVENTS_SQL})",
        [incident_id],
    )
    if board is None:  # a caller that has the board already does not fold it twice
        board = board_store.board(log, incident_id)
    return incident_figures(state, board, events, kept)


def figured_incidents(
    log: IncidentLog,
    *,
    severities: Sequence[Severity] = (),
    service: str | None = None,
    drills: bool = False,
    resolved_only: bool = True,
) -> list[FiguredIncident]:
    """The kept figures of the incidents a trend is drawn from: resolved ones (an open
    incident's figures are still moving), real ones unless `drills` (drills are kept
    apart everywhere), of these severities and of a service its updates named."""
    from commander_app.core.trends import FiguredIncident
    from commander_app.store.incident_filters import incident_filter

    fill_missing(log)
    conditions, params = incident_filter("i", severities=severities, service=service, drills=drills)
    if resolved_only:
        conditions.append("i.status = 'resolved'")
    rows = log.conn.execute(
        "SELECT i.id, i.title, COALESCE(i.impact_started_at, i.opened_at), f.figures "
        "FROM incidents i JOIN incident_figures f ON f.incident_id = i.id "
        f"WHERE {' AND '.join(conditions)} AND COALESCE(i.impact_started_at, i.opened_at) "
        "IS NOT NULL ORDER BY 3, i.id",
        params,
    ).fetchall()
    return [FiguredIncident(str(r[0]), str(r[1]), str(r[2]), json.loads(r[3])) for r in rows]
