from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "window.ini"


@pytest.fixture
def window(qtbot: QtBot, log: IncidentLog, settings_file: Path) -> Iterator[MainWindow]:
    shown = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.close()  # stop its timers before the log closes


def from_a_terminal(log: IncidentLog, clock: FixedClock) -> IncidentLog:
    """The same log opened as another process would (a terminal's `commander log`)."""
    return IncidentLog(log.path, device_id="terminal", clock=clock)


def answer_with(act: Callable[[QInputDialog], None]) -> None:
    """Acts on the question once it is up (it is modal: this runs inside its event loop)."""

    def act_on_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, act_on_dialog)
            return
        act(dialog)

    QTimer.singleShot(0, act_on_dialog)
