"""A laptop's writer in its own process: `python -m tests.sync.write_entries DB DEVICE
INCIDENT COUNT [--batch N]`. Appends COUNT notes to INCIDENT, one transaction each (as
people type them), or N per transaction with --batch (a backlog, written fast)."""

from __future__ import annotations

import argparse

from commander_app.core.model import Event, Kind
from commander_app.store.incident_log import IncidentLog


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("device")
    parser.add_argument("incident")
    parser.add_argument("count", type=int)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    with IncidentLog(args.db, device_id=args.device) as log:
        written = 0
        while written < args.count:
            size = min(args.batch, args.count - written)
            if size == 1:
                log.log(args.incident, f"{args.device} entry {written}", author=args.device)
            else:
                now = log.clock.now()
                events: list[Event] = [
                    log._event(
                        args.incident,
                        Kind.NOTE,
                        {"text": f"{args.device} entry {written + i}"},
                        args.device,
                        None,
                        now,
                    )
                    for i in range(size)
                ]
                log._write(events)
            written += size


if __name__ == "__main__":
    main()
