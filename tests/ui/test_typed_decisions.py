"""A production change typed in the capture line meets the same rules as Decide…:
checklist, authority, "did it work?" and the divergence register."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind, Severity
from commander_app.store import rollback
from commander_app.ui.main_window import MainWindow
from commander_app.ui.rollback.decide_dialog import DecideDialog

TYPED = "d Roll back search-api to v8.1 now"


def start(window: MainWindow, clock: FixedClock) -> str:
    assert window.open_incident("Search down", severity=Severity.SEV1, commander="alice")
    clock.advance(timedelta(seconds=1))
    incident = window.current_incident()
    assert incident is not None
    return incident.id


def type_entry(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.capture.line.setFocus()
    qtbot.keyClicks(window.capture.line, text)
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)


def open_dialogs(window: MainWindow) -> list[DecideDialog]:
    return [d for d in window.findChildren(DecideDialog) if d.isVisible()]


def kinds_logged(window: MainWindow, incident_id: str) -> list[Kind]:
    return [event.kind for event in window.log.events(incident_id)]


def test_a_typed_rollback_opens_the_decide_dialog_and_cancel_keeps_the_text(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    incident_id = start(window, clock)
    before = kinds_logged(window, incident_id)
    type_entry(qtbot, window, TYPED)
    [dialog] = open_dialogs(window)
    assert dialog.choice.text() == "Roll back search-api to v8.1 now"
    assert dialog.kind.currentText() == "rollback"
    assert "Checklist not complete" in dialog.situation.text()
    assert "production change" in window.statusBar().currentMessage()
    assert kinds_logged(window, incident_id) == before  # nothing written yet
    dialog.reject()
    assert window.capture.line.text() == TYPED  # nothing lost
    assert kinds_logged(window, incident_id) == before


def test_deciding_it_records_the_change_with_its_authority_and_clears_the_line(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    incident_id = start(window, clock)
    type_entry(qtbot, window, TYPED)
    [dialog] = open_dialogs(window)
    assert not dialog.decide()  # the checklist is not ticked: refused, as with Decide…
    assert window.capture.line.text() == TYPED
    dialog.override.setText("search is down for everyone")
    assert dialog.decide()
    window.live.poll(force=True)
    assert window.capture.line.text() == ""
    [decision] = rollback.decisions(window.log, incident_id).decisions
    assert decision.text == "Roll back search-api to v8.1 now"
    assert decision.authority is not None
    assert decision.authority["basis"] == "override"
    assert decision.expect_minutes == 10  # "did it work?" will be asked
    [change] = rollback.register(window.log, incident_id)
    assert change.text == "Roll back search-api to v8.1 now"


def test_other_typed_decisions_are_logged_at_once(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    incident_id = start(window, clock)
    type_entry(qtbot, window, "d keep investigating the DNS theory")
    assert open_dialogs(window) == []
    assert window.capture.line.text() == ""
    [decision] = rollback.decisions(window.log, incident_id).decisions
    assert decision.text == "keep investigating the DNS theory"
    assert decision.authority is None


def test_a_backfilled_change_is_decided_at_the_time_typed(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    incident_id = start(window, clock)  # opened at 15:00 in Berlin
    clock.advance(timedelta(minutes=10))
    type_entry(qtbot, window, "@15:05 d revert PR 4411")
    [dialog] = open_dialogs(window)
    assert (dialog.choice.text(), dialog.kind.currentText()) == ("revert PR 4411", "rollback")
    dialog.override.setText("checkout is down")
    assert dialog.decide()
    [decision] = rollback.decisions(window.log, incident_id).decisions
    assert decision.decided_at.startswith("2026-11-28T14:05")
