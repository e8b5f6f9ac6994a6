"""A backfill time in the capture line that cannot be what was meant is refused with its
reading, and the typed text stays in the line."""

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow


def _submit(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.capture.line.setText(text)
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)


def test_a_clock_time_minutes_ahead_is_refused_with_the_reading(
    window: MainWindow, qtbot: QtBot, log: IncidentLog, clock: FixedClock
) -> None:
    assert window.open_incident("Checkout 500s")  # 15:00 in Berlin
    current = window.current_incident()
    assert current is not None
    incident = current.id
    clock.advance(timedelta(minutes=10))
    before = len(log.events(incident))
    _submit(qtbot, window, "@15:25 f pool at 100/100")
    assert window.capture.line.text() == "@15:25 f pool at 100/100"
    shown = window.capture.error.text()
    assert "15:25 is 15 min from now; for yesterday's 15:25 write 2026-11-27T15:25." in shown
    assert "still in the line" in shown
    _submit(qtbot, window, "@14:50 f pool at 100/100")
    assert "14:50 is before this incident was opened (15:00)" in window.capture.error.text()
    assert window.capture.line.text() == "@14:50 f pool at 100/100"
    assert len(log.events(incident)) == before
    _submit(qtbot, window, "@15:05 f pool at 100/100")
    assert window.capture.line.text() == ""
    assert len(log.events(incident)) == before + 1
