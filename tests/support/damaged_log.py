"""A log SQLite still opens (its header, schema and version read fine) with one page of
one table or index overwritten: only a full integrity check, or a read of that page,
finds it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from commander_app.core.clock import Clock
from commander_app.store.incident_log import IncidentLog


def write_damaged_log(path: Path, clock: Clock, where: str = "events_fts_data") -> str:
    """Fills a log with a few hundred entries, then damages a page of `where` (by default
    the search index, which opening the window does not read); returns the incident's id."""
    with IncidentLog(path, device_id="device-test", clock=clock) as log:
        incident = log.open_incident("Checkout failing", author="dana")
        for number in range(300):
            log.log(incident.id, f"entry {number} " + "x" * 200, author="dana")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (page,) = conn.execute(
        "SELECT max(pageno) FROM dbstat WHERE name = ? AND pagetype = 'leaf'", [where]
    ).fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    start = page_size * (page - 1)
    data[start : start + page_size] = b"\x0d" + b"\xff" * (page_size - 1)
    path.write_bytes(bytes(data))
    return incident.id
