"""Whatever a window starts ends when it closes: no timer of a closed window fires on
a closed log, whichever part started it, and no thread of its keeps running."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui import backup_timer
from commander_app.ui.main_window import MainWindow
from tests.ui.conftest import BERLIN

PAST_EVERY_FIRST_TICK_MS = 1_500  # the outbox's first look is at 1 s, the backup's patched below


def busy_window(qtbot: QtBot, log: IncidentLog, settings_file: Path) -> MainWindow:
    """A window with every part started: an incident, the rollback panel, the outbox thread,
    the Follow-ups view (its minute's refresh) and the status bar's count."""
    window = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(window)
    window.open_incident("Checkout 500s")
    window.show()
    qtbot.waitExposed(window)
    window.rollback_tab.build()
    window.publishing.runner.poke()
    qtbot.waitUntil(lambda: not window.publishing.runner.busy, timeout=5000)
    window.follow_ups.after_first_paint()
    window.follow_ups.show_view()
    return window


def outbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "commander-outbox" and t.is_alive()]


def test_closing_stops_every_timer_and_thread_the_window_started(
    qtbot: QtBot, log: IncidentLog, settings_file: Path
) -> None:
    window = busy_window(qtbot, log, settings_file)
    assert [t for t in window.findChildren(QTimer) if t.isActive()]  # it was running
    assert outbox_threads()
    view = window.follow_ups.view
    assert view is not None
    assert view.isVisible()
    view_timers = view.findChildren(QTimer)
    assert [t for t in view_timers if t.isActive()]
    window.close()
    assert [t.objectName() or repr(t) for t in window.findChildren(QTimer) if t.isActive()] == []
    assert not view.isVisible()  # closed with the window, through its closing path
    assert [t for t in view_timers if t.isActive()] == []
    qtbot.waitUntil(lambda: not outbox_threads(), timeout=5000)


def test_a_window_closed_early_never_touches_its_closed_log(
    qtbot: QtBot,
    db_path: Path,
    clock: FixedClock,
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Closed before any first tick (the backup on open, the outbox's first look, the
    live poll): the log is closed, and nothing fires on it afterwards."""
    monkeypatch.setattr(backup_timer, "FIRST_CHECK_MS", 100)
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("Checkout failing", author="dana")  # a backup is due
    log = IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True)
    window = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(window)
    window.show()
    window.close()
    log.close()
    qtbot.wait(PAST_EVERY_FIRST_TICK_MS)  # an exception in a late slot fails the test
