from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
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
