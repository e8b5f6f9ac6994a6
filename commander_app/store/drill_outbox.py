"""The drill outbox: what a drill's updates would have sent, and to whom.

A drill's "send" is recorded here instead of the outbox, rendered as its channel would
have shown it (every part marked EXERCISE), with a comms event marked as a drill in the
same transaction, so the cadence and the timeline run as in a real incident. Nothing
reads this table to deliver: the outbox worker never sees a drill's update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commander_app.core import drill_text
from commander_app.core.bodies import CommsBody
from commander_app.core.events import MAX_TITLE, clean_text
from commander_app.core.ids import new_ulid
from commander_app.core.model import Audience, CommsAction, IncidentState, Kind
from commander_app.core.times import to_iso
from commander_app.core.update_facts import UpdateFacts
from commander_app.store import channels as channel_store
from commander_app.store.channels import StoredChannel
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

NOT_SENT = "not_sent"
UNAVAILABLE = "unavailable"  # the drill made this channel fail (a status page down)
OUTCOME_LABELS = {
    NOT_SENT: drill_text.DRILL_NOT_SENT,
    UNAVAILABLE: "drill: channel unavailable",
}
# Where a drill's update goes when no channel serves its audience: a team's first
# tabletop needs no channel set up to practise its updates.
NO_CHANNEL = StoredChannel("no-channel", "none", {}, "", "")
_COLUMNS = (
    "seq, id, incident_id, channel, channel_kind, audience, incident_name, subject, text, "
    "outcome, author, created_at"
)


@dataclass(frozen=True)
class DrillUpdate:
    """One update a drill would have sent through one channel."""

    seq: int
    id: str
    incident_id: str
    channel: str
    channel_kind: str
    audience: Audience
    incident_name: str
    subject: str
    text: str
    outcome: str
    author: str
    created_at: str

    @property
    def label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


def record(
    log: IncidentLog,
    incident_id: str,
    audience: Audience,
    channels: Sequence[str],
    subject: str,
    text: str,
    *,
    author: str,
    next_update_at: datetime | None,
    facts: UpdateFacts,
) -> list[str]:
    """A drill's Send: what each channel would have shown, recorded; with no channel
    chosen, the update is still recorded (a first tabletop needs none set up)."""
    body_text = clean_text(text, "update text")
    subject = clean_text(subject, "subject", MAX_TITLE).splitlines()[0]
    names = list(dict.fromkeys(channels)) or [NO_CHANNEL.name]
    targets = [
        NO_CHANNEL if name == NO_CHANNEL.name else channel_store.channel(log, name)
        for name in names
    ]
    with write_transaction(log.conn):
        return record_in_transaction(
            log,
            log.incident(incident_id),
            audience,
            targets,
            subject,
            body_text,
            author=author,
            next_update_at=next_update_at,
            facts=facts,
            unavailable_kinds=unavailable_kinds(log, incident_id),
        )


def record_in_transaction(
    log: IncidentLog,
    state: IncidentState,
    audience: Audience,
    targets: Sequence[StoredChannel],
    subject: str,
    text: str,
    *,
    author: str,
    next_update_at: datetime | None,
    facts: UpdateFacts,
    unavailable_kinds: frozenset[str] = frozenset(),
) -> list[str]:
    """Inside the caller's write transaction: one drill row and its comms event per channel.

    A channel whose kind the drill made unavailable records a failed update, as a real
    outage would; the others count as sent for the drill's cadence, marked "not sent".
    """
    now = log.clock.now()
    ids: list[str] = []
    for target in targets:
        row_id = new_ulid(now)
        ids.append(row_id)
        shown = drill_text.render(target.kind, state.title, subject, text)
        down = target.kind in unavailable_kinds
        log.conn.execute(
            f"INSERT INTO drill_outbox ({_COLUMNS}) VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?)",
            [
                row_id,
                state.id,
                target.name,
                target.kind,
                audience.value,
                shown.incident_name,
                shown.subject,
                shown.text,
                UNAVAILABLE if down else NOT_SENT,
                author,
                to_iso(now),
            ],
        )
        body: CommsBody = {
            "action": (CommsAction.FAILED if down else CommsAction.SENT).value,
            "audience": audience.value,
            "channel": target.name,
            "text": shown.text,
            "outbox_id": row_id,
            "drill": True,
        }
        if down:
            body["error"] = drill_text.STATUS_PAGE_DOWN
        else:
            body["detail"] = drill_text.DRILL_NOT_SENT
            if next_update_at is not None:
                body["next_update_at"] = to_iso(next_update_at)
        body = {**body, **facts.body_fields()}
        log.append_in_transaction(state.id, Kind.COMMS, body, author=author)
    return ids


def unavailable_kinds(log: IncidentLog, incident_id: str) -> frozenset[str]:
    """The channel kinds this drill has made fail: the status pages, once a
    status_page_down inject has fired."""
    down = log.conn.execute(
        "SELECT 1 FROM events WHERE incident_id = ? AND kind = 'drill' "
        "AND json_extract(body, '$.action') = 'fired' "
        "AND json_extract(body, '$.inject_kind') = 'status_page_down' LIMIT 1",
        [incident_id],
    ).fetchone()
    return drill_text.STATUS_PAGE_KINDS if down else frozenset()


def updates(
    log: IncidentLog,
    incident_id: str | None = None,
    *,
    open_only: bool = False,
    after_seq: int = 0,
    limit: int = 200,
) -> list[DrillUpdate]:
    """Newest first: one incident's, or every drill's (`open_only`: of drills not resolved)."""
    where: list[str] = ["seq > ?"]
    params: list[Any] = [after_seq]
    if incident_id is not None:
        where.append("incident_id = ?")
        params.append(incident_id)
    if open_only:
        where.append("incident_id IN (SELECT id FROM incidents WHERE status != 'resolved')")
    clause = f"WHERE {' AND '.join(where)} "
    rows = log.conn.execute(
        f"SELECT {_COLUMNS} FROM drill_outbox {clause}ORDER BY seq DESC LIMIT ?",
        [*params, limit],
    )
    return [_update(row) for row in rows]


def last_seq(log: IncidentLog) -> int:
    """Where the drill outbox ends now, to show what one send adds to it."""
    (seq,) = log.conn.execute("SELECT coalesce(max(seq), 0) FROM drill_outbox").fetchone()
    return int(seq)


def _update(row: Sequence[Any]) -> DrillUpdate:
    values = list(row)
    values[5] = Audience(values[5])
    return DrillUpdate(*values)
