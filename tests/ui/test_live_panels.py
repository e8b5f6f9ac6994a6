"""Every panel follows the log's live updates, whoever wrote them: nothing the window
shows is left behind by an entry from a terminal or another window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import DecisionKind, Status
from commander_app.store import rollback as rollback_store
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from tests.ui.conftest import from_a_terminal


def test_a_checklist_item_ticked_in_a_terminal_is_ticked_in_the_box(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    window.focus_rollback()
    items = window.rollback.items
    assert items.item(0, 0).checkState() == Qt.CheckState.Unchecked
    with from_a_terminal(log, clock) as other:
        rollback_store.tick_item(other, incident.id, "1", author="bob")
    # The list on screen is told its rows changed (it repaints), not only the model.
    with qtbot.waitSignal(items.rowsInserted, timeout=1000):
        window.live.poll()
    assert items.item(0, 0).checkState() == Qt.CheckState.Checked
    assert "bob" in items.item(0, 1).text()


def test_a_refusal_is_not_left_on_screen_once_the_incident_is_resolved(
    window: MainWindow, log: IncidentLog, clock: FixedClock
) -> None:
    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    rollback_store.log_divergence(
        log, incident.id, DecisionKind.ROLLBACK, "rolled back search-api", author="a"
    )
    window.live.poll(force=True)
    window.panel.confirm_resolve = lambda _state, _why: False  # type: ignore[method-assign]
    assert not window.panel.set_status(Status.RESOLVED)
    assert "Not resolved" in window.statusBar().currentMessage()
    with from_a_terminal(log, clock) as other:
        rollback_store.resolve(other, incident.id, author="bob", confirmed=True)
    window.live.poll()
    assert "Not resolved" not in window.statusBar().currentMessage()
    assert window.panel.status.currentText() == Status.RESOLVED.value


def shown(window: MainWindow) -> dict[str, object]:
    """What a person reads in each panel of the window, as text."""
    from PySide6.QtGui import QStandardItemModel

    def rows(model: QStandardItemModel) -> list[list[str]]:
        return [
            [
                f"{model.item(r, c).text()}"
                + ("[x]" if model.item(r, c).checkState() == Qt.CheckState.Checked else "")
                for c in range(model.columnCount())
            ]
            for r in range(model.rowCount())
        ]

    rollback = window.rollback
    return {
        "severity": window.panel.severity.currentText(),
        "status": window.panel.status.currentText(),
        "board": [rows(window.board.hypotheses), rows(window.board.action_items)],
        "board decisions": rows(window.board.decisions),
        "checklist": rows(rollback.items),
        "readiness": rollback.readiness.text(),
        "authority": rollback.authority.text(),
        "decisions": rows(rollback.decision_rows),
        "changes": rows(rollback.changes),
        "incidents": [window.incidents.index(r).data() for r in range(window.incidents.rowCount())],
        "cadence": [(c.audience, c.status, c.due_at) for c in window.updates.cadence.current],
    }


def test_after_a_terminal_writes_everything_the_window_shows_what_a_fresh_one_would(
    window: MainWindow, qtbot: QtBot, log: IncidentLog, clock: FixedClock, settings_file
) -> None:
    from commander_app.core.model import Role, Severity
    from commander_app.store import board

    assert window.open_incident("Checkout 500s")
    incident = window.current_incident()
    assert incident is not None
    window.rollback_tab.build()
    with from_a_terminal(log, clock) as other:
        board.open_hypothesis(other, incident.id, "pool exhausted", author="bob")
        board.add_action(other, incident.id, "page the DBA", owner="eve", author="bob")
        other.set_severity(incident.id, Severity.SEV1, author="bob")
        other.assign_role(incident.id, Role.COMMUNICATOR, "carol", author="bob")
        rollback_store.tick_item(other, incident.id, "1", author="bob")
        rollback_store.log_divergence(
            other, incident.id, DecisionKind.SCALING, "db pool 50 -> 200", author="bob"
        )
        other.set_status(incident.id, Status.IDENTIFIED, author="bob")
    window.live.poll()
    fresh = MainWindow(log, "alice", window.zone, settings_file.with_name("fresh.ini"))
    qtbot.addWidget(fresh)
    fresh.rollback_tab.build()
    assert shown(window) == shown(fresh)
    fresh.close()
