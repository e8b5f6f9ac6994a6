"""Follow-ups waiting to be pushed to an issue tracker, exactly once, in the incident's file.

A push is a row that moves as an outbox row does (queued → sending → sent | retrying |
failed, `core.outbox`), kept apart from the outbox because it is no stakeholder update:
it restarts no countdown and serves no audience. A unique index allows one live push
per follow-up and tracker channel; the issue it made is told in the log (an action
update carrying `tracker`) in the same transaction that marks the row sent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from commander_app.core import outbox as rules
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import TRACKER_KINDS
from commander_app.core.ids import new_ulid
from commander_app.core.model import Kind
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso, to_iso
from commander_app.core.tracker import (
    TRACKER_NAMES,
    PushRequest,
    RemoteIssue,
    push_request,
    pushed_body,
)
from commander_app.store import board as board_store
from commander_app.store import channels as channel_store
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox import ABANDONED_AFTER, this_worker, worker_is_alive

_COLUMNS = (
    "seq",
    "id",
    "incident_id",
    "action_id",
    "channel",
    "request",
    "author",
    "state",
    "attempts",
    "next_attempt_at",
    "last_error",
    "in_doubt",
    "worker",
    "attempt_started_at",
    "remote_key",
    "remote_url",
    "created_at",
    "updated_at",
    "sent_at",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM tracker_pushes"
_DUE = f"('{OutboxState.QUEUED.value}', '{OutboxState.RETRYING.value}')"


@dataclass(frozen=True)
class TrackerPush:
    seq: int
    id: str
    incident_id: str
    action_id: str
    channel: str
    request: PushRequest
    author: str
    state: OutboxState
    attempts: int
    next_attempt_at: str
    last_error: str | None
    in_doubt: bool
    worker: str | None
    attempt_started_at: str | None
    remote_key: str | None
    remote_url: str | None
    created_at: str
    updated_at: str
    sent_at: str | None


def enqueue(
    log: IncidentLog, incident_id: str, item: str, channel: str, *, author: str
) -> TrackerPush:
    """Queue the follow-up for the tracker; refused when it is there or on its way."""
    target = channel_store.channel(log, channel)
    if target.kind not in TRACKER_KINDS:
        raise ValidationError(
            f"The channel '{target.name}' is {target.kind}, not an issue tracker: push "
            "follow-ups to a github or jira channel (`commander channel add github NAME`)."
        )
    now = log.clock.now()
    row_id = new_ulid(now)
    with write_transaction(log.conn):
        state = log.incident(incident_id)
        board = board_store.board(log, incident_id)
        action = board.find_action(item)
        name = TRACKER_NAMES[target.kind]
        known = action.trackers.get(target.name)
        if known:
            raise ValidationError(
                f"'{board.number(action.id)}' is already in {name} as {known['key']} "
                f"({known['url']}); nothing was queued."
            )
        request = push_request(action, board.number(action.id), incident_id, state.title)
        try:
            log.conn.execute(
                f"INSERT INTO tracker_pushes ({', '.join(_COLUMNS)}) VALUES "
                "(NULL,?,?,?,?,?,?,?,0,?,NULL,0,NULL,NULL,NULL,NULL,?,?,NULL)",
                [
                    row_id,
                    incident_id,
                    action.id,
                    target.name,
                    json.dumps(asdict(request), ensure_ascii=False),
                    author,
                    OutboxState.QUEUED.value,
                    to_iso(now),
                    to_iso(now),
                    to_iso(now),
                ],
            )
        except sqlite3.IntegrityError:
            raise ValidationError(_already(log, action.id, target.name, name)) from None
    return entry(log, row_id)


def _already(log: IncidentLog, action_id: str, channel: str, name: str) -> str:
    row = log.conn.execute(
        f"{_SELECT} WHERE action_id = ? AND channel = ? AND state != ?",
        [action_id, channel, OutboxState.CANCELLED.value],
    ).fetchone()
    push = _push(row)
    if push.state is OutboxState.SENT:
        return f"This follow-up is already in {name} as {push.remote_key} ({push.remote_url})."
    if push.state is OutboxState.FAILED:
        return (
            f"Pushing this follow-up to {name} failed: {push.last_error} Fix that, then "
            f"`commander action push --retry {push.id[:10]}` (or --cancel it)."
        )
    return f"This follow-up is already waiting to go to {name} (push {push.id[:10]})."


# -- the worker's side --------------------------------------------------------------


def claim_next(log: IncidentLog, worker: str | None = None) -> TrackerPush | None:
    now = to_iso(log.clock.now())
    with write_transaction(log.conn):
        row = log.conn.execute(
            f"SELECT id FROM tracker_pushes WHERE state IN {_DUE} AND next_attempt_at <= ? "
            "ORDER BY seq LIMIT 1",
            [now],
        ).fetchone()
        if row is None:
            return None
        log.conn.execute(
            # A push in doubt keeps its first attempt's start: the tracker is searched
            # for an issue made since then.
            "UPDATE tracker_pushes SET state = ?, attempts = attempts + 1, worker = ?, "
            "attempt_started_at = CASE WHEN in_doubt THEN attempt_started_at ELSE ? END, "
            "updated_at = ? WHERE id = ?",
            [OutboxState.SENDING.value, worker or this_worker(), now, now, row[0]],
        )
    return entry(log, row[0])


def mark_in_doubt(log: IncidentLog, row_id: str) -> None:
    """The tracker is about to be asked to create the issue."""
    with write_transaction(log.conn):
        log.conn.execute("UPDATE tracker_pushes SET in_doubt = 1 WHERE id = ?", [row_id])


def record_pushed(log: IncidentLog, row_id: str, issue: RemoteIssue) -> TrackerPush:
    """The issue exists: the row and the action's event that keeps its key commit together."""
    now = log.clock.now()
    with write_transaction(log.conn):
        row = entry(log, row_id)
        log.conn.execute(
            "UPDATE tracker_pushes SET state = ?, remote_key = ?, remote_url = ?, sent_at = ?, "
            "updated_at = ?, in_doubt = 0, last_error = NULL, worker = NULL WHERE id = ?",
            [OutboxState.SENT.value, issue.key, issue.url, to_iso(now), to_iso(now), row_id],
        )
        action = board_store.board(log, row.incident_id).action(row.action_id)
        if action is not None:
            log.append_in_transaction(
                row.incident_id, Kind.ACTION, pushed_body(action, issue), author=row.author
            )
    return entry(log, row_id)


def record_failure(
    log: IncidentLog,
    row_id: str,
    message: str,
    *,
    retryable: bool,
    retry_after: float | None = None,
    in_doubt: bool = False,
    jitter: Callable[[], float] | None = None,
) -> TrackerPush:
    """Wait and try again (checking the tracker first when in doubt), or stop."""
    now = log.clock.now()
    with write_transaction(log.conn):
        row = entry(log, row_id)
        if retryable:
            due = now + rules.retry_wait(max(row.attempts, 1), retry_after, jitter=jitter)
            if in_doubt:
                started = from_iso(row.attempt_started_at) if row.attempt_started_at else None
                due = rules.in_doubt_check_at(started, due)
            log.conn.execute(
                "UPDATE tracker_pushes SET state = ?, next_attempt_at = ?, last_error = ?, "
                "in_doubt = ?, worker = NULL, updated_at = ? WHERE id = ?",
                [
                    OutboxState.RETRYING.value,
                    to_iso(due),
                    message,
                    int(in_doubt),
                    to_iso(now),
                    row_id,
                ],
            )
        else:
            log.conn.execute(
                "UPDATE tracker_pushes SET state = ?, last_error = ?, in_doubt = 0, "
                "worker = NULL, updated_at = ? WHERE id = ?",
                [OutboxState.FAILED.value, message, to_iso(now), row_id],
            )
    return entry(log, row_id)


def recover_interrupted(
    log: IncidentLog, is_alive: Callable[[str], bool] | None = None
) -> list[TrackerPush]:
    """Pushes left 'sending' by a Commander that stopped: due again; one that may have
    reached the tracker is looked for there first, once the tracker had time to finish."""
    alive = is_alive or worker_is_alive
    now = log.clock.now()
    recovered: list[str] = []
    with write_transaction(log.conn):
        rows = log.conn.execute(
            "SELECT id, worker, attempt_started_at, in_doubt FROM tracker_pushes WHERE state = ?",
            [OutboxState.SENDING.value],
        ).fetchall()
        for row_id, worker, started, in_doubt in rows:
            abandoned = started is None or now - from_iso(started) > ABANDONED_AFTER
            if worker and alive(worker) and not abandoned:
                continue
            due = rules.in_doubt_check_at(from_iso(started) if started else None, now)
            log.conn.execute(
                "UPDATE tracker_pushes SET state = ?, next_attempt_at = ?, worker = NULL, "
                "last_error = ?, updated_at = ? WHERE id = ?",
                [
                    OutboxState.RETRYING.value,
                    to_iso(due if in_doubt else now),
                    "Commander stopped while pushing this follow-up.",
                    to_iso(now),
                    row_id,
                ],
            )
            recovered.append(row_id)
    return [entry(log, row_id) for row_id in recovered]


# -- what people do to a row -------------------------------------------------------


def retry(log: IncidentLog, row_id: str) -> TrackerPush:
    now = to_iso(log.clock.now())
    with write_transaction(log.conn):
        row = entry(log, row_id)
        rules.check_can_retry(row.state)
        log.conn.execute(
            "UPDATE tracker_pushes SET state = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            [OutboxState.QUEUED.value, now, now, row.id],
        )
    return entry(log, row.id)


def cancel(log: IncidentLog, row_id: str) -> TrackerPush:
    with write_transaction(log.conn):
        row = entry(log, row_id)
        rules.check_can_cancel(row.state)
        log.conn.execute(
            "UPDATE tracker_pushes SET state = ?, updated_at = ? WHERE id = ?",
            [OutboxState.CANCELLED.value, to_iso(log.clock.now()), row.id],
        )
    return entry(log, row.id)


# -- reading ------------------------------------------------------------------------


def entry(log: IncidentLog, row_id: str) -> TrackerPush:
    """One push by id, or by an unambiguous start of its id (as the CLI prints it)."""
    ref = row_id.strip().upper()
    rows = log.conn.execute(
        f"{_SELECT} WHERE id = ? OR id LIKE ? ORDER BY seq LIMIT 2",
        [ref, ref + "%" if len(ref) >= 4 else ref],
    ).fetchall()
    exact = [r for r in rows if r[1] == ref]
    if exact:
        return _push(exact[0])
    if len(rows) == 1:
        return _push(rows[0])
    if not rows:
        raise NotFoundError(f"There is no push '{row_id}' of a follow-up to a tracker.")
    raise ValidationError(f"'{row_id}' matches more than one push; give more of its id.")


def entries(log: IncidentLog, *, waiting_only: bool = False, limit: int = 200) -> list[TrackerPush]:
    """Newest first."""
    open_states = (*rules.WAITING, OutboxState.FAILED)
    where = f"WHERE state IN ({', '.join(repr(s.value) for s in open_states)})"
    where = where if waiting_only else ""
    rows = log.conn.execute(f"{_SELECT} {where} ORDER BY seq DESC LIMIT ?", [limit])
    return [_push(r) for r in rows]


def _push(row: Sequence[Any]) -> TrackerPush:
    named: dict[str, Any] = dict(zip(_COLUMNS, row, strict=True))
    named["request"] = PushRequest(**json.loads(named["request"]))
    named["state"] = OutboxState(named["state"])
    named["in_doubt"] = bool(named["in_doubt"])
    return TrackerPush(**named)
