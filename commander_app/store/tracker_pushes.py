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

from commander_app.core.errors import ValidationError
from commander_app.core.events import TRACKER_KINDS
from commander_app.core.ids import new_ulid
from commander_app.core.model import Kind
from commander_app.core.outbox import OutboxState
from commander_app.core.times import to_iso
from commander_app.core.tracker import (
    TRACKER_NAMES,
    PushRequest,
    RemoteIssue,
    push_request,
    pushed_body,
)
from commander_app.store import board as board_store
from commander_app.store import channels as channel_store
from commander_app.store import outbox_rows
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

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

    def way_out(self) -> str:
        """What a person does about a push that failed."""
        return f"Fix that, then `commander action push --retry {self.id[:10]}` (or --cancel it)."


NO_TRACKER = (
    "No issue tracker is set up: add one with `commander channel add github NAME "
    "--repo OWNER/REPO` or `commander channel add jira NAME --base-url … --email … "
    "--project KEY`."
)


def tracker_channels(log: IncidentLog) -> list[str]:
    """The channels a follow-up can be pushed to (github, jira), by name."""
    return [c.name for c in channel_store.channels(log) if c.kind in TRACKER_KINDS]


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
        return f"Pushing this follow-up to {name} failed: {push.last_error} {push.way_out()}"
    return f"This follow-up is already waiting to go to {name} (push {push.id[:10]})."


# -- the worker's side --------------------------------------------------------------


def claim_next(log: IncidentLog, worker: str | None = None) -> TrackerPush | None:
    now = to_iso(log.clock.now())
    with write_transaction(log.conn):
        row = log.conn.execute(
            f"SELECT id FROM tracker_pushes WHERE state IN {outbox_rows.DUE_SQL} "
            "AND next_attempt_at <= ? ORDER BY seq LIMIT 1",
            [now],
        ).fetchone()
        if row is None:
            return None
        outbox_rows.claim(log.conn, "tracker_pushes", row[0], worker, now)
    return entry(log, row[0])


def mark_in_doubt(log: IncidentLog, row_id: str) -> None:
    """The tracker is about to be asked to create the issue."""
    outbox_rows.mark_in_doubt(log.conn, "tracker_pushes", row_id)


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
    with write_transaction(log.conn):
        outbox_rows.record_failure(
            log.conn,
            "tracker_pushes",
            entry(log, row_id),
            message,
            log.clock.now(),
            retryable=retryable,
            retry_after=retry_after,
            in_doubt=in_doubt,
            jitter=jitter,
        )
    return entry(log, row_id)


def recover_interrupted(
    log: IncidentLog, is_alive: Callable[[str], bool] | None = None
) -> list[TrackerPush]:
    """Pushes left 'sending' by a Commander that stopped: due again; one that may have
    reached the tracker is looked for there first, once the tracker had time to finish."""
    recovered = outbox_rows.recover_interrupted(
        log.conn,
        "tracker_pushes",
        log.clock.now(),
        "Commander stopped while pushing this follow-up.",
        is_alive,
    )
    return [entry(log, row_id) for row_id in recovered]


# -- what people do to a row -------------------------------------------------------


def retry(log: IncidentLog, row_id: str) -> TrackerPush:
    with write_transaction(log.conn):
        row = entry(log, row_id)
        outbox_rows.retry(log.conn, "tracker_pushes", row, log.clock.now())
    return entry(log, row.id)


def cancel(log: IncidentLog, row_id: str) -> TrackerPush:
    with write_transaction(log.conn):
        row = entry(log, row_id)
        outbox_rows.cancel(log.conn, "tracker_pushes", row, log.clock.now())
    return entry(log, row.id)


# -- reading ------------------------------------------------------------------------


def latest_for(log: IncidentLog, action_id: str) -> TrackerPush | None:
    """The follow-up's most recent push (to any tracker), None if it never had one."""
    row = log.conn.execute(
        f"{_SELECT} WHERE action_id = ? ORDER BY seq DESC LIMIT 1", [action_id]
    ).fetchone()
    return None if row is None else _push(row)


def first_failed(log: IncidentLog) -> TrackerPush | None:
    """The oldest push that failed and waits for a person (the badge opens it)."""
    row = log.conn.execute(
        f"{_SELECT} WHERE state = ? ORDER BY seq LIMIT 1", [OutboxState.FAILED.value]
    ).fetchone()
    return None if row is None else _push(row)


def entry(log: IncidentLog, row_id: str) -> TrackerPush:
    """One push by id, or by an unambiguous start of its id (as the CLI prints it)."""
    missing = f"There is no push '{row_id}' of a follow-up to a tracker."
    return _push(outbox_rows.find(log.conn, _SELECT, row_id, missing=missing, noun="push"))


def _push(row: Sequence[Any]) -> TrackerPush:
    named: dict[str, Any] = dict(zip(_COLUMNS, row, strict=True))
    named["request"] = PushRequest(**json.loads(named["request"]))
    named["state"] = OutboxState(named["state"])
    named["in_doubt"] = bool(named["in_doubt"])
    return TrackerPush(**named)
