"""Window benchmarks, each against a baseline measured in the same run.

1. Cold start: `commander --smoke-test` (a real process: interpreter, imports, opening the
   log, the main window's first paint) vs a bare PySide6 script that shows an empty
   QMainWindow and quits on its first paint. Both are timed from spawn to the line each prints
   after painting. Target: ratio <= 2.0.
2. Opening a 100,000-event incident vs a 100-event one, to the first paint of the window
   (`commander --smoke-test --db FILE`, the incident selected first). Target: ratio <= 1.5,
   and peak memory (max RSS) of the large one within 40 MiB of the small one.

Commander is timed as installed: its modules compiled to bytecode, as pip does when it
installs a wheel and Python does on the first run of an editable install. The bench compiles
them first, so a machine that sets PYTHONDONTWRITEBYTECODE does not time the compiler instead.

Run from the repository root (a report, not a test; it always exits 0):

    QT_QPA_PLATFORM=offscreen python tests/perf/bench_ui.py [--runs 9] [--events 100000]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_store import Row, TextGen, bulk_incident, open_log, print_table

from commander_app.core.model import Kind

BARE_WINDOW = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QTimer.singleShot(0, app.quit)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
painted = FirstPaint()
window.installEventFilter(painted)
window.show()
app.exec()
"""


def run_to_paint(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawn until the child reports its first paint, and its max RSS (KiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 or not line:
        raise SystemExit(f"{command} failed ({child.returncode}): {line!r}")
    return elapsed, usage.ru_maxrss


def compile_package() -> None:
    """Write the package's bytecode caches, as an installed Commander has them."""
    import commander_app

    compileall.compile_dir(Path(commander_app.__file__).parent, quiet=1)


def measure(a: list[str], b: list[str], env: dict[str, str], runs: int) -> tuple[list, list]:
    """Alternate the two commands so machine noise hits both alike; one warm-up each."""
    run_to_paint(a, env)
    run_to_paint(b, env)
    first, second = [], []
    for i in range(runs):
        for command, out in ((a, first), (b, second)) if i % 2 == 0 else ((b, second), (a, first)):
            out.append(run_to_paint(command, env))
    return first, second


# A long incident is mostly machine-fed alerts and observations; about one entry in a
# hundred is a hypothesis, finding, action or decision on the board.
REALISTIC_KINDS = (
    [Kind.ALERT] * 56
    + [Kind.OBSERVATION] * 25
    + [Kind.NOTE] * 15
    + [Kind.HYPOTHESIS, Kind.FINDING, Kind.ACTION, Kind.DECISION]
)


def build_db(path: Path, events: int, seed: int) -> None:
    log = open_log(path)
    bulk_incident(log, f"Incident with {events:,} events", events, TextGen(seed), REALISTIC_KINDS)
    log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)
    compile_package()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    commander = [sys.executable, "-m", "commander_app"]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench_ui-") as scratch:
        work = Path(scratch)
        env["XDG_CONFIG_HOME"] = str(work / "config")  # no window.ini of the developer's
        env["XDG_DATA_HOME"] = str(work / "data")
        bare = work / "bare_window.py"
        bare.write_text(BARE_WINDOW)
        big, small = work / "big.db", work / "small.db"
        started = time.perf_counter()
        build_db(big, args.events, 1)
        build_db(small, 100, 2)
        print(f"built the logs in {time.perf_counter() - started:.1f} s")
        med = statistics.median
        print(f"[1/2] cold start, {args.runs} runs each")
        app, base = measure(
            [*commander, "--smoke-test"], [sys.executable, str(bare)], env, args.runs
        )
        rows.append(
            Row("cold start to first paint", med(t for t, _ in app), med(t for t, _ in base), 2.0)
        )
        # The smoke test's temporary log is new, so its schema is created; a laptop's own
        # log already exists, which is the start a commander sees every time.
        app, base = measure(
            [*commander, "--db", str(small), "--smoke-test"],
            [sys.executable, str(bare)],
            env,
            args.runs,
        )
        rows.append(
            Row(
                "  the same on an existing log",
                med(t for t, _ in app),
                med(t for t, _ in base),
                None,
            )
        )
        print(f"[2/2] opening {args.events:,} vs 100 events")
        large, little = measure(
            [*commander, "--db", str(big), "--smoke-test"],
            [*commander, "--db", str(small), "--smoke-test"],
            env,
            args.runs,
        )
        rows.append(
            Row(
                f"open {args.events:,}-event incident vs 100",
                med(t for t, _ in large),
                med(t for t, _ in little),
                1.5,
            )
        )
        large_mib, little_mib = max(m for _, m in large) / 1024, max(m for _, m in little) / 1024
        extra_mib = large_mib - little_mib
    print()
    print_table(rows)
    verdict = "PASS" if extra_mib <= 40 else "MISS"
    print(
        f"peak memory (max RSS): {large_mib:.1f} MiB with {args.events:,} events, "
        f"{little_mib:.1f} MiB with 100"
    )
    print(f"peak memory, large minus small: {extra_mib:.1f} MiB (target <= 40)  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
