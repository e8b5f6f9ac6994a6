"""The Runbooks tab on a real window, a real log and a folder of runbooks: opened with
Ctrl+Alt+B from the capture line, the index built off the GUI thread, the incident's
suggestions first, search, a runbook followed step by step (copy, done, wrong,
escalate with the role offered), a failed write that keeps what was typed, an alert's
runbook link, and a clean close."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog
from pytestqt.qtbot import QtBot

from commander_app.core.alert_payloads import IncomingAlert
from commander_app.core.model import Kind
from commander_app.store.alerts import ingest
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbooks import shipped_folder
from commander_app.ui.alerts.alerts_pane import AlertsPane
from commander_app.ui.main_window import MainWindow
from commander_app.ui.runbooks.runbooks_pane import RunbooksPane
from commander_app.ui.runbooks.step_dialogs import StepTextDialog
from tests.ui.conftest import answer_with

POOL_TITLE = "Database connection pool exhausted on payments"
FIRST_COMMAND = "psql -h pgbouncer.payments.internal -p 6432 -U ops pgbouncer -c 'SHOW POOLS;'"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shelf = tmp_path / "runbooks"
    shutil.copytree(shipped_folder(), shelf)
    monkeypatch.setenv("COMMANDER_RUNBOOKS", str(shelf))
    return shelf


def open_pane(window: MainWindow, qtbot: QtBot) -> tuple[RunbooksPane, list[str]]:
    """Ctrl+Alt+B in the capture line; waits for the index, and returns what the status
    line said while the files were counted."""
    window.capture.setFocus()
    qtbot.keyClick(
        window.capture.line,
        Qt.Key.Key_B,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    pane = window.findChild(RunbooksPane)
    assert pane is not None
    counting: list[str] = []
    pane.indexer.counted.connect(lambda _n: counting.append(pane.status.text()))
    qtbot.waitUntil(lambda: not pane.indexer.running and "runbooks in" in pane.status.text())
    return pane, counting


def runbook_events(log: IncidentLog, incident_id: str) -> list[dict[str, object]]:
    return [e.body for e in log.events(incident_id) if e.kind is Kind.RUNBOOK]


def start(window: MainWindow, title: str = POOL_TITLE) -> str:
    assert window.open_incident(title)
    incident = window.current_incident()
    assert incident is not None
    return incident.id


def follow_pool(window: MainWindow, qtbot: QtBot) -> RunbooksPane:
    pane, _ = open_pane(window, qtbot)
    assert pane.results.currentItem() is not None
    qtbot.keyClick(pane.results, Qt.Key.Key_Return)
    assert pane.pages.currentWidget() is pane.checklist
    assert pane.checklist.steps.hasFocus()
    return pane


def test_ctrl_alt_b_indexes_off_the_gui_thread_and_suggests_the_matching_runbook_first(
    window: MainWindow, qtbot: QtBot, folder: Path
) -> None:
    start(window)
    pane, counting = open_pane(window, qtbot)
    assert window.tabs.currentWidget() is pane
    assert counting == [f"Indexing 4 runbooks in {folder}…"]
    assert pane.indexer.last_thread is not None
    assert pane.indexer.last_thread != threading.get_ident()
    assert pane.status.text() == f"4 runbooks in {folder}."
    first = pane.results.item(0)
    assert first.data(Qt.ItemDataRole.UserRole) == "database-pool-exhausted"
    assert "why: matches the title or alerts" in first.text()
    assert "trust: " in first.text()
    assert "never used in an incident or drill" in first.text()
    assert pane.search.hasFocus()  # typing searches at once


def test_typing_searches_and_down_then_enter_opens_the_steps(
    window: MainWindow, qtbot: QtBot, folder: Path
) -> None:
    start(window, "Checkout slow")
    pane, _ = open_pane(window, qtbot)
    qtbot.keyClicks(pane.search, "certificate")
    assert pane.results.item(0).data(Qt.ItemDataRole.UserRole) == "certificate-expiry"
    qtbot.keyClick(pane.search, Qt.Key.Key_Down)
    assert pane.results.hasFocus()
    qtbot.keyClick(pane.results, Qt.Key.Key_Return)
    assert pane.checklist.name == "certificate-expiry"
    assert pane.checklist.steps.count() >= 2
    assert pane.checklist.steps.item(0).text().startswith("☐ 1. ")
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_Escape)
    assert pane.pages.currentIndex() == 0
    qtbot.keyClick(pane.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(pane.search, "zzqx")
    assert pane.results.item(0).text() == "No runbook matches these words."


def test_y_and_ctrl_c_copy_the_steps_command(
    window: MainWindow, qtbot: QtBot, folder: Path
) -> None:
    start(window)
    pane = follow_pool(window, qtbot)
    QGuiApplication.clipboard().setText("something else")
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_Y)
    assert QGuiApplication.clipboard().text() == FIRST_COMMAND
    pane.checklist.steps.setCurrentRow(1)
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text().startswith("psql -h payments-db-primary.internal")
    assert "Run" in pane.checklist.detail.toPlainText()


def test_d_logs_the_step_done_with_the_output_and_ticks_it(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = start(window)
    pane = follow_pool(window, qtbot)
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_D)
    dialog = pane.dialog
    assert isinstance(dialog, StepTextDialog)
    assert dialog.isVisible()
    dialog.text.setPlainText(" database | cl_waiting | 37\n")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.isVisible()
    (body,) = runbook_events(log, incident_id)
    assert body["op"] == "done"
    assert body["runbook"] == "database-pool-exhausted"
    assert body["step"] == 1
    assert body["output"] == " database | cl_waiting | 37"
    assert body["commands"] == [FIRST_COMMAND]
    assert pane.checklist.steps.item(0).text().startswith("☑ 1. ")
    assert pane.checklist.steps.currentRow() == 0
    assert "cl_waiting | 37" in pane.checklist.detail.toPlainText()
    # The trust line is weighed again off the GUI thread: the runbook has a use now.
    assert "never used in an incident or drill" in pane.checklist.heading.text()
    qtbot.waitUntil(lambda: "used in 1 incident" in pane.checklist.heading.text())
    (event,) = [e for e in log.events(incident_id) if e.kind is Kind.RUNBOOK]
    assert window.timeline.row_of(event.id) >= 0  # the timeline beside it shows it


def test_w_flags_the_step_wrong_with_its_follow_up(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = start(window)
    pane = follow_pool(window, qtbot)
    pane.checklist.steps.setCurrentRow(1)
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_W)
    dialog = pane.dialog
    assert dialog is not None
    dialog.text.setPlainText("the view is pg_stat_activity_v2 since 16")
    assert dialog.write()
    (body,) = runbook_events(log, incident_id)
    assert (body["op"], body["step"]) == ("wrong", 2)
    assert body["note"] == "the view is pg_stat_activity_v2 since 16"
    action = log.event(str(body["follow_up"]))
    assert action.kind is Kind.ACTION
    assert "Fix step 2 of the runbook database-pool-exhausted" in str(action.body["text"])
    assert "flagged wrong" in pane.checklist.steps.item(1).text()


def test_e_logs_the_escalation_and_offers_the_role_without_assigning_it(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = start(window)
    pane = follow_pool(window, qtbot)
    pane.checklist.steps.setCurrentRow(1)
    whom = "the payments DBA on call (PagerDuty: payments-dba)"

    def choose(dialog: QInputDialog) -> None:
        assert dialog.comboBoxItems()[0].startswith(whom)
        dialog.accept()

    answer_with(choose)
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_E)
    (body,) = runbook_events(log, incident_id)
    assert (body["op"], body["step"], body["escalate_to"]) == ("escalated", 2, whom)
    assert pane.offer.isVisible()
    assert whom in pane.offer.line.text()
    assert "subject_expert" not in log.incident(incident_id).roles  # offered, not done
    pane.offer.button.click()
    assert log.incident(incident_id).roles["subject_expert"] == whom
    assert not pane.offer.isVisible()


def test_a_failed_write_keeps_the_typed_output_in_the_open_dialog(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = start(window)
    pane = follow_pool(window, qtbot)
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_D)
    dialog = pane.dialog
    assert dialog is not None
    typed = "cl_waiting 37\nsv_active 50"
    dialog.text.setPlainText(typed)
    log.conn.execute("PRAGMA query_only = ON")  # the file went read-only under us
    try:
        assert not dialog.write()
    finally:
        log.conn.execute("PRAGMA query_only = OFF")
    assert dialog.isVisible()
    assert dialog.text.toPlainText() == typed
    assert "cannot be written" in dialog.error.text()
    assert runbook_events(log, incident_id) == []
    assert dialog.write()  # the same text, once the log can be written
    (body,) = runbook_events(log, incident_id)
    assert body["output"] == typed


def test_an_edit_made_outside_shows_after_the_next_look(
    window: MainWindow, qtbot: QtBot, folder: Path
) -> None:
    start(window)
    pane = follow_pool(window, qtbot)
    path = folder / "database-pool-exhausted.md"
    path.write_text(
        path.read_text().replace("## Confirm the pool is the bottleneck", "## Look at SHOW POOLS")
    )
    assert pane.indexer.timer.isActive()
    pane.indexer.timer.timeout.emit()  # what the timer does every few seconds
    qtbot.waitUntil(lambda: pane.checklist.steps.item(0).text() == "☐ 1. Look at SHOW POOLS")


def test_the_alerts_runbook_link_opens_the_runbook_view(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    incident_id = start(window, "Checkout errors")
    pane, _ = open_pane(window, qtbot)  # the index built once
    alert = IncomingAlert(
        "alertmanager", "fp1", "firing", "DiskAlmostFull", {"alertname": "DiskAlmostFull"},
        {"runbook_url": "https://git.example/runbooks/blob/main/disk-full.md"}, None, None,
    )  # fmt: skip
    ingest(log, incident_id, [alert], author="am")
    window.live.poll(force=True)
    alerts = window.show_alerts()
    assert isinstance(alerts, AlertsPane)
    qtbot.waitExposed(alerts)
    qtbot.keyClick(alerts.table, Qt.Key.Key_R)
    assert window.tabs.currentWidget() is pane
    assert pane.checklist.name == "disk-full"
    assert pane.pages.currentWidget() is pane.checklist
    assert not alerts.open_link("wiki/nothing-here.md")  # no such runbook: the link stays a link
    alerts.close()


def test_esc_closes_the_tab_and_stops_its_timer_and_refresh(
    window: MainWindow, qtbot: QtBot, folder: Path
) -> None:
    start(window)
    pane, _ = open_pane(window, qtbot)
    assert pane.indexer.timer.isActive()
    window.focus_board()  # another tab in front: no looks until it is shown again
    assert not pane.indexer.timer.isActive()
    window.show_runbooks()
    assert pane.indexer.timer.isActive()
    qtbot.waitUntil(lambda: not pane.indexer.running)
    assert pane.indexer.refresh(folder, window.log.clock.now())  # one still under way
    job = pane.indexer.job
    assert job is not None
    qtbot.keyClick(pane.results, Qt.Key.Key_Escape)
    assert job.finished.is_set()  # waited for: nothing writes after the close
    assert window.tabs.indexOf(pane) < 0
    assert not pane.indexer.timer.isActive()
    assert pane.indexer.job is None
    assert pane.indexer.stopped
    assert window.capture.line.hasFocus()
    assert not [t for t in pane.findChildren(QTimer) if t.isActive()]
    pane2 = window.show_runbooks()  # opened again, it looks again
    assert pane2 is pane
    assert pane.indexer.timer.isActive()
    qtbot.waitUntil(lambda: not pane.indexer.running)


def test_f1_lists_the_step_keys() -> None:
    from commander_app.ui.shortcuts import SHORTCUTS

    rows = {s.name: s for s in SHORTCUTS}
    assert rows["runbooks"].keys == "Ctrl+Alt+B"
    assert rows["runbooks"].window
    steps = ("runbook_copy", "runbook_done", "runbook_wrong", "runbook_escalate")
    assert [(rows[n].keys, rows[n].window) for n in steps] == [
        ("Y", False), ("D", False), ("W", False), ("E", False)
    ]  # fmt: skip


def test_a_step_done_in_a_git_clone_records_the_commit_read_off_the_gui_thread(
    window: MainWindow, log: IncidentLog, qtbot: QtBot, folder: Path
) -> None:
    import subprocess

    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    for command in (["init", "-q"], ["add", "."],
                    ["-c", "user.name=Dana", "-c", "user.email=dana@example.com",
                     "commit", "-q", "-m", "Runbooks"]):  # fmt: skip
        subprocess.run([git, *command], cwd=folder, check=True, capture_output=True)
    head = subprocess.run([git, "rev-parse", "HEAD"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    gui = threading.get_ident()
    asked: list[int] = []
    from commander_app.ui.runbooks import version_job

    real = version_job.runbook_version

    def spy(indexed: object, **kwargs: object) -> object:
        asked.append(threading.get_ident())
        return real(indexed, **kwargs)  # type: ignore[arg-type]

    version_job.runbook_version = spy  # type: ignore[assignment]
    try:
        incident_id = start(window)
        pane = follow_pool(window, qtbot)
        opened = pane.opened
        assert opened is not None
        qtbot.waitUntil(lambda: pane.versions._known.get(opened.sha256) is not None)
    finally:
        version_job.runbook_version = real
    assert asked
    assert gui not in asked
    qtbot.keyClick(pane.checklist.steps, Qt.Key.Key_D)
    assert isinstance(pane.dialog, StepTextDialog)
    pane.dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    (body,) = runbook_events(log, incident_id)
    assert body["commit"] == head
