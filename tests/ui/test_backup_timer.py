"""The window's backups: the one on open is taken on a worker once the window is up,
and a log found damaged is never copied over a good backup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store.backups import BackupRotation
from commander_app.store.incident_log import IncidentLog
from commander_app.ui import backup_timer
from commander_app.ui.main_window import MainWindow
from tests.support.damaged_log import write_damaged_log
from tests.ui.conftest import BERLIN


def open_window(qtbot: QtBot, log: IncidentLog, settings_file: Path) -> MainWindow:
    window = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_backup_on_open_is_taken_once_the_window_is_up(
    qtbot: QtBot,
    db_path: Path,
    clock: FixedClock,
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("Checkout failing", author="dana")
        rotation = log.backups
    assert rotation.periodic() == []  # the log changed since: a backup is due
    monkeypatch.setattr(backup_timer, "FIRST_CHECK_MS", 50)
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        assert rotation.periodic() == []  # not while opening: the window shows first
        window = open_window(qtbot, log, settings_file)
        with qtbot.waitSignal(window.backups.backed_up, timeout=5000) as made:
            pass
        assert made.args is not None
        assert made.args[0] in rotation.periodic()
        window.close()


def test_a_damaged_log_is_not_copied_into_the_backups(
    qtbot: QtBot, db_path: Path, clock: FixedClock, settings_file: Path
) -> None:
    write_damaged_log(db_path, clock)
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        before = log.backups.periodic()
        window = open_window(qtbot, log, settings_file)
        with qtbot.waitSignal(window.backups.failed, timeout=5000) as failed:
            assert window.backups.tick()
        assert failed.args is not None
        assert "is damaged" in failed.args[0]
        assert log.backups.periodic() == before
        window.close()


def test_a_backup_refused_for_space_is_told_not_logged_as_a_bug(
    qtbot: QtBot,
    db_path: Path,
    clock: FixedClock,
    settings_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("Checkout failing", author="dana")

    def nearly_full(_folder: Path) -> shutil._ntuple_diskusage:
        return shutil._ntuple_diskusage(10 * 1024**3, 10 * 1024**3, 0)

    rotation = BackupRotation(db_path, disk_usage=nearly_full)
    with IncidentLog(
        db_path, device_id="d", clock=clock, opened_by_window=True, backups=rotation
    ) as log:
        window = open_window(qtbot, log, settings_file)
        with qtbot.waitSignal(window.backups.failed, timeout=5000) as failed:
            assert window.backups.tick()
        assert failed.args is not None
        assert "No backup was taken" in failed.args[0]
        assert not [r for r in caplog.records if r.exc_info]  # no traceback: not a bug
        assert rotation.all() == []
        window.close()
