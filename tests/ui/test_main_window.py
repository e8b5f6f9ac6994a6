"""The window, driven as a user would: real widgets, a real log file."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import PAGE_SIZE, IncidentLog
from commander_app.ui.main_window import MainWindow
from commander_app.ui.timeline_model import TimelineModel
from tests.conftest import run_cli

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def window(qtbot: QtBot, log: IncidentLog) -> MainWindow:
    shown = MainWindow(log, "alice", BERLIN)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_first_run_offers_to_start_an_incident_or_a_drill(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.empty
    assert window.start_button.isVisible()
    assert window.drill_button.isVisible()


def test_starting_an_incident_shows_its_timeline_and_focuses_capture(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("Checkout 500s")
    assert window.stack.currentWidget() is window.splitter
    assert window.timeline.rowCount() == 1
    assert "Incident opened: Checkout 500s" in window.timeline.index(0, 3).data()
    qtbot.keyClicks(window.capture, "p99 latency up 10x")
    qtbot.keyClick(window.capture, Qt.Key.Key_Return)
    assert window.capture.text() == ""
    assert window.timeline.rowCount() == 2
    assert window.timeline.index(1, 3).data() == "p99 latency up 10x"
    assert window.timeline.index(1, 2).data() == "alice"
    assert [e.kind for e in window.log.events(window.current_incident_id() or "")] == [
        Kind.INCIDENT,
        Kind.NOTE,
    ]


def test_a_rejected_entry_stays_in_the_line_with_the_reason(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("x")
    window.capture.setText("x" * 20_001)
    qtbot.keyClick(window.capture, Qt.Key.Key_Return)
    assert window.capture.text() == "x" * 20_001
    assert window.capture_error.isVisible()
    assert "Not saved" in window.capture_error.text()
    assert "limit" in window.capture_error.text()
    assert window.timeline.rowCount() == 1


def test_drills_are_marked_in_the_list(window: MainWindow) -> None:
    window.open_incident("Failover practice", drill=True)
    text = window.incidents.index(0).data()
    assert "[DRILL]" in text
    assert "Failover practice" in text


def test_timeline_model_pages_and_passes_the_model_tester(
    log: IncidentLog, qtmodeltester: ModelTester
) -> None:
    incident = log.open_incident("big", author="a")
    now = log.clock.now()
    events = [
        Event(
            new_ulid(now),
            incident.id,
            Kind.NOTE,
            {"text": f"entry {n}"},
            "a",
            "d",
            to_iso(now),
            to_iso(now),
        )
        for n in range(PAGE_SIZE * 2 + 5)
    ]
    with write_transaction(log.conn):
        log.insert_events(events)
        log.refold(incident.id)
    model = TimelineModel(log, BERLIN)
    model.show_incident(incident.id)
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore(model.index(0, 0).parent())
    qtmodeltester.check(model)
    while model.canFetchMore(model.index(0, 0).parent()):
        model.fetchMore(model.index(0, 0).parent())
    assert model.rowCount() == PAGE_SIZE * 2 + 6
    assert "UTC" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_smoke_test_opens_the_real_window() -> None:
    result = run_cli("--smoke-test", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("smoke-test ok: platform=offscreen first_paint=")


def test_backups_are_taken_off_the_gui_thread_while_the_log_changes(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    assert not window.backups.tick()  # an empty log has nothing to keep
    window.open_incident("x")
    with qtbot.waitSignal(window.backups.backed_up, timeout=10_000) as made:
        assert window.backups.tick()
    assert made.args[0].exists()
    assert not window.backups.tick()  # the newest backup is fresh
    clock.advance(timedelta(minutes=11))
    window.capture.setText("more")
    window.submit_capture()
    with qtbot.waitSignal(window.backups.backed_up, timeout=10_000):
        assert window.backups.tick()
    assert len(window.log.backups.all()) == 2
