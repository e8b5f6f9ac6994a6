"""The keyboard is the product: the window's shortcuts work wherever the cursor is,
nothing typed is lost to one, and focus moves only when the person moves it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from commander_app.ui.shortcuts import SHORTCUTS
from commander_app.ui.updates.draft_dialog import DraftDialog
from commander_app.ui.updates.snooze_dialog import SnoozeDialog
from tests.ui.conftest import from_a_terminal

WINDOW_SHORTCUTS = [s for s in SHORTCUTS if s.window]


def text_fields(window: MainWindow) -> dict[str, QLineEdit]:
    return {
        "capture line": window.capture.line,
        "search box": window.timeline_view.search_box,
        "outcome note": window.rollback.prompt.note,
    }


@pytest.mark.parametrize("field", ["capture line", "search box", "outcome note"])
def test_no_text_field_claims_a_window_shortcut(window: MainWindow, field: str) -> None:
    """Qt asks the focused field first (ShortcutOverride); a field that accepts keeps the
    key for its own binding and the window's action never runs."""
    widget = text_fields(window)[field]
    window.rollback_tab.build()
    window.tabs.setCurrentWidget(window.rollback_tab)
    widget.show()
    widget.setFocus()  # Qt asks the widget that has the keyboard
    claimed = []
    for shortcut in WINDOW_SHORTCUTS:
        combo = QKeySequence(shortcut.keys)[0]
        event = QKeyEvent(QEvent.Type.ShortcutOverride, combo.key(), combo.keyboardModifiers())
        event.setAccepted(False)
        QApplication.sendEvent(widget, event)
        if event.isAccepted():
            claimed.append(shortcut.keys)
    assert claimed == []


def test_ctrl_u_in_the_capture_line_opens_the_draft_and_keeps_the_typed_text(
    window: MainWindow, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    assert window.capture.line.hasFocus()
    qtbot.keyClicks(window.capture.line, "pool at 100% on db-3")
    qtbot.keyClick(window.capture.line, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    draft = window.findChild(DraftDialog)
    assert draft is not None
    assert draft.isVisible()
    assert window.capture.line.text() == "pool at 100% on db-3"
    draft.reject()


def test_ctrl_shift_z_in_the_capture_line_snoozes_instead_of_redoing(
    window: MainWindow, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    qtbot.keyClicks(window.capture.line, "half a thought")
    qtbot.keyClick(
        window.capture.line,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    snooze = window.findChild(SnoozeDialog)
    assert snooze is not None
    assert snooze.isVisible()
    assert window.capture.line.text() == "half a thought"
    snooze.reject()


@pytest.mark.parametrize("field", ["capture line", "search box", "outcome note"])
def test_ctrl_shift_f_opens_the_follow_ups_from_a_text_field_and_keeps_the_text(
    window: MainWindow, qtbot: QtBot, field: str
) -> None:
    assert window.open_incident("Checkout 500s")
    widget = text_fields(window)[field]
    window.rollback_tab.build()
    window.tabs.setCurrentWidget(window.rollback_tab)
    widget.show()
    widget.setFocus()
    qtbot.keyClicks(widget, "pool at 100%")
    qtbot.keyClick(
        widget,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    view = window.follow_ups.view
    assert view is not None
    assert view.isVisible()
    assert widget.text() == "pool at 100%"
    view.close()


def test_an_entry_from_another_terminal_does_not_move_the_cursor(
    window: MainWindow, qtbot: QtBot, log: IncidentLog, clock: FixedClock
) -> None:
    """Typing a search while a colleague's entry arrives: every character lands in the box."""
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    search = window.timeline_view.search_box
    search.setFocus()
    qtbot.keyClicks(search, "pool ex")
    with from_a_terminal(log, clock) as other:
        other.log(incident.id, "db-3 failover started", author="bob")
        other.open_incident("Another one", author="bob")
    assert window.live.poll() > 0
    assert search.hasFocus()
    qtbot.keyClicks(search, "hausted")
    assert search.text() == "pool exhausted"
    assert window.capture.line.text() == ""


def test_ticking_the_checklist_is_not_interrupted_by_a_new_entry(
    window: MainWindow, qtbot: QtBot, log: IncidentLog, clock: FixedClock
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    window.focus_rollback()
    checklist = window.rollback.checklist_view
    assert checklist.hasFocus()
    with from_a_terminal(log, clock) as other:
        other.log(incident.id, "error rate 38%", author="bob")
    window.live.poll()
    assert checklist.hasFocus()


def test_on_a_real_x_server_the_capture_line_claims_no_window_shortcut() -> None:
    """X11's line-edit bindings (Ctrl+U deletes the line, Ctrl+Shift+Z redoes) are the ones
    that ate the draft shortcut; .ci/run installs Xvfb so this runs in CI."""
    import os
    import shutil
    import subprocess
    import sys

    assert shutil.which("xvfb-run"), "install xvfb (.ci/run does) to check the X11 bindings"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-m", "tests.support.x11_shortcut_claims"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "QT_QPA_PLATFORM": "xcb"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["xcb"]
