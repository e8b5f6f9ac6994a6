"""The process review screen over a real log: incidents written through the store at fixed
times (UTC; the team reads Berlin time), as `tests/cli/test_cli_review.py` writes them
with the real commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import DecisionKind, HypothesisState, Milestone, Severity
from commander_app.core.rollback import DecisionRequest
from commander_app.store import board as board_store
from commander_app.store import rollback
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.metrics.review_view import ReviewView
from tests.ui.conftest import BERLIN


def at(clock: str, day: int = 20) -> datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def opening(log: IncidentLog, when: datetime) -> None:
    """The clock at the opening, so each incident's id (its time first) reads apart."""
    assert isinstance(log.clock, FixedClock)
    log.clock.set(when)


def refuted_chase(log: IncidentLog) -> str:
    """Diagnosis lost to a hypothesis later refuted."""
    opening(log, at("14:00"))
    incident = log.open_incident(
        "Checkout 500s", severity=Severity.SEV2, author="ada", at=at("14:00")
    ).id
    log.mark_milestone(incident, Milestone.IMPACT_STARTED, author="ada", at=at("13:50"))
    log.mark_milestone(incident, Milestone.DETECTED, author="ada", at=at("14:00"))
    wrong = board_store.open_hypothesis(
        log, incident, "Cache stampede after the flush", owner="dana", author="ada", at=at("14:05")
    )
    log.log(incident, "Cache hit rate looks normal so far", author="ada", at=at("14:06"))
    board_store.set_hypothesis_state(
        log, incident, wrong.id, HypothesisState.REFUTED, author="ada", at=at("14:39")
    )
    right = board_store.open_hypothesis(
        log,
        incident,
        "Deploy 4812 broke the payment client",
        owner="bob",
        author="ada",
        at=at("14:40"),
    )
    board_store.set_hypothesis_state(
        log, incident, right.id, HypothesisState.CONFIRMED, author="ada", at=at("14:50")
    )
    log.mark_milestone(incident, Milestone.MITIGATED, author="ada", at=at("14:55"))
    rollback.resolve(log, incident, author="ada", at=at("15:10"), confirmed=True)
    return incident


def rollback_waiting(log: IncidentLog, day: int, *, drill: bool = False) -> str:
    """Mitigation lost waiting to decide a rollback whose checklist was started early."""
    opening(log, at("14:00", day))
    incident = log.open_incident(
        "Search latency", drill=drill, commander="alice", author="alice", at=at("14:00", day)
    ).id
    log.mark_milestone(incident, Milestone.DETECTED, author="alice", at=at("14:00", day))
    cause = board_store.open_hypothesis(
        log, incident, "Deploy 7 doubled the fan-out", author="alice", at=at("14:03", day)
    )
    board_store.set_hypothesis_state(
        log, incident, cause.id, HypothesisState.CONFIRMED, author="alice", at=at("14:04", day)
    )
    rollback.tick_item(log, incident, "1", author="alice", at=at("14:05", day))
    rollback.tick_item(log, incident, "2", author="alice", at=at("14:06", day))
    request = DecisionRequest(
        text="Roll back search to deploy 6",
        decision_kind=DecisionKind.ROLLBACK,
        override_reason="search down for everyone",
    )
    rollback.decide(log, incident, request, author="alice", at=at("14:31", day))
    log.mark_milestone(incident, Milestone.MITIGATED, author="alice", at=at("14:40", day))
    rollback.resolve(log, incident, author="alice", at=at("14:45", day), confirmed=True)
    return incident


@pytest.fixture
def three(log: IncidentLog) -> list[str]:
    return [refuted_chase(log), rollback_waiting(log, 21), rollback_waiting(log, 22)]


@pytest.fixture
def view(qtbot: QtBot, log: IncidentLog) -> ReviewView:
    shown = ReviewView(log, BERLIN)
    qtbot.addWidget(shown)
    shown.resize(1100, 800)
    return shown


def show(qtbot: QtBot, view: ReviewView) -> None:
    view.show()
    qtbot.waitExposed(view)


def test_three_incidents_are_three_bars_on_one_time_axis(
    qtbot: QtBot, view: ReviewView, three: list[str]
) -> None:
    assert view.review is None  # nothing is read before the screen is shown
    show(qtbot, view)
    assert len({incident[:10] for incident in three}) == 3  # the report names them apart
    assert [r.state.id for r in view.bars.incidents] == three  # oldest first
    layout = view.bars.chart_layout()
    track = layout.rows[0].track
    assert all(
        row.track == track.translated(0, row.track.top() - track.top()) for row in layout.rows
    )
    scale = 80 * 60  # the longest: 13:50 → 15:10
    rects = view.bars.segment_rects()
    # impact 13:50, detected 14:00, correct hypothesis raised 14:40, mitigated 14:55, resolved 15:10
    assert [name for name, _ in rects[0]] == ["Detection", "Diagnosis", "Mitigation", "Recovery"]
    widths = [rect.width() / track.width() * scale / 60 for _, rect in rects[0]]
    assert widths == pytest.approx([10, 40, 15, 15])
    assert rects[0][0][1].left() == pytest.approx(track.left())
    assert rects[0][-1][1].right() == pytest.approx(track.right())
    # opened = detected 14:00 (nothing to draw), raised 14:03, mitigated 14:40, resolved 14:45
    for row in rects[1:]:
        assert [name for name, _ in row] == ["Diagnosis", "Mitigation", "Recovery"]
        widths = [rect.width() / track.width() * scale / 60 for _, rect in row]
        assert widths == pytest.approx([3, 37, 5])
        assert row[-1][1].right() == pytest.approx(track.left() + track.width() * 45 / 80)
    for a, b in zip(rects[0], rects[0][1:], strict=False):
        assert a[1].right() == pytest.approx(b[1].left())  # the phases follow on


def test_a_segment_says_its_phase_local_times_and_the_longest_gap(
    qtbot: QtBot, view: ReviewView, three: list[str]
) -> None:
    show(qtbot, view)
    rects = view.bars.segment_rects()
    diagnosis = rects[0][1][1]
    assert view.bars.tooltip_at(diagnosis.center()) == (
        "Diagnosis (detected → correct hypothesis)\n"
        "15:00 → 15:40 (40m 00s)\n"
        "The slowest phase of this incident.\n"
        "Longest gap: 15:06 → 15:39 (33m 00s): chasing the refuted hypothesis H1 "
        "“Cache stampede after the flush” for 34 min"
    )
    recovery = rects[0][3][1]
    assert view.bars.tooltip_at(recovery.center()) == (
        "Recovery (mitigated → resolved)\n15:55 → 16:10 (15m 00s)"
    )
    assert view.bars.tooltip_at(QPointF(2, 2)) is None


def test_down_and_enter_open_the_next_incident(
    qtbot: QtBot, view: ReviewView, three: list[str]
) -> None:
    show(qtbot, view)
    view.bars.setFocus()
    qtbot.waitUntil(view.bars.hasFocus)
    assert view.bars.current_incident() == three[0]
    qtbot.keyClick(view.bars, Qt.Key.Key_Down)
    with qtbot.waitSignal(view.open_incident) as opened:
        qtbot.keyClick(view.bars, Qt.Key.Key_Return)
    assert opened.args == [three[1]]
    qtbot.keyClick(view.bars, Qt.Key.Key_Down)
    qtbot.keyClick(view.bars, Qt.Key.Key_Down)  # the last stays the last
    assert view.bars.current_incident() == three[2]
    row = view.bars.chart_layout().rows[0].label.center().toPoint()
    with qtbot.waitSignal(view.open_incident) as clicked:
        qtbot.mouseDClick(view.bars, Qt.MouseButton.LeftButton, pos=row)
    assert clicked.args == [three[0]]


def test_every_control_is_reached_by_tab(qtbot: QtBot, view: ReviewView, three: list[str]) -> None:
    show(qtbot, view)
    view.last.setFocus()
    qtbot.waitUntil(view.last.hasFocus)
    reached = []
    for _ in range(5):
        qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
        reached.append(view.focusWidget())
    assert reached == [
        view.drills,
        view.refresh_button,
        view.export_button,
        view.bars,
        view.details,
    ]
    for control, text in (
        (view.drills, "&Drills too"),
        (view.refresh_button, "&Refresh"),
        (view.export_button, "E&xport…"),
        (view.last_label, "&Last"),
    ):
        assert control.text() == text


def test_the_review_names_what_repeats_and_the_median_per_phase(
    qtbot: QtBot, view: ReviewView, three: list[str]
) -> None:
    show(qtbot, view)
    repeats = (
        "**Repeats:** waiting for authority for a production change: 2 of 3 incidents "
        f"({three[1][:10]}, {three[2][:10]})"
    )
    table = "| Mitigation (correct hypothesis → mitigated) | 37m 00s | 26m 00s – 37m 00s | 3 |"
    assert repeats in view.markdown()
    assert table in view.markdown()
    shown = view.details_text()
    assert (
        "Repeats: waiting for authority for a production change: 2 of 3 incidents "
        f"({three[1][:10]}, {three[2][:10]})"
    ) in shown
    assert "Median" in shown
    assert "IQR" in shown
    assert "26m 00s – 37m 00s" in shown
    assert "chasing the refuted hypothesis H1" in shown


def test_drills_only_with_the_check_box(
    qtbot: QtBot, view: ReviewView, log: IncidentLog, three: list[str]
) -> None:
    drill = rollback_waiting(log, 23, drill=True)
    show(qtbot, view)
    assert drill not in [r.state.id for r in view.bars.incidents]
    view.drills.setChecked(True)
    assert [r.state.id for r in view.bars.incidents] == [*three[1:], drill]
    assert "[DRILL]" in view.markdown()
    view.last.setValue(1)
    assert [r.state.id for r in view.bars.incidents] == [drill]
    view.drills.setChecked(False)
    assert [r.state.id for r in view.bars.incidents] == [three[2]]


def test_refresh_reads_what_was_resolved_since(
    qtbot: QtBot, view: ReviewView, log: IncidentLog
) -> None:
    show(qtbot, view)
    assert view.is_empty()
    assert view.empty_note.isVisible()
    assert view.empty_note.text().startswith("No resolved incidents to review yet")
    assert not view.bars.isVisible()
    assert not view.export_button.isEnabled()
    first = refuted_chase(log)
    qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    assert [r.state.id for r in view.bars.incidents] == [first]
    assert not view.empty_note.isVisible()
    assert view.bars.isVisible()
    assert view.export_button.isEnabled()


def test_an_open_incident_is_not_reviewed(qtbot: QtBot, view: ReviewView, log: IncidentLog) -> None:
    log.open_incident("Still burning", author="ada")
    show(qtbot, view)
    assert view.empty_note.isVisible()
    assert not view.details.isVisible()


def test_exports_the_bars_as_png_and_the_review_as_html(
    qtbot: QtBot, view: ReviewView, three: list[str], tmp_path: Path
) -> None:
    show(qtbot, view)
    png = tmp_path / "bars.png"
    assert view.save_png(png)
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() >= 1000
    assert image.height() == int(view.bars.chart_height())
    page = tmp_path / "review.html"
    assert view.save_html(page)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for incident in three:
        assert incident[:10] in html
    assert "<th>IQR</th>" in html
    assert view.outcome.text() == f"Written to {page}."
    folder = tmp_path / "a folder"
    folder.mkdir()
    assert not view.save_html(folder)  # a refusal in the user's words, and a way out
    assert view.error.isVisible()
    assert view.error.text() == (f"Cannot write {folder}: Is a directory. Choose another place.")
