"""How long a terminal's `commander log` waits while a large `commander import` runs.

A report, not a test: builds a bundle of N notes, starts `commander import` as a real
process, waits until it holds the log's write lock, then runs `commander log` on another
incident from a second process, again and again until the import ends, and prints how
long the longest of them waited. When the import was one transaction, with 300,000
events the first writer waited the whole busy timeout (10 s) and was refused; staged and
published in bounded transactions, every writer is written within a fraction of a second.

    python tests/perf/bench_import_wait.py [--events 300000]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from commander_app.core.chain import ChainLink, link_dict, next_link
from commander_app.core.clock import FixedClock
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind, Severity
from commander_app.store.bundles import export_bundle
from commander_app.store.incident_log import IncidentLog

COMMANDER = Path(sys.executable).parent / "commander"


def write_bundle(folder: Path, count: int) -> Path:
    start = datetime.now(UTC) - timedelta(days=3)
    with IncidentLog(folder / "source.db", device_id="device-src", clock=FixedClock(start)) as log:
        incident = log.open_incident("Large import", severity=Severity.SEV2, author="Ada")
        bundle = export_bundle(log, incident.id)
    opening = bundle["events"][0]
    events = [opening]
    # Each note is chained after the one before it, as the exporting laptop wrote them.
    tip = ChainLink(opening["chain"]["prev"], opening["chain"]["hash"])
    tip_id = opening["id"]
    when = start
    for number in range(count):
        when += timedelta(milliseconds=500)
        stamp = when.isoformat().replace("+00:00", "Z")
        event = Event(new_ulid(when), incident.id, Kind.NOTE, {"text": f"entry {number}"},
                      opening["author"], opening["device_id"], stamp, stamp)  # fmt: skip
        tip, tip_id = next_link(event, tip, tip_id), event.id
        events.append({**event.to_dict(), "chain": link_dict(tip)})
    bundle["events"] = events
    path = folder / "large.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def holds_write_lock(db: Path) -> bool:
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        env = {**os.environ, "COMMANDER_AUTHOR": "Bea", "XDG_CONFIG_HOME": str(folder / "cfg")}
        db = folder / "team.db"
        bundle = write_bundle(folder, args.events)
        subprocess.run([COMMANDER, "--db", db, "new", "Other"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        listed = subprocess.run([COMMANDER, "--db", db, "list", "--json"], env=env, check=True,
                                capture_output=True, text=True)  # fmt: skip
        other = json.loads(listed.stdout)[0]["id"]
        began = time.monotonic()
        importer = subprocess.Popen(
            [COMMANDER, "--db", db, "import", bundle],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while importer.poll() is None and not holds_write_lock(db):
            time.sleep(0.05)  # a measurement: wait for the import to take the lock
        waits: list[float] = []
        refused: list[str] = []
        while importer.poll() is None:
            asked = time.monotonic()
            writer = subprocess.run(
                [COMMANDER, "--db", db, "log", "--incident", other, "during the import"],
                env=env, capture_output=True, text=True,
            )  # fmt: skip
            waits.append(time.monotonic() - asked)
            if writer.returncode != 0:
                refused.append(writer.stderr.strip())
            time.sleep(0.5)
        importer.communicate()
        print(f"import of {args.events:,} events: {time.monotonic() - began:.1f} s, "
              f"exit {importer.returncode}")  # fmt: skip
        waits.sort()
        print(f"`commander log` during it, {len(waits)} times: longest took {waits[-1]:.2f} s, "
              f"median {waits[len(waits) // 2]:.2f} s (a process start included); "
              f"{len(refused)} refused")  # fmt: skip
        for line in refused[:3]:
            print(f"  refused: {line}")


if __name__ == "__main__":
    main()
