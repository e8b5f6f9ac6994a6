"""The drill facilitator's window on real widgets: start a shipped scenario from it, the
injects fire on the window's own timer as drill time passes, F/S/D/P act in the list,
the drill outbox and the report show, and closing stops the timer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.drill_schedule import InjectState
from commander_app.core.model import Kind
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.drills.facilitator_window import FacilitatorWindow
from commander_app.ui.main_window import MainWindow
from tests.ui.conftest import answer_with

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def started(window: MainWindow, qtbot: QtBot) -> FacilitatorWindow:
    window.capture.line.setText("half a note")
    qtbot.keyClick(window.capture.line, Qt.Key.Key_D, CTRL_ALT)
    facilitator = window._drills
    assert facilitator is not None
    assert window.capture.line.text() == "half a note"  # nothing typed is lost
    assert facilitator.starter.isVisible()
    names = [facilitator.scenarios.itemData(n) for n in range(facilitator.scenarios.count())]
    assert "payment-failure-after-deploy" in names
    facilitator.scenarios.setCurrentIndex(names.index("payment-failure-after-deploy"))
    facilitator.start_button.click()
    return facilitator


def state_of(facilitator: FacilitatorWindow, inject: str) -> InjectState:
    for row in range(facilitator.model.rowCount()):
        found = facilitator.model.row_at(row)
        if found is not None and found.inject.id == inject:
            return found.state
    raise AssertionError(inject)


def select(facilitator: FacilitatorWindow, inject: str) -> None:
    for row in range(facilitator.model.rowCount()):
        found = facilitator.model.row_at(row)
        if found is not None and found.inject.id == inject:
            facilitator.table.setFocus()
            facilitator.table.selectRow(row)
            return
    raise AssertionError(inject)


def test_a_scenario_starts_a_drill_and_its_injects_fire_on_the_windows_timer(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    facilitator = started(window, qtbot)
    current = window.current_incident()
    assert current is not None
    assert current.is_drill
    assert current.title.startswith("EXERCISE: card payments failing")
    assert facilitator.incident_id == current.id
    assert not facilitator.starter.isVisible()
    assert facilitator.model.rowCount() == 9
    assert "drill time T+0s" in facilitator.heading.text()
    clock.advance(timedelta(minutes=1, seconds=1))
    qtbot.waitUntil(lambda: state_of(facilitator, "alert-storm") is InjectState.FIRED,
                    timeout=5_000)  # fmt: skip
    alerts = [e for e in log.events(current.id) if e.kind is Kind.ALERT]
    assert len(alerts) == 41  # 40 symptoms and the cause, through the alert intake
    assert state_of(facilitator, "db-looks-fine") is InjectState.UPCOMING


def test_keys_in_the_list_fire_skip_delay_and_pause(
    window: MainWindow, log: IncidentLog, qtbot: QtBot
) -> None:
    facilitator = started(window, qtbot)
    incident = facilitator.incident_id
    assert incident is not None
    select(facilitator, "cto-eta")
    qtbot.keyClick(facilitator.table, Qt.Key.Key_F)
    assert state_of(facilitator, "cto-eta") is InjectState.FIRED
    notes = [str(e.body["text"]) for e in log.events(incident) if e.kind is Kind.NOTE]
    assert any(n.startswith("Maya (CTO) asks on chat") for n in notes)
    select(facilitator, "ceo-chat")
    qtbot.keyClick(facilitator.table, Qt.Key.Key_S)
    assert state_of(facilitator, "ceo-chat") is InjectState.SKIPPED
    select(facilitator, "ic-called-away")

    def seven(dialog: QInputDialog) -> None:
        dialog.setIntValue(7)
        dialog.accept()

    answer_with(seven)
    qtbot.keyClick(facilitator.table, Qt.Key.Key_D)
    assert facilitator.model.row_at(facilitator.table.currentIndex().row()).delayed_minutes == 7  # type: ignore[union-attr]
    qtbot.keyClick(facilitator.table, Qt.Key.Key_P)
    assert "PAUSED" in facilitator.heading.text()
    assert facilitator.buttons["pause"].text() == "Resume (P)"
    qtbot.keyClick(facilitator.table, Qt.Key.Key_F)  # a fired one again: said, not done
    select(facilitator, "cto-eta")
    qtbot.keyClick(facilitator.table, Qt.Key.Key_F)
    assert facilitator.error.text() == "The inject cto-eta is fired already."


def test_the_outbox_and_the_report_tabs(window: MainWindow, log: IncidentLog, qtbot: QtBot) -> None:
    facilitator = started(window, qtbot)
    facilitator.tabs.setCurrentWidget(facilitator.outbox)
    assert "Nothing would have gone out yet." in facilitator.outbox.toPlainText()
    facilitator.tabs.setCurrentWidget(facilitator.report)
    text = facilitator.report.toPlainText()
    assert "Where the playbook broke" in text
    assert "Nobody took command of the drill." in text
    facilitator.report.anchorClicked.emit(QUrl("propose:1"))
    incident = facilitator.incident_id
    assert incident is not None
    actions = [e for e in log.events(incident) if e.kind is Kind.ACTION]
    assert [str(a.body["text"]) for a in actions] == [
        "Define in the playbook who commands a SEV1 when the on-call engineer is alone "
        "(drill: Nobody took command of the drill)"
    ]
    facilitator.tick()  # the heading moves on with drill time; the notice stays
    assert facilitator.notice.text().startswith("Follow-up written: Define in the playbook")


def test_closing_the_main_window_stops_the_facilitators_timer(
    window: MainWindow, qtbot: QtBot
) -> None:
    facilitator = started(window, qtbot)
    assert facilitator.timer.isActive()
    window.close()
    assert not facilitator.timer.isActive()


def test_an_idle_tick_reads_the_drill_once_and_leaves_the_open_report_as_it_is(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commander_app.store import drills

    facilitator = started(window, qtbot)
    facilitator.timer.stop()
    facilitator.tabs.setCurrentWidget(facilitator.report)
    shown = facilitator.report.toHtml()
    reads: list[object] = []
    real = drills.run

    def counted(*args: object, **kwargs: object) -> drills.DrillRun:
        reads.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(drills, "run", counted)
    rebuilt: list[str] = []
    monkeypatch.setattr(facilitator, "_show_report", rebuilt.append)
    facilitator.tick()  # nothing is due at T+0
    assert len(reads) == 1
    assert rebuilt == []
    assert facilitator.report.toHtml() == shown
