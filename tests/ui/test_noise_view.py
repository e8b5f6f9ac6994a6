"""The Metrics window's Alert noise tab on real widgets: the report read on a thread,
charted and tabled, a row's proposed change made a follow-up with one key, the service
filter, the CSV export and the shutdown."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.alert_noise import Proposal
from commander_app.core.alert_noise_export import CSV_COLUMNS
from commander_app.core.model import Kind
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from commander_app.ui.metrics.noise_view import NoiseView
from tests.store.test_alert_noise import two_incidents  # noqa: F401  (a fixture)

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


@pytest.fixture
def incidents(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The store tests' two incidents: alerts triaged, one noisy, one missed detection."""
    found: tuple[str, str] = request.getfixturevalue("two_incidents")
    return found


def noise_tab(window: MainWindow, qtbot: QtBot) -> NoiseView:
    qtbot.keyClick(window.capture.line, Qt.Key.Key_M, CTRL_ALT)
    metrics = window._metrics
    assert metrics is not None
    metrics.tabs.setCurrentWidget(metrics.noise)
    qtbot.waitUntil(lambda: metrics.noise.report is not None, timeout=10_000)
    return metrics.noise


def names(view: NoiseView) -> list[str]:
    return [view.model.index(r, 0).data() for r in range(view.model.rowCount())]


def test_the_report_is_read_on_a_thread_and_shown_as_chart_and_table(
    window: MainWindow,
    incidents: tuple[str, str],
    qtbot: QtBot,
) -> None:
    seen: list[str] = []
    original = NoiseView.refresh

    def spy(view: NoiseView) -> None:
        original(view)
        seen.extend(t.name for t in view.reader._threads)

    NoiseView.refresh = spy  # type: ignore[method-assign]
    try:
        view = noise_tab(window, qtbot)
    finally:
        NoiseView.refresh = original  # type: ignore[method-assign]
    assert seen == ["commander-read"]
    assert names(view) == ["DiskFull", "Latency", "No alert in time: Search slow"]
    assert view.model.index(0, 9).data() == "Delete"
    assert view.model.index(1, 9).data() == "Add context"
    assert view.model.index(0, 3).data() == "1/1 (100%)"
    assert view.model.index(0, 7).data() == "0.5"
    assert [r.name for r in view.chart.rows] == ["Latency", "DiskFull"]  # costliest first
    assert "DiskFull: 0.5 page-hours" in view.chart.toolTip()
    assert view.status.text().startswith("2 alerts across 2 real incidents (last 90 days")


def test_ctrl_enter_makes_the_selected_rows_change_a_follow_up(
    window: MainWindow,
    log: IncidentLog,
    incidents: tuple[str, str],
    qtbot: QtBot,
) -> None:
    a, b = incidents
    view = noise_tab(window, qtbot)
    assert not view.propose_button.isEnabled()  # nothing selected yet
    view.table.setFocus()
    view.table.selectRow(0)
    assert view.propose_button.isEnabled()
    assert view.detail.text().startswith("<b>DiskFull</b> — Delete: Triaged noise in 1 of 1")
    qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    actions = [e for e in log.events(a) if e.kind == Kind.ACTION]
    assert len(actions) == 1
    assert str(actions[0].body["text"]).startswith("Delete the alert rule DiskFull")
    assert "noise report:" in str(actions[0].body["text"])
    assert view.status.text().startswith("Follow-up written in “Checkout 500s”: Delete")
    view.table.selectRow(2)  # the detection miss
    view.propose_button.click()
    missed = [e for e in log.events(b) if e.kind == Kind.ACTION]
    assert len(missed) == 1
    assert view.error.isHidden()


def test_the_service_filter_reads_again_and_a_keep_row_proposes_nothing(
    window: MainWindow,
    incidents: tuple[str, str],
    qtbot: QtBot,
) -> None:
    view = noise_tab(window, qtbot)
    first = view.report
    view.service.setText("search")
    qtbot.keyClick(view.service, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.report is not first, timeout=10_000)
    assert names(view) == ["Latency", "No alert in time: Search slow"]
    assert view.status.text().startswith("1 alerts across 1 real incidents of search")
    assert view.report is not None
    latency = view.report.rows[0]
    latency.proposal = Proposal.KEEP  # as a well-behaved alert would be
    view.table.selectRow(0)
    assert not view.propose_button.isEnabled()


def test_the_csv_export_has_the_reports_columns(
    window: MainWindow,
    incidents: tuple[str, str],
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    view = noise_tab(window, qtbot)
    target = tmp_path / "noise.csv"
    view.export_to(target)
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == ["DiskFull", "Latency", ""]
    assert view.status.text() == f"Written the noise report to {target}."
    view.export_to(tmp_path)  # a folder: it cannot be written over
    assert view.error.text().startswith("Could not write")


def test_closing_the_window_waits_for_a_read_in_progress(
    window: MainWindow,
    incidents: tuple[str, str],
    qtbot: QtBot,
) -> None:
    view = noise_tab(window, qtbot)
    view.refresh()
    window.close()
    assert not [t for t in threading.enumerate() if t.name == "commander-read"]


def test_the_model_keeps_qts_contract(
    window: MainWindow, incidents: tuple[str, str], qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    view = noise_tab(window, qtbot)
    qtmodeltester.check(view.model)
