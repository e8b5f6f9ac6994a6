"""Damage the integrity check missed, met by a read while the window is open: told in the
window's damage box with the newest good backup, never as a bug report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store import fault_log
from commander_app.store.errors import DamagedDatabaseError
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.bug_report import BugHook
from commander_app.ui.incident.timeline_model import TimelineModel
from commander_app.ui.main_window import MainWindow
from tests.support.bit_rot import spoil_text
from tests.ui.conftest import BERLIN


def _spoilt_log(path: Path, clock: FixedClock) -> tuple[str, Path]:
    """A log with one entry's body no longer UTF-8 (quick_check passes it), backed up."""
    with IncidentLog(path, device_id="laptop", clock=clock) as log:
        incident = log.open_incident("Checkout 500s", author="ada").id
        log.log(incident, "pool exhausted on payments-db", author="ada")
        backup = log.backup_now()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    spoil_text(path, '"pool exhausted on payments-db"')
    return incident, backup


def _damage(
    message: str = "The incident log x is damaged and was not changed (y).",
) -> DamagedDatabaseError:
    try:
        raise DamagedDatabaseError(message)
    except DamagedDatabaseError as exc:
        return exc


def test_the_timeline_model_tells_damage_in_its_rows(db_path: Path, clock: FixedClock) -> None:
    incident, backup = _spoilt_log(db_path, clock)
    with IncidentLog(db_path, device_id="laptop", clock=clock, opened_by_window=True) as log:
        model = TimelineModel(log.conn, BERLIN)
        with pytest.raises(DamagedDatabaseError, match=f"The newest good backup is {backup}"):
            model.show_incident(incident)


def test_damage_escaping_a_slot_goes_to_the_window_not_the_bug_report(qtbot: QtBot) -> None:
    told: list[str] = []
    hook = BugHook()
    hook.install()
    try:
        hook.on_damage = told.append
        exc = _damage()
        hook(type(exc), exc, exc.__traceback__)
        assert told == [str(exc)]
        assert hook.box is None
        log_file = fault_log.log_file_path()
        assert not log_file.exists() or "DamagedDatabaseError" not in log_file.read_text()
    finally:
        hook.remove()


def test_without_a_window_the_hook_says_damaged_not_bug(qtbot: QtBot) -> None:
    hook = BugHook()
    hook.install()
    try:
        exc = _damage()
        hook(type(exc), exc, exc.__traceback__)
        box = hook.box
        assert box is not None
        qtbot.waitUntil(box.isVisible)
        assert box.windowTitle() == "The incident log is damaged"
        assert "is damaged and was not changed" in box.text()
        assert "This is a bug" not in box.text()
    finally:
        hook.remove()


def test_the_window_says_it_once_however_often_a_poll_meets_it(window: MainWindow) -> None:
    for _ in range(3):
        window.report_damage(str(_damage()))
    boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1
    assert "is damaged" in window.statusBar().currentMessage()
