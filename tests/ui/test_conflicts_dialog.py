"""The window after two laptops' logs merged: the status bar counts the conflict, Ctrl+Alt+C
opens the conflicts, and Enter on a side keeps it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.core.bundle import parse_bundle
from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind, Role
from commander_app.store.bundles import export_bundle, import_bundle
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.conflicts_dialog import ConflictsDialog
from commander_app.ui.main_window import MainWindow

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def test_a_conflict_from_another_laptop_is_counted_shown_and_settled_by_keyboard(
    qtbot: QtBot, window: MainWindow, log: IncidentLog, clock: FixedClock, tmp_path: Path
) -> None:
    incident = log.open_incident("Checkout 500s", commander="alice", author="alice")
    clock.advance(timedelta(seconds=1))
    window.live.poll(force=True)
    window.select_incident(incident.id)
    assert window.conflicts_badge.isHidden()  # one laptop's log: nothing to count

    with IncidentLog(tmp_path / "bob.db", device_id="laptop-bob", clock=clock) as bob:
        import_bundle(bob, parse_bundle(export_bundle(log, incident.id)))
        log.assign_role(incident.id, Role.COMMANDER, "ann", author="alice")
        clock.advance(timedelta(seconds=1))
        bob.assign_role(incident.id, Role.COMMANDER, "bob", author="bob")
        log.assign_role(incident.id, Role.COMMUNICATOR, "cara", author="alice")
        bob.assign_role(incident.id, Role.COMMUNICATOR, "dan", author="bob")
        import_bundle(log, parse_bundle(export_bundle(bob, incident.id)))
    window.live.poll(force=True)
    assert window.conflicts_badge.isVisible()
    assert window.conflicts_badge.text() == "2 conflicts between laptops"

    window.capture.line.setFocus()
    qtbot.keyClicks(window.capture.line, "half-typed note")
    qtbot.keyClick(window.capture.line, Qt.Key.Key_C, CTRL_ALT)
    dialog = window.findChild(ConflictsDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert window.capture.line.text() == "half-typed note"  # nothing typed is lost
    assert dialog.conflict_list.count() == 2
    assert dialog.conflict_list.item(0).text().startswith("Two commanders\n")
    assert dialog.conflict_list.item(1).text().startswith("Two communicators\n")
    sides = [dialog.sides.item(n).text() for n in range(dialog.sides.count())]
    assert sides[0].startswith("ann as commander — alice on device-test, ")
    assert sides[1].startswith("bob as commander — bob on laptop-bob, ")

    dialog.conflict_list.setFocus()
    qtbot.keyClick(dialog.conflict_list, Qt.Key.Key_Return)  # on to the sides, nothing kept
    assert dialog.focusWidget() is dialog.sides
    qtbot.keyClick(dialog.sides, Qt.Key.Key_Down)
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "bob has the bridge")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # keeps the side selected, once
    assert dialog.message.text() == "Conflict settled: bob is the commander. — bob has the bridge"
    assert dialog.conflict_list.count() == 1
    assert window.conflicts_badge.text() == "1 conflict between laptops"

    dialog.sides.setFocus()
    qtbot.keyClick(dialog.sides, Qt.Key.Key_Return)  # cara, the first side
    assert log.incident(incident.id).roles["communicator"] == "cara"
    assert dialog.heading.text() == "No conflicts between laptops in this incident."
    assert not dialog.keep_button.isEnabled()
    assert log.incident(incident.id).commander == "bob"
    assert window.conflicts_badge.isHidden()
    assert [e.kind for e in log.events(incident.id)][-1] is Kind.CONFLICT
