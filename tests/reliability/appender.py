"""A child process that appends to an incident log and acknowledges each entry.

Run as `python appender.py DB INCIDENT_ID [options]`. With --wait-go it
prints `waiting` and starts only on a `go` line from stdin (a barrier for
racing writers). It prints `ready ID` once the log is open, then the id of
every event on its own line, flushed, only after `IncidentLog` returned it:
a printed id is an entry the user saw accepted.

Entry number n always has the text `entry n`, so a test can tell from the
database alone which entries were committed and that none is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

from commander_app.core.errors import ValidationError
from commander_app.core.model import Kind, Status
from commander_app.store.incident_log import IncidentLog


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("incident", help="an incident id, or NEW to open one first")
    parser.add_argument("--device", default="device-child")
    parser.add_argument("--author", default="child")
    parser.add_argument("--count", type=int, default=0, help="entries to write; 0: no limit")
    parser.add_argument("--until", type=Path, help="stop once this file exists")
    parser.add_argument("--wait-go", action="store_true", help="wait for `go` on stdin to start")
    parser.add_argument("--mix", action="store_true", help="add backfills, corrections, statuses")
    parser.add_argument("--backup-every-append", action="store_true", help="as the timer does")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between entries")
    args = parser.parse_args()

    if args.wait_go:
        _say("waiting")
        if sys.stdin.readline().strip() != "go":
            return 3
    interval = timedelta(0) if args.backup_every_append else timedelta(minutes=10)
    log = IncidentLog(args.db, device_id=args.device, backup_interval=interval)
    incident_id = args.incident
    if incident_id == "NEW":
        incident_id = log.open_incident(f"Opened by {args.device}", author=args.author).id
    _say(f"ready {incident_id}")

    previous: str | None = None
    n = 0
    while args.count == 0 or n < args.count:
        if args.until is not None and args.until.exists():
            break
        previous = _write_entry(log, incident_id, n, previous, args.author, args.mix)
        n += 1
        if args.backup_every_append and log.backup_due():
            # What the window's backup timer does, here after every entry.
            log.backups.take_from_file(log.path, log.clock.now())
        if args.pause:
            time.sleep(args.pause)  # a person's pace, not a tight loop that starves others
    _say("done")
    log.close()
    return 0


def _write_entry(
    log: IncidentLog, incident_id: str, n: int, previous: str | None, author: str, mix: bool
) -> str:
    """Entry n, plus (with mix) the odd backfill, correction and status change, so
    the projection is both extended in place and recomputed from earlier events."""
    text = f"entry {n}"
    if mix and n % 11 == 10 and previous is not None:
        event = log.log(incident_id, text, author=author, supersedes=previous)
    elif mix and n % 7 == 6:
        backfilled = log.clock.now() - timedelta(seconds=30)
        event = log.log(incident_id, text, author=author, at=backfilled)
    elif mix and n % 13 == 12:
        event = log.log(incident_id, text, kind=Kind.FINDING, author=author)
        _say(event.id)
        # Every other status change is backfilled: it lands before earlier ones.
        at = log.clock.now() - timedelta(seconds=30) if n % 26 == 25 else None
        for target in (Status.IDENTIFIED, Status.INVESTIGATING):
            try:
                _say(log.set_status(incident_id, target, author=author, at=at).id)
                break
            except ValidationError:  # already there, perhaps set by the other writer
                continue
        return event.id
    else:
        event = log.log(incident_id, text, author=author)
    _say(event.id)
    return event.id


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
