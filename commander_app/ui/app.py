"""Starting the window: the default log, a clear message if it cannot be opened,
and the `--smoke-test` mode used by CI and the desktop bundle."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The window's non-Qt modules load before PySide6 does: once loaded, PySide6 reads the
# source of every module imported after it (its `__feature__` check), 6-10 ms at start.
from commander_app.core import change_words, countdown, glance, item_numbers  # noqa: F401
from commander_app.core.errors import CommanderError
from commander_app.store import (  # noqa: F401 (most are named only to load them first)
    board,
    cadence,
    environment,
    outbox_status,
    timeline,
)
from commander_app.store.database import LogConnection
from commander_app.store.errors import DamagedDatabaseError
from commander_app.store.incident_log import IncidentLog

# isort: split
from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from commander_app.ui.bug_report import BugHook
from commander_app.ui.main_window import MainWindow


def seconds_since_process_start(fallback_start: float) -> float:
    """From the kernel's record of when this process began (Linux), so the
    interpreter's own start-up counts; elsewhere, from when the CLI was imported."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - fallback_start


def application_icon() -> QIcon:
    """Commander's icon from the shipped PNGs; Qt reads a size only when it draws it."""
    from importlib import resources

    icon = QIcon()
    folder = resources.files("commander_app.resources").joinpath("icons")
    for size in (16, 32, 48, 64, 128, 256):
        icon.addFile(str(folder.joinpath(f"commander-{size}.png")), QSize(size, size))
    return icon


class _FirstPaint(QObject):
    """Notes the first paint of the window, reports it, and quits."""

    def __init__(self, app: QApplication, process_start: float) -> None:
        super().__init__()
        self._app = app
        self._process_start = process_start
        self.seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            elapsed = seconds_since_process_start(self._process_start)
            print(
                f"smoke-test ok: platform={self._app.platformName()} first_paint={elapsed:.3f}s",
                flush=True,
            )
            QTimer.singleShot(0, self._app.quit)
        return False


def _refuse(problem: Exception, smoke_test: bool) -> int:
    if smoke_test:
        print(f"commander: {problem}", file=sys.stderr)
    else:
        QApplication.setWindowIcon(application_icon())  # no window painted to set it
        QMessageBox.critical(None, "Commander cannot open the incident log", str(problem))
    return 1


def may_open_log(chosen: Path | None, *, smoke_test: bool, ask: Callable[[Path], bool]) -> bool:
    """A log someone named (--db, COMMANDER_DB) that does not exist is made only when they
    agree: a typo must not start a second log. Its folder must exist. The default log, and
    the smoke test's (CI cannot answer), are made without asking."""
    if chosen is None or chosen.exists() or smoke_test:
        return True
    environment.check_chosen_log(chosen, may_create=True)  # a missing folder is refused
    return ask(chosen)


def _agree_to_new_log(path: Path) -> bool:
    QApplication.setWindowIcon(application_icon())  # no window painted to set it
    answer = QMessageBox.question(
        None,
        "Start a new incident log?",
        f"There is no incident log at {path}.\n\nStart a new, empty log there? If you "
        "meant an existing log, choose No and check --db or COMMANDER_DB.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def run_app(db: Path | None, *, smoke_test: bool = False, process_start: float = 0.0) -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Commander")
    app.setOrganizationName("Commander")
    app.setDesktopFileName("commander")  # Wayland shows commander.desktop's icon and name
    hook = BugHook(app.activeWindow)
    hook.install()
    try:
        return _run_window(app, hook, db, smoke_test=smoke_test, process_start=process_start)
    finally:
        hook.remove()


def _run_window(
    app: QApplication, hook: BugHook, db: Path | None, *, smoke_test: bool, process_start: float
) -> int:
    with tempfile.TemporaryDirectory(prefix="commander-smoke-") as scratch:
        try:
            chosen = db or (None if smoke_test else environment.chosen_db_path())
            if not may_open_log(chosen, smoke_test=smoke_test, ask=_agree_to_new_log):
                return 1
        except CommanderError as exc:
            return _refuse(exc, smoke_test)
        if db is None:
            db = Path(scratch) / "smoke.db" if smoke_test else environment.default_db_path()
        try:
            log = IncidentLog(db, device_id=environment.device_id(), opened_by_window=True)
        except CommanderError as exc:
            return _refuse(exc, smoke_test)
        with log:
            check = log.integrity_check
            try:
                window = MainWindow(
                    log,
                    environment.default_author(),
                    environment.local_zone(),
                    environment.config_dir() / "window.ini",
                )
            except (sqlite3.DatabaseError, DamagedDatabaseError) as exc:
                # The window read a damaged page before the check on its thread had
                # finished: the check's verdict says what is wrong in the person's words;
                # damage the check misses (a value that does not decode) says it itself.
                problem = check.verdict() if check is not None else None
                if problem is None and isinstance(exc, DamagedDatabaseError):
                    problem = exc
                if problem is None:
                    raise
                return _refuse(problem, smoke_test)
            hook.on_damage = window.report_damage
            # The window manager draws the icon, not the first paint (3 ms of resource lookup).
            window.first_painted.connect(lambda: app.setWindowIcon(application_icon()))
            watcher = _FirstPaint(app, process_start)
            if smoke_test:
                window.installEventFilter(watcher)
                QTimer.singleShot(30_000, lambda: app.exit(3))  # never hang CI
            window.show()
            code = app.exec()
            if smoke_test and not watcher.seen:
                print("commander: the window never painted", file=sys.stderr)
                return code or 4
            problem = check.verdict() if smoke_test and check is not None else None
            if smoke_test and problem is None and isinstance(log.conn, LogConnection):
                problem = log.conn.damage  # met by a read the window made, told in its box
            if problem is not None:
                print(f"commander: {problem}", file=sys.stderr)
                return code or 5
            return code
