"""The remote incidents another laptop's events name, adopted as this laptop's own.

A sent update's event carries the incident it went into on its channel (a status
page's incident id). When this log receives such an event (an import now, team sync
later) for a channel and incident it has no remote incident for, that one becomes
this laptop's, so its next update amends the same status-page incident instead of
opening a second. Where this log already has another, it keeps its own: the two show
as a conflict (`core.sync_conflicts`) until someone settles it, and the settlement,
wherever it was written, names the one every laptop uses from then on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from commander_app.core.bodies import read_comms, read_conflict
from commander_app.core.model import CommsAction, Event, Kind, story_order


def adopt(conn: sqlite3.Connection, events: Iterable[Event]) -> int:
    """Adopt what `events` say about remote incidents, inside the caller's transaction;
    returns how many rows were written."""
    if not conn.in_transaction:
        raise RuntimeError("adopt needs an open write transaction")
    written = 0
    for event in sorted(events, key=story_order):
        if event.kind is Kind.COMMS:
            body = read_comms(event)
            remote, channel = body.get("remote_incident_id"), body.get("channel")
            if body.get("action") != CommsAction.SENT or not remote or not channel:
                continue
            cursor = conn.execute(
                "INSERT OR IGNORE INTO remote_incidents (channel, incident_id, remote_id, "
                "recorded_at) VALUES (?, ?, ?, ?)",
                [channel, event.incident_id, remote, event.recorded_at],
            )
        elif event.kind is Kind.CONFLICT:
            settled = read_conflict(event)
            remote, channel = settled.get("remote_incident_id"), settled.get("channel")
            if not remote or not channel:
                continue
            cursor = conn.execute(
                "INSERT OR REPLACE INTO remote_incidents (channel, incident_id, remote_id, "
                "recorded_at) VALUES (?, ?, ?, ?)",
                [channel, event.incident_id, remote, event.recorded_at],
            )
        else:
            continue
        written += cursor.rowcount
    return written
