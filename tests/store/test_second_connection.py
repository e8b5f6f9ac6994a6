"""A second connection to the log in the same process (a worker thread's) leaves the
first one's locks alone: POSIX drops all of a process's locks on a file when any of its
descriptors of that file is closed, so the log's header is never read with open() while
this process has the log open."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from commander_app.store import database
from commander_app.store.incident_log import IncidentLog

_LEAVE_WAL = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0)
try:
    print(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
except sqlite3.OperationalError as exc:
    print(exc)
"""

_OTHER_PROGRAM = """
import sys
from commander_app.store.incident_log import IncidentLog
with IncidentLog(sys.argv[1], device_id="other-laptop-process") as log:
    log.log(sys.argv[2], "written by another program", author="bob")
"""


def test_a_second_connection_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    first = IncidentLog(path, device_id="window")
    incident = first.open_incident("Checkout 500s", author="alice")
    second = IncidentLog(path, device_id="window")  # a worker thread's connection
    assert database.open_here(path)
    second.close()
    # Leaving WAL needs the file to itself: refused while this process has it open.
    probe = subprocess.run(
        [sys.executable, "-c", _LEAVE_WAL, str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert probe.stdout.strip() in ("wal", "database is locked"), probe.stdout + probe.stderr
    # Another program opens, writes and closes: it must see that this process still has
    # the log open, and leave its write-ahead log in place.
    done = subprocess.run(
        [sys.executable, "-c", _OTHER_PROGRAM, str(path), incident.id],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first.log(incident.id, "written by the window", author="alice")
    first.close()
    assert not database.open_here(path)
    fresh = sqlite3.connect(path)
    try:
        assert fresh.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        texts = {r[0] for r in fresh.execute("SELECT text FROM events")}
    finally:
        fresh.close()
    assert {"written by another program", "written by the window"} <= texts
