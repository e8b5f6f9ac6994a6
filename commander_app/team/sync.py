"""One round of team sync between this log and the team database: push, then pull.

`run_round` is what `commander team sync --once` does and what the worker repeats. Each
batch is one server transaction and one local transaction; see `store.team_state` for
why a round stopped anywhere (the laptop killed, the Wi-Fi gone) loses and doubles
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from commander_app.store import team_pull, team_state
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.team.connection import START, Cursor, TeamConnection

__all__ = [
    "PULL_BATCH",
    "PUSH_BATCH",
    "Round",
    "apply_rows",
    "check_server_kept",
    "cursor",
    "pull_all",
    "push_all",
    "run_round",
]

PUSH_BATCH = 2_000
PULL_BATCH = 2_000
CURSOR_KEY = "pull_cursor"


@dataclass
class Round:
    pushed: int = 0  # events the server did not have
    sent: int = 0  # events sent (some it had already: a round that died before)
    pulled: int = 0
    refused: int = 0
    held: int = 0
    incidents: set[str] = field(default_factory=set)  # incidents that got new events here


def cursor(log: IncidentLog) -> Cursor:
    text = team_state.state(log, CURSOR_KEY)
    if text is None:
        return START
    tx, pos = json.loads(text)
    return (str(tx), str(pos))


def push_all(
    log: IncidentLog, team: TeamConnection, result: Round, limit: int = PUSH_BATCH
) -> None:
    while (batch := team_state.pending_push(log, limit)) is not None:
        result.pushed += team.push(batch.rows)
        result.sent += len(batch.rows)
        team_state.mark_pushed(log, batch)


def pull_all(
    log: IncidentLog,
    team: TeamConnection,
    result: Round,
    limit: int = PULL_BATCH,
    on_backlog: Callable[[int], None] | None = None,
) -> None:
    """Everything the others pushed. `on_backlog`: told how many wait when the first
    batch is full (the window's "catching up N events")."""
    for incident_id in team_state.refetches(log):
        after = START
        while True:
            pulled = team.pull(after, limit, incident_id)
            apply_rows(log, pulled.rows, None, result)
            after = pulled.cursor
            if pulled.complete:
                break
        with write_transaction(log.conn):
            team_state.refetched(log, incident_id)
    skip = team_state.unshared_ids(log)
    first = True
    while True:
        pulled = team.pull(cursor(log), limit)
        if first and not pulled.complete and on_backlog is not None:
            on_backlog(team.behind(cursor(log)))
        first = False
        apply_rows(log, pulled.rows, pulled.cursor, result, skip)
        if pulled.complete:
            return


def apply_rows(
    log: IncidentLog,
    rows: list[tuple[object, ...]],
    at: Cursor | None,
    result: Round,
    skip: set[str] | None = None,
) -> None:
    applied = team_pull.apply(log, rows, at, skip=skip or (), cursor_key=CURSOR_KEY)
    result.pulled += applied.added
    result.refused += applied.refused
    result.held = applied.held
    result.incidents |= applied.incidents


def check_server_kept(log: IncidentLog, team: TeamConnection) -> bool:
    """On each connection: does the team database still have the newest event it took
    from this laptop? If not (restored from a backup; a server that lost its last
    commits in a crash), everything is pushed again; False then."""
    last = team_state.last_pushed(log)
    if last is None or team.has(last):
        return True
    team_state.push_again(log)
    return False


def run_round(log: IncidentLog, team: TeamConnection) -> Round:
    result = Round()
    check_server_kept(log, team)
    push_all(log, team, result)
    pull_all(log, team, result)
    return result
