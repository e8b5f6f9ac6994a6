"""Builds Commander's desktop bundle, dist/commander/, with PyInstaller (build/commander.spec).

Run it with the Python of a virtual environment where Commander is installed
(`pip install -e .` or `pip install '.[bundle]'`), from anywhere:

    .venv/bin/python build/build.py [--clean]

It needs PyInstaller (the `bundle` extra); if that is missing and this Python is a virtual
environment, it installs it there with pip and says so. PyInstaller's work files go to
build/work/ (ignored by git); --clean also empties PyInstaller's cache first.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"
WORK = HERE / "work"
BUNDLE = DIST / "commander"
PYINSTALLER = "pyinstaller>=6.0"
# Beside the executable: the per-user installer and the USB-stick launcher.
EXTRAS = ("install.sh", "commander-usb")


def ensure_pyinstaller() -> None:
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    if sys.prefix == sys.base_prefix:
        raise SystemExit(
            f"build: PyInstaller is missing and {sys.executable} is not a virtual environment;"
            f" install it yourself (pip install '{PYINSTALLER}') or use a venv"
        )
    print(f"build: PyInstaller is missing; installing {PYINSTALLER} into {sys.prefix}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", PYINSTALLER], check=True)


def ensure_commander_installed() -> None:
    """The spec freezes the installed dependencies; a missing one would be a broken bundle."""
    missing = [
        name
        for name in ("commander_app", "PySide6", "sqlite_utils", "keyring", "jinja2", "requests")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise SystemExit(
            f"build: {', '.join(missing)} not importable from {sys.executable};"
            " install Commander first: pip install -e ."
        )


def disk_usage(folder: Path) -> int:
    """Bytes the folder takes on disk (allocated blocks, like `du`)."""
    return (
        sum(p.lstat().st_blocks * 512 for p in folder.rglob("*")) + folder.lstat().st_blocks * 512
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    args = parser.parse_args(argv)
    ensure_commander_installed()
    ensure_pyinstaller()
    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(HERE / "commander.spec"),
        "--noconfirm",
        "--log-level=WARN",
        f"--workpath={WORK}",
        f"--distpath={DIST}",
    ]
    if args.clean:
        command.append("--clean")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    for name in EXTRAS:
        shutil.copy2(HERE / name, BUNDLE / name)
    size = disk_usage(BUNDLE)
    where = BUNDLE.relative_to(ROOT)
    print(
        f"build: {where}/ built in {time.perf_counter() - started:.0f} s,"
        f" {size / 2**20:.0f} MiB ({size / 1e6:.0f} MB) on disk; start it with {where}/commander"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
