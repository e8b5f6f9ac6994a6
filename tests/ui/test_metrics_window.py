"""The Metrics window on real widgets: trends read on a thread, charted per figure, with
the incidents behind each bucket to open; filters, exports and the shutdown."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import Severity
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.main_window import MainWindow
from commander_app.ui.metrics.metrics_window import MetricsWindow
from commander_app.ui.metrics.spread_painting import bucket_label, nice_axis
from tests.support.metrics_data import write_history

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def opened(window: MainWindow, qtbot: QtBot) -> MetricsWindow:
    qtbot.keyClick(window.capture.line, Qt.Key.Key_M, CTRL_ALT)
    metrics = window._metrics
    assert metrics is not None
    qtbot.waitUntil(lambda: metrics.trends.data is not None, timeout=10_000)
    return metrics


def test_the_shortcut_opens_the_trends_read_on_a_thread(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    ids = write_history(log, 60, clock.now(), months=6)
    window.live.poll(force=True)
    window.capture.line.setText("half-typed note")
    metrics = opened(window, qtbot)
    assert window.capture.line.text() == "half-typed note"  # nothing typed is lost
    trends = metrics.trends
    assert trends.status.text().startswith("60 resolved incidents, by month")
    trend = trends.current_trend()
    assert trend is not None
    assert trend.key == "time_to_resolve"
    assert sum(s.n for s in trend.buckets) == 60
    assert {i for s in trend.buckets for i in s.incident_ids} == set(ids)
    selected = window.current_incident()
    assert selected is not None
    assert metrics.figures.incident_id == selected.id
    assert metrics.figures.heading.text().startswith(f"<b>{selected.title}</b>")


def test_the_chart_places_each_bucket_and_says_what_is_behind_it(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    write_history(log, 24, clock.now(), months=6)
    metrics = opened(window, qtbot)
    chart = metrics.trends.chart
    chart.resize(900, 420)
    trend = chart.trend
    assert trend is not None
    where = chart.current_layout()
    assert where is not None
    assert len(where.slots) == len(trend.buckets)
    # Slots split the plot evenly, left to right; a value maps onto the axis linearly.
    assert where.slots[0].left() == where.plot.left()
    assert abs(where.slots[-1].right() - where.plot.right()) < 1e-6
    full = next(s for s in trend.buckets if s.n)
    assert where.y(0) == where.plot.bottom()
    top_seconds = where.scale.top * where.scale.divisor
    assert abs(where.y(top_seconds) - where.plot.top()) < 1e-6
    index = trend.buckets.index(full)
    middle = QPointF(where.slots[index].center().x(), where.plot.center().y())
    assert where.slot_at(middle) == index
    tip = chart.describe(index)
    assert f"n={full.n}" in tip
    assert "median" in tip
    assert "IQR" in tip
    assert "#" in tip  # the incidents' titles, "Checkout 500s #3 — 1 h 2 min"
    assert len(chart.incidents_in(index)) == full.n


def test_the_keyboard_walks_the_buckets_and_enter_opens_the_one_incident(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    (only,) = write_history(log, 1, clock.now() - timedelta(days=1), months=1)
    window.live.poll(force=True)
    window.open_incident("Checkout 500s now")  # selected: another incident than the one
    metrics = opened(window, qtbot)
    chart = metrics.trends.chart
    chart.setFocus()
    assert chart.trend is not None
    qtbot.keyClick(chart, Qt.Key.Key_Home)
    assert chart.highlighted == 0
    qtbot.keyClick(chart, Qt.Key.Key_End)
    assert chart.highlighted == len(chart.trend.buckets) - 1
    with qtbot.waitSignal(metrics.open_incident, timeout=2000) as chosen:
        qtbot.keyClick(chart, Qt.Key.Key_Return)
    assert chosen.args == [only]
    current = window.current_incident()
    assert current is not None
    assert current.id == only
    assert metrics.figures.incident_id == only
    assert metrics.figures.model.rowCount() > 5


def test_filters_read_again_and_drills_are_kept_apart(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    write_history(log, 40, clock.now(), months=4)  # every fourth is SEV1
    metrics = opened(window, qtbot)
    trends = metrics.trends
    trends.severity.setCurrentText(Severity.SEV1.value)
    qtbot.waitUntil(
        lambda: trends.data is not None and trends.data.request.severities == (Severity.SEV1,),
        timeout=10_000,
    )
    assert trends.data is not None
    assert len(trends.data.incidents) == 10
    assert "SEV1" in trends.status.text()
    trends.drills.setChecked(True)
    qtbot.waitUntil(lambda: trends.data is not None and trends.data.request.drills, timeout=10_000)
    assert trends.data.incidents == ()
    assert trends.status.text().startswith("0 drills")
    trends.figures.setCurrentIndex(trends.figures.model().index(10, 0))
    assert trends.pages.currentWidget() is trends.completion_page
    assert trends.completion_note.text() == "No follow-ups with these filters."


def test_exports_write_png_svg_and_one_html_report(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot, tmp_path: Path
) -> None:
    write_history(log, 30, clock.now(), months=3)
    trends = opened(window, qtbot).trends
    assert trends.export("png", tmp_path / "resolve.png")
    assert (tmp_path / "resolve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert trends.export("svg", tmp_path / "resolve.svg")
    assert "<svg" in (tmp_path / "resolve.svg").read_text(encoding="utf-8")
    assert trends.export("html", tmp_path / "trends.html")
    page = (tmp_path / "trends.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 10  # one chart per figure
    assert "Follow-up completion" in page
    assert "30 resolved incidents, by month" in page
    assert not trends.export("png", tmp_path / "resolve.png" / "x.png")  # inside a file
    assert "Cannot write" in trends.error.text()


def test_closing_the_window_stops_a_read_in_progress(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    write_history(log, 300, clock.now())
    window.show_metrics()
    window.close()
    assert not [t for t in threading.enumerate() if t.name == "commander-trends"]


def test_the_axis_and_labels_read_plainly() -> None:
    assert nice_axis(0) == (1.0, 0.25)
    assert nice_axis(47) == (50.0, 10.0)
    assert nice_axis(101) == (125.0, 25.0)
    assert bucket_label("2026-03") == "Mar 26"
    assert bucket_label("2026-Q4") == "Q4 26"


def test_the_process_review_tab_opens_an_incident_in_the_main_window(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot
) -> None:
    ids = write_history(log, 5, clock.now() - timedelta(days=1), months=1)
    window.live.poll(force=True)
    metrics = opened(window, qtbot)
    assert metrics.review.is_empty()  # read when its tab is first shown
    metrics.activateWindow()
    qtbot.waitUntil(metrics.isActiveWindow)
    qtbot.keyClick(metrics.trends.service, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert metrics.tabs.currentWidget() is metrics.review
    review = metrics.review.review
    assert review is not None
    assert len(review.incidents) == 3  # the last three resolved
    metrics.review.bars.setFocus()
    with qtbot.waitSignal(metrics.open_incident, timeout=2000) as chosen:
        qtbot.keyClick(metrics.review.bars, Qt.Key.Key_Down)
        qtbot.keyClick(metrics.review.bars, Qt.Key.Key_Return)
    assert chosen.args[0] in ids
    current = window.current_incident()
    assert current is not None
    assert current.id == chosen.args[0]


def test_each_tab_reaches_its_controls_by_distinct_alt_letters(
    window: MainWindow, qtbot: QtBot
) -> None:
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    metrics = opened(window, qtbot)
    tabs = [metrics.tabs.tabText(n) for n in range(metrics.tabs.count())]
    for page in (metrics.trends, metrics.review, metrics.noise):
        texts = [w.text() for w in page.findChildren(QAbstractButton)]
        texts += [w.text() for w in page.findChildren(QLabel) if w.buddy() is not None]
        letters = [m.group(1).lower() for t in tabs + texts for m in [re.search(r"&(\w)", t)] if m]
        assert len(letters) == len(set(letters)), letters


def test_every_figure_at_a_glance_and_exported_together(
    window: MainWindow, log: IncidentLog, clock: FixedClock, qtbot: QtBot, tmp_path: Path
) -> None:
    write_history(log, 30, clock.now(), months=3)
    trends = opened(window, qtbot).trends
    trends.figures.setCurrentIndex(trends.figures.model().index(11, 0))
    assert trends.pages.currentWidget() is trends.overview
    assert [c.trend.key if c.trend else None for c in trends.small_charts] == [
        t.key
        for t in trends.data.trends  # type: ignore[union-attr]
    ]
    assert trends.export("svg", tmp_path / "all.svg")
    page = (tmp_path / "all.svg").read_text(encoding="utf-8")
    assert "Time to detect" in page
    assert "Handoffs of command" in page
