"""The window, driven as a user would: real widgets, a real log file."""

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind, Milestone, Role, Severity, Status
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.incident.incident_list_model import IncidentIdRole
from commander_app.ui.main_window import MainWindow
from commander_app.ui.shortcuts import SHORTCUTS
from tests.conftest import run_cli
from tests.support.damaged_log import write_damaged_log
from tests.ui.conftest import BERLIN, from_a_terminal


def type_entry(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.capture.line.clear()
    qtbot.keyClicks(window.capture.line, text)
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)


def test_first_run_offers_to_start_an_incident_or_a_drill(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.empty
    assert window.start_button.isVisible()
    assert window.drill_button.isVisible()


def test_capture_writes_durably_and_shows_in_the_timeline(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_incident("Checkout 500s", severity=Severity.SEV1)
    assert window.stack.currentWidget() is window.splitter
    assert window.capture.line.hasFocus()
    type_entry(qtbot, window, "p99 latency up 10x")
    assert window.capture.line.text() == ""
    assert window.timeline.rowCount() == 2
    assert window.timeline.index(1, 3).data() == "p99 latency up 10x"
    assert window.timeline.index(1, 2).data() == "alice"
    incident = window.current_incident()
    assert incident is not None
    assert [e.kind for e in window.log.events(incident.id)] == [Kind.INCIDENT, Kind.NOTE]


def test_prefixes_choose_the_kind_and_backfill_the_time(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x")
    qtbot.keyClicks(window.capture.line, "h pool exhausted")
    assert window.capture.preview.text() == "→ hypothesis"
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)
    # Before the opening, a time is typed in full (a bare @14:05 is refused with its reading)
    type_entry(qtbot, window, "@2026-11-28T14:05 f pool size is 10")
    type_entry(qtbot, window, "!disk full on db-3")
    incident = window.current_incident()
    assert incident is not None
    events = window.log.events(incident.id)
    by_kind = {e.kind: e for e in events}
    assert by_kind[Kind.HYPOTHESIS].body["text"] == "pool exhausted"
    assert by_kind[Kind.ALERT].body["text"] == "disk full on db-3"
    # 14:05 in Berlin is 13:05 UTC, before the incident was opened at 14:00 UTC
    assert by_kind[Kind.FINDING].occurred_at == "2026-11-28T13:05:00.000000Z"
    assert window.timeline.index(0, 3).data() == "pool size is 10"


def test_the_selector_sets_the_kind_without_a_prefix(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x")
    window.capture.kind_box.setCurrentIndex(window.capture.kind_box.findData(Kind.DECISION))
    type_entry(qtbot, window, "page the release manager")
    assert window.timeline.index(1, 1).data() == "decision"


def test_a_rejected_entry_stays_in_the_line_with_the_reason(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("x")
    for text, reason in (("@25:99 f oops", "HH:MM"), ("x" * 20_001, "limit")):
        window.capture.line.setText(text)
        qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)
        assert window.capture.line.text() == text
        assert window.capture.error.isVisible()
        assert reason in window.capture.error.text()
        assert "still in the line" in window.capture.error.text()
    assert window.timeline.rowCount() == 1


def test_a_write_that_fails_keeps_the_text(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x")
    pages = window.log.conn.execute("PRAGMA page_count").fetchone()[0]
    window.log.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    text = "an entry that must not vanish " * 200
    window.capture.line.setText(text)
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)
    assert window.capture.line.text() == text
    shown = window.capture.error.text()
    assert "is full" in shown
    assert "nothing already in the log was lost" in shown
    assert "still in the line" in shown
    assert "backup" not in shown
    assert window.timeline.rowCount() == 1


def test_drills_are_marked_and_real_incidents_come_first(window: MainWindow) -> None:
    window.open_incident("Failover practice", drill=True, severity=Severity.SEV1)
    window.open_incident("Real outage", severity=Severity.SEV3)
    assert "Real outage" in window.incidents.index(0).data()
    assert "[DRILL]" in window.incidents.index(1).data()


def test_events_from_another_process_appear_without_a_restart(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("Live one")
    result = run_cli("log", "written in a terminal", "--author", "bob", db=window.log.path)
    assert result.returncode == 0, result.stderr
    qtbot.waitUntil(lambda: window.timeline.rowCount() == 2, timeout=2_000)
    assert window.timeline.index(1, 3).data() == "written in a terminal"
    result = run_cli("status", "identified", db=window.log.path)
    assert result.returncode == 0, result.stderr
    qtbot.waitUntil(lambda: window.panel.status.currentText() == "identified", timeout=2_000)


def test_the_selected_incident_stays_selected_as_the_list_reorders(
    window: MainWindow, log: IncidentLog, clock: FixedClock
) -> None:
    window.open_incident("Checkout 500s")
    clock.advance(timedelta(minutes=1))
    window.open_incident("Search slow")
    checkout, search_slow = (window.incidents.index(row).data(IncidentIdRole) for row in (1, 0))
    window.select_incident(checkout)
    told: list[str] = []
    selection = window.incident_list.selectionModel()
    selection.currentChanged.connect(lambda *_: told.append("current"))
    selection.selectionChanged.connect(lambda *_: told.append("selection"))
    window.timeline.modelReset.connect(lambda: told.append("timeline read afresh"))

    clock.advance(timedelta(minutes=1))
    log.log(checkout, "pool drained", author="alice")  # the selected one moves up
    window.live.poll(force=True)
    clock.advance(timedelta(minutes=1))
    with from_a_terminal(log, clock) as other:  # and another moves past it
        other.log(search_slow, "reindex paused", author="bob")
    window.live.poll()

    assert window.incidents.index(1).data(IncidentIdRole) == checkout
    assert [i.row() for i in window.incident_list.selectedIndexes()] == [1]
    assert window.incident_list.currentIndex().row() == 1
    assert window.panel.state is not None
    assert window.panel.state.id == checkout
    assert window.timeline.index(window.timeline.rowCount() - 1, 3).data() == "pool drained"
    assert told == []


def test_backfilled_events_land_in_their_place(window: MainWindow, clock: FixedClock) -> None:
    window.open_incident("x")
    clock.advance(timedelta(minutes=10))
    incident = window.current_incident()
    assert incident is not None
    window.log.log(incident.id, "later", author="a")
    window.log.log(incident.id, "earlier", author="a", at=clock.now() - timedelta(minutes=5))
    window.live.poll(force=True)
    texts = [window.timeline.index(r, 3).data() for r in range(window.timeline.rowCount())]
    assert texts[1:] == ["earlier", "later"]


def test_corrections_strike_the_original(window: MainWindow) -> None:
    window.open_incident("x")
    incident = window.current_incident()
    assert incident is not None
    wrong = window.log.log(incident.id, "db-7 is down", author="a")
    window.live.poll(force=True)
    window.log.log(incident.id, "db-3 is down", author="a", supersedes=wrong.id)
    window.live.poll(force=True)
    row = window.timeline.row_of(wrong.id)
    assert window.timeline.index(row, 3).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert window.timeline.index(row, 3).data(Qt.ItemDataRole.ToolTipRole) == (
        "Corrected to: db-3 is down"
    )
    assert window.timeline.index(row + 1, 3).data() == "Correction: db-3 is down"


def test_filter_by_kind_and_search(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("Kafka lag")
    for text in ("h consumer stuck", "partition 7 rebalancing", "d wait for the rebalance"):
        type_entry(qtbot, window, text)
    view = window.timeline_view
    view.kind_filter.setCurrentIndex(view.kind_filter.findData(Kind.DECISION))
    assert window.timeline.rowCount() == 1
    view.kind_filter.setCurrentIndex(0)
    assert window.timeline.rowCount() == 4
    qtbot.keyClicks(view.search_box, "partition")
    qtbot.keyClick(view.search_box, Qt.Key.Key_Return)
    assert view.stack.currentWidget() is view.hits
    assert view.results.rowCount() == 1
    view.hits.activated.emit(view.results.index(0))
    assert view.stack.currentWidget() is view.table
    selected = view.table.selectionModel().selectedRows()
    assert [window.timeline.index(i.row(), 3).data() for i in selected] == [
        "partition 7 rebalancing"
    ]


def test_panel_changes_are_logged(window: MainWindow) -> None:
    window.open_incident("x", severity=Severity.SEV3)
    assert window.panel.set_severity(Severity.SEV1)
    assert window.panel.set_status(Status.IDENTIFIED)
    assert not window.panel.set_status(Status.IDENTIFIED)  # refused: already identified
    assert window.panel.set_milestone(Milestone.DETECTED, "14:50")
    assert not window.panel.set_milestone(Milestone.MITIGATED, "quarter past")
    assert window.panel.assign(Role.COMMUNICATOR, "Bea")
    incident = window.current_incident()
    assert incident is not None
    assert (incident.severity, incident.status) == (Severity.SEV1, Status.IDENTIFIED)
    assert incident.detected_at == "2026-11-28T13:50:00.000000Z"
    assert incident.mitigated_at is None
    assert incident.communicator == "Bea"
    assert window.panel.role_labels[Role.COMMUNICATOR].text() == "Bea"
    assert window.panel.severity.currentText() == "SEV1"
    kinds = [window.timeline.index(r, 1).data() for r in range(window.timeline.rowCount())]
    assert kinds.count("severity") == 1
    assert kinds.count("role") == 1


def test_every_shortcut_is_an_action_of_the_window(window: MainWindow) -> None:
    bound = {a.shortcut().toString() for a in window.actions()}
    assert {s.keys for s in SHORTCUTS if s.window} <= bound


def test_selected_timeline_entries_copy_as_text(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x")
    type_entry(qtbot, window, "h pool exhausted")
    view = window.timeline_view
    view.table.selectRow(1)
    view.table.setFocus()
    qtbot.keySequence(view.table, QKeySequence.StandardKey.Copy)
    copied = QGuiApplication.clipboard().text()
    assert copied.endswith("  hypothesis  alice  pool exhausted")


def test_layout_persists_across_runs(qtbot: QtBot, log: IncidentLog, settings_file: Path) -> None:
    first = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(first)
    first.open_incident("x")
    first.show()
    first.resize(760, 560)  # within the offscreen platform's 800x800 screen
    first.splitter.setSizes([150, 400, 200])
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(second)
    second.show()
    assert second.size() == first.size()
    assert second.splitter.sizes() == sizes
    second.close()


def test_smoke_test_opens_the_real_window() -> None:
    result = run_cli("--smoke-test", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("smoke-test ok: platform=offscreen first_paint=")


def test_a_log_found_damaged_after_opening_says_so_and_keeps_the_entry(
    qtbot: QtBot, db_path: Path, clock: FixedClock, settings_file: Path
) -> None:
    """The window opens at once and checks the log on a thread; damage is reported in
    the window, and what is typed afterwards stays in the line, never written."""
    write_damaged_log(db_path, clock)
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        window = MainWindow(log, "alice", BERLIN, settings_file)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.findChild(QMessageBox) is not None, timeout=5000)
        box = window.findChild(QMessageBox)
        assert box.isVisible()
        assert "is damaged" in box.text()
        assert "write nothing more" in box.text()
        assert "damaged" in window.statusBar().currentMessage()
        type_entry(qtbot, window, "f pool exhausted")
        assert window.capture.line.text() == "f pool exhausted"
        assert "is damaged" in window.capture.error.text()
        box.close()
        window.close()


def test_a_damaged_log_the_window_reads_is_refused_in_plain_words(
    db_path: Path, clock: FixedClock, tmp_path: Path
) -> None:
    """Damage in the timeline's own pages: the check's message, not a traceback."""
    write_damaged_log(db_path, clock, where="events")
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = run_cli("--smoke-test", db=db_path, env=env)
    assert result.returncode != 0
    assert "is damaged and was not changed" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_rollback_tab_is_built_just_after_the_first_paint(
    qtbot: QtBot, log: IncidentLog, settings_file: Path
) -> None:
    """Not part of the first paint, so not built before it; ready a moment later,
    with its prompt bar in place below the update banner."""
    window = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(window)
    assert not window.rollback_tab.built
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    qtbot.waitUntil(lambda: window.rollback_tab.built, timeout=5000)
    assert window.rollback_tab.widget() is window.rollback
    assert window.rollback.prompt.parent() is window.rollback_tab.prompt_slot
    window.close()


def test_choosing_the_rollback_tab_builds_it_at_once(
    qtbot: QtBot, log: IncidentLog, settings_file: Path
) -> None:
    window = MainWindow(log, "alice", BERLIN, settings_file)
    qtbot.addWidget(window)
    window.open_incident("Checkout 500s")
    window.tabs.setCurrentWidget(window.rollback_tab)
    window.show()  # shown before any paint: the tab in front asks for its panel
    assert window.rollback_tab.built
    assert window.rollback.state is not None
    window.close()
