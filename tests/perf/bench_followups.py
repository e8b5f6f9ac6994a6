"""The Follow-ups view on a large log, against the same view on a small one in the same run.

1. Opening the view to its first paint (offscreen), the first time in a window (its modules
   load then too): a log of 2,000 incidents with 10,000 follow-ups vs one of 20 incidents
   with 100. Each sample is a real process: the main window opens on the log, paints, does
   what it does just after its first paint, and then the view is opened and timed until its
   table has painted. Target: ratio <= 1.5.
2. For information: the status bar's count (`store.follow_ups.counts`) and the view's first
   page (`store.follow_ups.follow_ups`, 100 rows), in this process, on the same two logs.

Run from the repository root (a report, not a test; it always exits 0):

    QT_QPA_PLATFORM=offscreen python tests/perf/bench_followups.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.support, run as a script

from bench_store import START, Row, open_log, paired, print_table
from bench_ui import compile_package

from commander_app.store import follow_ups as store
from tests.support.follow_ups_data import bulk_follow_ups

SIZES = ((2_000, 10_000), (20, 100))

CHILD = """
import sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from bench_store import START

app = QApplication(sys.argv[:1])
log = IncidentLog(Path(sys.argv[1]), device_id="bench", clock=FixedClock(START))
window = MainWindow(log, "bench", ZoneInfo("Europe/Berlin"), Path(sys.argv[2]))
started = 0.0

class TablePainted(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and started:
            print(f"{time.perf_counter() - started:.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
            watched.removeEventFilter(self)
        return False

painted = TablePainted()

def open_view():
    global started
    started = time.perf_counter()
    view = window.follow_ups.show_view()
    view.table.viewport().installEventFilter(painted)

# What the window does just after its first paint (the rollback tab, the count) is done by then.
later = QTimer()
later.setSingleShot(True)
later.timeout.connect(open_view)
window.first_painted.connect(lambda: later.start(300))
window.show()
app.exec()
window.close()
log.close()
"""


def time_view(child: Path, db: Path, work: Path, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, str(child), str(db), str(work / "window.ini")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"the view did not open on {db}: {result.stderr[-2000:]}")
    return float(result.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    compile_package()
    here = Path(__file__).resolve().parent
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "PYTHONPATH": os.pathsep.join([str(here), str(here.parents[1])]),
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench_followups-") as scratch:
        work = Path(scratch)
        env["XDG_CONFIG_HOME"] = str(work / "config")
        env["XDG_DATA_HOME"] = str(work / "data")
        child = work / "open_view.py"
        child.write_text(CHILD)
        paths = []
        started = time.perf_counter()
        for incidents, items in SIZES:
            path = work / f"{incidents}.db"
            log = open_log(path)
            bulk_follow_ups(log, incidents, items, START, seed=incidents)
            listed = len(store.follow_ups(log, START))
            print(f"  {incidents:,} incidents, {items:,} items: {listed:,} open ones listed")
            log.close()
            paths.append(path)
        print(f"built the logs in {time.perf_counter() - started:.1f} s")
        big, small = paths
        print(f"[1/2] opening the view to its first paint, {args.runs} runs each")
        time_view(child, big, work, env)  # one warm-up each
        time_view(child, small, work, env)
        large, little = [], []
        for i in range(args.runs):
            order = (
                ((big, large), (small, little)) if i % 2 == 0 else ((small, little), (big, large))
            )
            for db, out in order:
                out.append(time_view(child, db, work, env))
        med = statistics.median
        rows.append(Row("open Follow-ups: 10,000 items vs 100", med(large), med(little), 1.5))
        print("[2/2] the queries behind it")
        big_log, small_log = open_log(big), open_log(small)
        s, b = paired(
            lambda: store.counts(big_log, START), lambda: store.counts(small_log, START), 50
        )
        rows.append(Row("  status bar count (counts)", med(s), med(b), None))
        s, b = paired(
            lambda: store.follow_ups(big_log, START, limit=100),
            lambda: store.follow_ups(small_log, START, limit=100),
            50,
        )
        rows.append(Row("  the view's first page (100 rows)", med(s), med(b), None))
        closed_too = store.FollowUpFilter(include_closed=True, include_drills=True)
        s, b = paired(
            lambda: store.follow_ups(big_log, START, closed_too, limit=100),
            lambda: store.follow_ups(small_log, START, closed_too, limit=100),
            50,
        )
        rows.append(Row("  the same, every item (closed, drills)", med(s), med(b), None))
        big_log.close()
        small_log.close()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
