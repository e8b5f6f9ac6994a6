"""The outbox: stakeholder updates waiting to go out, in the incident's database.

Each row is one update for one channel. It is queued with a comms "queued" event,
and its end (sent, failed, cancelled) is told in the log in the same transaction
that records it, so the timeline and the outbox never disagree. Rows for one
channel and incident go out strictly in the order they were queued.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commander_app.core import outbox as rules
from commander_app.core.bodies import CommsBody
from commander_app.core.errors import ValidationError
from commander_app.core.events import MAX_TITLE, clean_text
from commander_app.core.ids import new_ulid
from commander_app.core.model import Audience, CommsAction, Kind
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso, to_iso
from commander_app.core.update_facts import UpdateFacts
from commander_app.store import channels as channel_store
from commander_app.store import drill_outbox, outbox_rows
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox_status import WAITING_SQL

_COLUMNS = (
    "seq, id, incident_id, channel, audience, subject, text, incident_title, status, "
    "severity, services, message_id, next_update_at, author, state, attempts, "
    "next_attempt_at, last_error, in_doubt, worker, attempt_started_at, remote_id, "
    "created_at, updated_at, sent_at"
)
_FINISHED_SQL = ", ".join(f"'{s.value}'" for s in rules.FINISHED)


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    id: str
    incident_id: str
    channel: str
    audience: Audience
    subject: str
    text: str
    incident_title: str
    status: str
    severity: str
    services: tuple[str, ...]
    message_id: str
    next_update_at: str | None
    author: str
    state: OutboxState
    attempts: int
    next_attempt_at: str
    last_error: str | None
    in_doubt: bool
    worker: str | None
    attempt_started_at: str | None
    remote_id: str | None
    created_at: str
    updated_at: str
    sent_at: str | None


def enqueue(
    log: IncidentLog,
    incident_id: str,
    audience: Audience,
    channels: Sequence[str],
    subject: str,
    text: str,
    *,
    author: str,
    next_update_at: datetime | None = None,
    facts: UpdateFacts | None = None,
) -> list[OutboxEntry]:
    """Queue one update for each channel; when this returns, it is safe on disk.

    A drill's update never enters the outbox: it is recorded in the drill outbox (what
    would have gone out, marked EXERCISE) and nothing is returned to deliver.
    `facts` (impact, workaround, affected services) go with it: the services set a
    status page's components, and the next draft starts from all three.
    """
    facts = facts or UpdateFacts()
    if log.incident(incident_id).is_drill:
        drill_outbox.record(
            log, incident_id, audience, channels, subject, text,
            author=author, next_update_at=next_update_at, facts=facts,
        )  # fmt: skip
        return []
    if not channels:
        raise ValidationError(
            f"No channel is chosen for the {audience.value} update. "
            "Add one with `commander channel add`, or copy the text and send it by hand."
        )
    body_text = clean_text(text, "update text")
    subject = clean_text(subject, "subject", MAX_TITLE).splitlines()[0]
    targets = [channel_store.channel(log, name) for name in dict.fromkeys(channels)]
    now = log.clock.now()
    ids: list[str] = []
    with write_transaction(log.conn):
        state = log.incident(incident_id)
        for target in targets:
            row_id = new_ulid(now)
            ids.append(row_id)
            log.conn.execute(
                f"INSERT INTO outbox ({_COLUMNS}) VALUES "
                "(NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,NULL,0,NULL,NULL,NULL,?,?,NULL)",
                [
                    row_id,
                    incident_id,
                    target.name,
                    audience.value,
                    subject,
                    body_text,
                    state.title,
                    state.status.value,
                    state.severity.value,
                    json.dumps(list(facts.services), ensure_ascii=False),
                    _message_id(row_id, target.settings),
                    to_iso(next_update_at) if next_update_at else None,
                    author,
                    OutboxState.QUEUED.value,
                    to_iso(now),
                    to_iso(now),
                    to_iso(now),
                ],
            )
            log.append_in_transaction(
                incident_id,
                Kind.COMMS,
                _comms(CommsAction.QUEUED, audience, target.name, body_text, row_id, facts=facts),
                author=author,
            )
    return [entry(log, row_id) for row_id in ids]


def _message_id(row_id: str, settings: dict[str, Any]) -> str:
    """Made once, kept with the row: a retry of the same email carries the same id."""
    sender = str(settings.get("from_addr", ""))
    domain = sender.rpartition("@")[2].strip(" >") or "commander.local"
    return f"<{row_id.lower()}@{domain}>"


def _comms(
    action: CommsAction,
    audience: Audience,
    channel: str,
    text: str,
    row_id: str,
    *,
    next_update_at: str | None = None,
    detail: str | None = None,
    remote_id: str | None = None,
    remote_incident_id: str | None = None,
    error: str | None = None,
    facts: UpdateFacts | None = None,
) -> CommsBody:
    body: CommsBody = {
        "action": action.value,
        "audience": audience.value,
        "channel": channel,
        "text": text,
        "outbox_id": row_id,
    }
    if next_update_at is not None:
        body["next_update_at"] = next_update_at
    if detail is not None:
        body["detail"] = detail
    if remote_id is not None:
        body["remote_id"] = remote_id
    if remote_incident_id is not None:
        body["remote_incident_id"] = remote_incident_id
    if error is not None:
        body["error"] = error
    if facts is not None:
        body = {**body, **facts.body_fields()}  # an impact or workaround of None: none now
    return body


# -- the worker's side --------------------------------------------------------------


def claim_next(log: IncidentLog, worker: str | None = None) -> OutboxEntry | None:
    """Take the next update that is due and not behind an unfinished one, or None."""
    now = to_iso(log.clock.now())
    with write_transaction(log.conn):
        candidates = log.conn.execute(
            "SELECT seq, id, channel, incident_id FROM outbox "
            f"WHERE state IN {outbox_rows.DUE_SQL} AND next_attempt_at <= ? ORDER BY seq",
            [now],
        ).fetchall()
        for seq, row_id, channel, incident_id in candidates:
            (ahead,) = log.conn.execute(
                f"SELECT count(*) FROM outbox WHERE channel = ? AND incident_id = ? "
                f"AND seq < ? AND state NOT IN ({_FINISHED_SQL})",
                [channel, incident_id, seq],
            ).fetchone()
            if ahead:
                continue
            outbox_rows.claim(log.conn, "outbox", row_id, worker, now)
            return entry(log, row_id)
    return None


def mark_in_doubt(log: IncidentLog, row_id: str) -> None:
    """The channel is about to take the step it cannot take back."""
    outbox_rows.mark_in_doubt(log.conn, "outbox", row_id)


def record_sent(
    log: IncidentLog,
    row_id: str,
    *,
    remote_id: str | None,
    remote_incident_id: str | None,
    detail: str = "",
) -> OutboxEntry:
    """The remote accepted it: the row, the remote incident and the log change together.

    The sent event carries the remote incident, so another laptop's log that receives it
    amends the same one (`store.remote_incident_events`)."""
    now = log.clock.now()
    with write_transaction(log.conn):
        row = entry(log, row_id)
        log.conn.execute(
            "UPDATE outbox SET state = ?, remote_id = ?, sent_at = ?, updated_at = ?, "
            "in_doubt = 0, last_error = NULL, worker = NULL WHERE id = ?",
            [OutboxState.SENT.value, remote_id, to_iso(now), to_iso(now), row_id],
        )
        if remote_incident_id:
            # Only the first: an update sent to another (one in flight while a conflict
            # between laptops was settled) leaves the one this laptop amends as it is.
            log.conn.execute(
                "INSERT OR IGNORE INTO remote_incidents (channel, incident_id, remote_id, "
                "recorded_at) VALUES (?, ?, ?, ?)",
                [row.channel, row.incident_id, remote_incident_id, to_iso(now)],
            )
        promise = row.next_update_at
        if promise is not None and from_iso(promise) <= now:
            promise = None  # it went out late; the cadence falls back to the interval
        log.append_in_transaction(
            row.incident_id,
            Kind.COMMS,
            _comms(
                CommsAction.SENT,
                row.audience,
                row.channel,
                row.text,
                row_id,
                next_update_at=promise,
                detail=detail or None,
                remote_id=remote_id,
                remote_incident_id=remote_incident_id or None,
            ),
            author=row.author,
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
) -> OutboxEntry:
    """Wait and try again, or stop and tell the log (and so the user) what to fix.

    `in_doubt`: the remote may have accepted it anyway, so the retry checks first.
    """
    now = log.clock.now()
    with write_transaction(log.conn):
        row = entry(log, row_id)
        outbox_rows.record_failure(
            log.conn,
            "outbox",
            row,
            message,
            now,
            retryable=retryable,
            retry_after=retry_after,
            in_doubt=in_doubt,
            jitter=jitter,
        )
        if not retryable:
            log.append_in_transaction(
                row.incident_id,
                Kind.COMMS,
                _comms(
                    CommsAction.FAILED, row.audience, row.channel, row.text, row_id, error=message
                ),
                author=row.author,
            )
    return entry(log, row_id)


def recover_interrupted(
    log: IncidentLog, is_alive: Callable[[str], bool] | None = None
) -> list[OutboxEntry]:
    """Rows left 'sending' by a Commander that stopped: due again at once.

    A row whose channel had not yet taken the irreversible step goes out again; one
    that had keeps `in_doubt`, so the worker asks the remote before sending it again.
    """
    recovered = outbox_rows.recover_interrupted(
        log.conn,
        "outbox",
        log.clock.now(),
        "Commander stopped while sending this update.",
        is_alive,
    )
    return [entry(log, row_id) for row_id in recovered]


# -- what people do to a row -------------------------------------------------------


def retry(log: IncidentLog, row_id: str) -> OutboxEntry:
    """Due now; a failed row starts counting its waits again."""
    with write_transaction(log.conn):
        outbox_rows.retry(log.conn, "outbox", entry(log, row_id), log.clock.now())
    return entry(log, row_id)


def cancel(log: IncidentLog, row_id: str, *, author: str) -> OutboxEntry:
    with write_transaction(log.conn):
        row = entry(log, row_id)
        outbox_rows.cancel(log.conn, "outbox", row, log.clock.now())
        log.append_in_transaction(
            row.incident_id,
            Kind.COMMS,
            _comms(CommsAction.CANCELLED, row.audience, row.channel, row.text, row_id),
            author=author,
        )
    return entry(log, row_id)


def edit(log: IncidentLog, row_id: str, text: str, subject: str | None = None) -> OutboxEntry:
    """Change a queued update's words before it goes out."""
    body_text = clean_text(text, "update text")
    with write_transaction(log.conn):
        row = entry(log, row_id)
        rules.check_can_edit(row.state, row.in_doubt)
        new_subject = (
            clean_text(subject, "subject", MAX_TITLE).splitlines()[0] if subject else row.subject
        )
        log.conn.execute(
            "UPDATE outbox SET text = ?, subject = ?, updated_at = ? WHERE id = ?",
            [body_text, new_subject, to_iso(log.clock.now()), row_id],
        )
    return entry(log, row_id)


# -- reading ------------------------------------------------------------------------


def entry(log: IncidentLog, row_id: str) -> OutboxEntry:
    """One row by id, or by an unambiguous start of its id (as the CLI prints it)."""
    missing = f"There is no update '{row_id}' in the outbox."
    select = f"SELECT {_COLUMNS} FROM outbox"
    return _entry(outbox_rows.find(log.conn, select, row_id, missing=missing, noun="update"))


def entries(
    log: IncidentLog,
    *,
    incident_id: str | None = None,
    waiting_only: bool = False,
    limit: int = 200,
) -> list[OutboxEntry]:
    """Newest first."""
    where, params = [], []
    if incident_id is not None:
        where.append("incident_id = ?")
        params.append(incident_id)
    if waiting_only:
        where.append(f"state IN ({WAITING_SQL}, '{OutboxState.FAILED.value}')")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = log.conn.execute(
        f"SELECT {_COLUMNS} FROM outbox {clause} ORDER BY seq DESC LIMIT ?", [*params, limit]
    )
    return [_entry(r) for r in rows]


def remote_incident(log: IncidentLog, channel: str, incident_id: str) -> str | None:
    row = log.conn.execute(
        "SELECT remote_id FROM remote_incidents WHERE channel = ? AND incident_id = ?",
        [channel, incident_id],
    ).fetchone()
    return row[0] if row else None


def thread_root(log: IncidentLog, row: OutboxEntry) -> str | None:
    """The Message-ID of the first update this audience got of this incident through this
    channel, so a mail client shows every later one in its conversation."""
    found = log.conn.execute(
        "SELECT message_id FROM outbox WHERE incident_id = :incident AND audience = :audience "
        "AND channel = :channel AND state = :sent AND seq < :seq ORDER BY seq LIMIT 1",
        {
            "incident": row.incident_id,
            "audience": row.audience.value,
            "channel": row.channel,
            "sent": OutboxState.SENT.value,
            "seq": row.seq,
        },
    ).fetchone()
    return str(found[0]) if found else None


def remote_incidents_elsewhere(log: IncidentLog, channel: str, incident_id: str) -> frozenset[str]:
    """The remote incidents on `channel` that other local incidents own."""
    rows = log.conn.execute(
        "SELECT remote_id FROM remote_incidents WHERE channel = :channel "
        "AND incident_id != :incident",
        {"channel": channel, "incident": incident_id},
    )
    return frozenset(str(r[0]) for r in rows)


def _entry(row: Sequence[Any]) -> OutboxEntry:
    values = list(row)
    values[4] = Audience(values[4])
    values[10] = tuple(json.loads(values[10]))
    values[14] = OutboxState(values[14])
    values[18] = bool(values[18])
    return OutboxEntry(*values)
