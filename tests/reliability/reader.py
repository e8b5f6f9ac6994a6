"""A child process that reads an incident log while another process writes to it.

Run as `python reader.py DB WRITER_DEVICE STATES MAX_READS`: it reads until
it has seen STATES different event counts (or MAX_READS reads). Each read is
one read transaction, the way a window refreshing its timeline takes one
snapshot. For every read it prints one JSON line: how many events it saw and
any way the snapshot was inconsistent (a projection that is not the fold of
its events, counts that disagree, a gap in the writer's entries).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from commander_app.core import projection
from commander_app.store.incident_log import IncidentLog


def main() -> int:
    db, writer_device = Path(sys.argv[1]), sys.argv[2]
    states, max_reads = int(sys.argv[3]), int(sys.argv[4])
    log = IncidentLog(db, device_id="device-reader")
    print("ready", flush=True)
    counts: set[int] = set()
    for _ in range(max_reads):
        log.conn.execute("BEGIN")
        try:
            seen, problems = _read_snapshot(log, writer_device)
        finally:
            log.conn.execute("COMMIT")
        print(json.dumps({"events": seen, "problems": problems}), flush=True)
        counts.add(seen)
        if len(counts) >= states:
            break
    log.close()
    return 0


def _read_snapshot(log: IncidentLog, writer_device: str) -> tuple[int, list[str]]:
    problems: list[str] = []
    total = log.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    incidents = log.incidents(include_resolved=True)
    if sum(i.event_count for i in incidents) != total:
        problems.append(f"projection counts {sum(i.event_count for i in incidents)} of {total}")
    for stored in incidents:
        events = log.events(stored.id)
        if projection.fold(stored.id, events) != stored:
            problems.append(f"incident {stored.id} is not the fold of its {len(events)} events")
    texts = [
        row[0]
        for row in log.conn.execute(
            "SELECT text FROM events WHERE device_id = ? AND text LIKE 'entry %'", [writer_device]
        )
    ]
    numbers = sorted(int(text.split()[1]) for text in texts)
    if numbers != list(range(len(numbers))):
        problems.append(f"the writer's entries have a gap: {len(numbers)} entries")
    return total, problems


if __name__ == "__main__":
    sys.exit(main())
