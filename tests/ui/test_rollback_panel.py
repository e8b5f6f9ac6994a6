"""The rollback panel: checklist with its authority row, decide, "did it work?", the
divergence register, the authority settings, and resolving with changes not reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import DivergenceReview, Kind, Severity, Status
from commander_app.store import playbook, rollback
from commander_app.ui.main_window import MainWindow
from commander_app.ui.rollback.rollback_panel import RollbackPanel


def cell(model: QStandardItemModel, row: int, column: int) -> str:
    return str(model.index(row, column).data())


def timeline_texts(window: MainWindow) -> list[str]:
    model = window.timeline
    return [str(model.index(r, 3).data()) for r in range(model.rowCount())]


def start(window: MainWindow, clock: FixedClock) -> str:
    assert window.open_incident("Checkout 500s", severity=Severity.SEV2, commander="alice")
    clock.advance(timedelta(seconds=1))
    incident = window.current_incident()
    assert incident is not None
    return incident.id


def tick(panel: RollbackPanel, row: int, checked: bool = True) -> None:
    state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
    panel.items.item(row, 0).setCheckState(state)


def test_the_checklist_shows_the_authority_row_and_logs_ticks(
    window: MainWindow, clock: FixedClock
) -> None:
    incident_id = start(window, clock)
    panel = window.rollback
    assert panel.items.rowCount() == 7
    assert "SEV2: may decide alone: the incident commander (alice)" in panel.authority.text()
    assert "Required items 1, 2, 3, 4, 5 are not ticked" in panel.readiness.text()
    assert "may decide now with an override" in panel.readiness.text()
    tick(panel, 0)
    assert rollback.checklist_state(window.log, incident_id).ticks["suspect-change"].checked
    assert cell(panel.items, 0, 1).startswith("alice ")
    assert timeline_texts(window)[-1].startswith("Ticked checklist item 1: The suspect change")
    tick(panel, 0, checked=False)
    assert not rollback.checklist_state(window.log, incident_id).ticks["suspect-change"].checked
    assert panel.items.item(0, 0).checkState() == Qt.CheckState.Unchecked
    window.panel.set_severity(Severity.SEV3)  # the row follows the severity
    assert "SEV3: may decide alone: the service owner (nobody assigned)" in (panel.authority.text())


def test_decide_refuses_then_records_an_override_and_asks_did_it_work(
    window: MainWindow, clock: FixedClock, qtbot: QtBot
) -> None:
    start(window, clock)
    panel = window.rollback
    dialog = panel.ask_decision()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert "Checklist not complete" in dialog.situation.text()
    dialog.choice.setText("Roll back checkout to 4811")
    dialog.options.setPlainText("roll back\nfix forward")
    dialog.objections.setPlainText("bob: the fix is five minutes away")
    assert not dialog.decide()
    assert "5 required checklist items are not ticked" in dialog.error.text()
    assert dialog.error.isVisibleTo(dialog)
    dialog.override.setText("checkout is down for everyone")
    assert dialog.decide()
    window.live.poll(force=True)
    assert cell(panel.decision_rows, 0, 0) == "D1"  # the number `commander outcome D1` takes
    assert cell(panel.decision_rows, 0, 1) == "Roll back checkout to 4811"
    assert cell(panel.decision_rows, 0, 2) == "rollback"
    assert cell(panel.decision_rows, 0, 4).startswith("pending until ")
    assert cell(panel.changes, 0, 2) == "not reviewed"  # a rollback is a production change
    assert not panel.prompt.isVisibleTo(window)

    clock.advance(timedelta(minutes=10))
    panel.tick()
    window.live.poll(force=True)
    assert panel.prompt.isVisibleTo(window)
    assert "<b>Did it work?</b> D1 Roll back checkout to 4811" in panel.prompt.question.text()
    assert timeline_texts(window)[-1].startswith("Did it work? Roll back checkout to 4811")
    panel.tick()  # asked once only
    window.live.poll(force=True)
    assert sum(t.startswith("Did it work?") for t in timeline_texts(window)) == 1
    panel.prompt.note.setText("errors back to baseline")
    qtbot.mouseClick(panel.prompt.worked, Qt.MouseButton.LeftButton)
    window.live.poll(force=True)
    assert not panel.prompt.isVisibleTo(window)
    assert cell(panel.decision_rows, 0, 4) == "worked"
    assert timeline_texts(window)[-1] == (
        "Outcome: worked: Roll back checkout to 4811. errors back to baseline"
    )


def test_logged_changes_are_reviewed_and_resolving_asks_first(
    window: MainWindow, clock: FixedClock, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = start(window, clock)
    panel = window.rollback
    dialog = panel.ask_change()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.log_change()
    assert "empty" in dialog.error.text()
    dialog.what.setText("Scaled checkout to 40 pods")
    dialog.change.setCurrentText("scaling")
    dialog.by.setText("kim")
    dialog.afterwards.setCurrentIndex(1)  # revert it
    assert dialog.log_change()
    window.live.poll(force=True)
    assert cell(panel.changes, 0, 0) == "Scaled checkout to 40 pods"
    assert cell(panel.changes, 0, 1).startswith("scaling, kim ")
    assert cell(panel.changes, 0, 2) == "not reviewed: revert"

    asked: list[str] = []

    def answer(yes: bool) -> None:
        def confirm(_state: object, why: str) -> bool:
            asked.append(why)
            return yes

        monkeypatch.setattr(window.panel, "confirm_resolve", confirm)

    answer(False)
    assert not window.panel.set_status(Status.RESOLVED)
    assert "1 production change is not reviewed" in asked[0]
    assert window.log.incident(incident_id).status is Status.INVESTIGATING
    assert window.panel.status.currentText() == "investigating"

    panel.changes_view.setCurrentIndex(panel.changes.index(0, 0))
    assert panel.review(DivergenceReview.REVERTED)
    window.live.poll(force=True)
    assert cell(panel.changes, 0, 2) == "reverted"
    assert window.panel.set_status(Status.RESOLVED)  # nothing left: no question
    assert len(asked) == 1
    assert window.log.incident(incident_id).status is Status.RESOLVED


def test_resolving_anyway_is_recorded(
    window: MainWindow, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = start(window, clock)
    rollback.log_divergence(
        window.log, incident_id, rollback.DecisionKind.FLAG, "Flag off", author="kim"
    )
    monkeypatch.setattr(window.panel, "confirm_resolve", lambda _state, _why: True)
    assert window.panel.set_status(Status.RESOLVED)
    status = [e for e in window.log.events(incident_id) if e.kind is Kind.STATUS][-1]
    assert status.body["unreviewed_changes"] == 1


def test_the_authority_settings_save_a_file_the_panel_uses(
    window: MainWindow, clock: FixedClock, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    start(window, clock)
    dialog = window.rollback.edit_authority()
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.table)
    assert dialog.table.item(1, 0).text() == "commander"
    dialog.table.item(1, 0).setText("boss")
    assert not dialog.save()
    assert "Unknown role 'boss'" in dialog.error.text()
    assert not playbook.playbook_path().exists()
    dialog.table.item(1, 0).setText("operations lead, commander")
    assert dialog.save()
    assert 'decide = ["operations_lead", "commander"]' in (
        playbook.playbook_path().read_text(encoding="utf-8")
    )
    assert "the operations lead (nobody assigned) or the incident commander (alice)" in (
        window.rollback.authority.text()
    )


def test_the_panel_is_reachable_by_keyboard_and_its_models_are_sound(
    window: MainWindow, clock: FixedClock, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    start(window, clock)
    assert window.tabs.currentWidget() is window.board
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.tabs.currentWidget() is window.rollback_tab
    assert window.rollback.checklist_view.currentIndex().row() == 0
    window.focus_board()
    assert window.tabs.currentWidget() is window.board
    panel = window.rollback
    for model in (panel.items, panel.decision_rows, panel.changes):
        qtmodeltester.check(model)
