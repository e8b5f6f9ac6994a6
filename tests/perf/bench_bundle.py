"""The desktop bundle's start-up against the same app from source, measured in one run.

`dist/commander/commander --smoke-test` vs `python -m commander_app --smoke-test`: each a real
process timed from spawn to the line it prints after the window's first paint, the two
alternated so machine noise hits both alike, one warm-up each, medians compared.
Target: frozen / source <= 1.5. Also prints the bundle's size on disk (target < 150 MB).

Build the bundle first (python build/build.py), then from the repository root (a report,
not a test; it always exits 0 once both ran):

    QT_QPA_PLATFORM=offscreen python tests/perf/bench_bundle.py [--runs 9] [--bundle DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_ui import compile_package, measure

ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 1.5
TARGET_MB = 150


def disk_usage(folder: Path) -> int:
    """Bytes on disk (allocated blocks, as `du` counts them)."""
    return sum(p.lstat().st_blocks * 512 for p in [folder, *folder.rglob("*")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "commander")
    args = parser.parse_args(argv)
    frozen_app = args.bundle / "commander"
    if not frozen_app.is_file():
        print(f"no bundle at {args.bundle}: build it first with python build/build.py")
        return 1
    compile_package()  # the source run timed as installed, like the frozen one
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    med = statistics.median
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_bundle-") as scratch:
        work = Path(scratch)
        env["XDG_CONFIG_HOME"] = str(work / "config")  # no window.ini of the developer's
        env["XDG_DATA_HOME"] = str(work / "data")
        frozen = [str(frozen_app), "--smoke-test"]
        source = [sys.executable, "-m", "commander_app", "--smoke-test"]
        print(f"[1/2] cold start to first paint, new log, {args.runs} runs each")
        f, s = measure(frozen, source, env, args.runs)
        rows.append(("start to first paint", med(t for t, _ in f), med(t for t, _ in s), True))
        # A laptop's log already exists: the start a commander sees every time.
        log = work / "existing.db"
        print(f"[2/2] the same on an existing log, {args.runs} runs each")
        f, s = measure(
            [str(frozen_app), "--db", str(log), "--smoke-test"],
            [sys.executable, "-m", "commander_app", "--db", str(log), "--smoke-test"],
            env,
            args.runs,
        )
        rows.append(
            ("  the same on an existing log", med(t for t, _ in f), med(t for t, _ in s), False)
        )
    header = (
        f"{'metric':<32} {'frozen ms':>10} {'source ms':>10} {'ratio':>7} {'target':>7}  verdict"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for metric, frozen_s, source_s, targeted in rows:
        ratio = frozen_s / source_s
        verdict = ("PASS" if ratio <= TARGET_RATIO else "MISS") if targeted else "info"
        target = f"<={TARGET_RATIO:g}" if targeted else "-"
        print(
            f"{metric:<32} {frozen_s * 1e3:>10.1f} {source_s * 1e3:>10.1f} {ratio:>7.2f}"
            f" {target:>7}  {verdict}"
        )
    size = disk_usage(args.bundle)
    verdict = "PASS" if size / 1e6 < TARGET_MB else "MISS"
    print(
        f"\nbundle size on disk: {size / 2**20:.0f} MiB, {size / 1e6:.0f} MB"
        f" (target < {TARGET_MB} MB)  {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
