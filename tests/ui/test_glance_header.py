"""The one-glance header: always in view, never cut past reading at 1280×800, and as
live as the panels; and the board and checklist keep their rows and columns there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QTreeView
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import DecisionKind, HypothesisState, Role, Severity
from commander_app.core.rollback import DecisionRequest
from commander_app.store import board, rollback
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.incident.glance_header import READABLE, FieldText
from commander_app.ui.main_window import MainWindow
from tests.support.sev1 import START, scripted_sev1
from tests.ui.conftest import BERLIN


def header_texts(window: MainWindow) -> list[str]:
    return [text.full for text in window.glance.texts]


def test_the_header_follows_the_log_and_the_clock(
    window: MainWindow, log: IncidentLog, clock: FixedClock
) -> None:
    assert not window.glance.isVisibleTo(window)  # no incident, nothing to glance at
    assert window.open_incident("Checkout 500s", severity=Severity.SEV1, commander="alice")
    incident = window.current_incident()
    assert incident is not None
    assert window.glance.isVisibleTo(window)
    commander, communicator, update, cause, outcome = header_texts(window)
    assert (commander, communicator, cause, outcome) == (
        "alice",
        "nobody",
        "no hypothesis yet",
        "nothing waiting",
    )
    assert update.startswith("Internal due ")

    # Written by another terminal: the header follows the same refresh as the panels.
    clock.advance(timedelta(minutes=1))
    log.assign_role(incident.id, Role.COMMUNICATOR, "carol", author="bob")
    pool = board.open_hypothesis(log, incident.id, "Pool exhausted", author="bob").id
    board.set_hypothesis_state(log, incident.id, pool, HypothesisState.CONFIRMED, author="alice")
    for item in ("1", "2", "3", "4", "5"):
        rollback.tick_item(log, incident.id, item, author="alice")
    rollback.decide(
        log,
        incident.id,
        DecisionRequest("Roll back checkout", DecisionKind.ROLLBACK, expect_minutes=10),
        author="alice",
    )
    window.live.poll(force=True)
    _, communicator, _, cause, outcome = header_texts(window)
    assert communicator == "carol"
    assert cause == "Pool exhausted"
    assert window.glance.fields[3].caption.text() == "Confirmed"
    assert outcome.startswith("Roll back checkout (ask at ")

    # Only the clock moves: the cadence's tick moves the header's times.
    clock.advance(timedelta(minutes=30))
    window.updates.cadence.tick()
    _, _, update, _, outcome = header_texts(window)
    assert update.startswith("Internal overdue by ")
    assert outcome.startswith("Roll back checkout (due ")
    assert "overdue" in window.glance.fields[2].text.toolTip()


def rows_that_fit(view: QTreeView) -> int:
    """How many one-line rows the list has room for, whatever it holds now."""
    row = view.visualRect(view.model().index(0, 0)).height()
    assert row > 0
    return view.viewport().height() // row


def fits(text: FieldText) -> bool:
    return text.fontMetrics().horizontalAdvance(text.text()) <= text.contentsRect().width()


@pytest.fixture
def sev1_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    clock = FixedClock(START)
    log = IncidentLog(tmp_path / "sev1.db", device_id="device-test", clock=clock)
    scripted_sev1(log, clock)
    shown = MainWindow(log, "alice", BERLIN, tmp_path / "window.ini")
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.close()
    log.close()


def test_at_1280x800_the_header_is_whole_and_the_board_has_room(
    sev1_window: MainWindow, qtbot: QtBot
) -> None:
    window = sev1_window
    qtbot.waitUntil(lambda: window.glance.width() > 1200)
    commander, communicator, update, cause, outcome = window.glance.texts
    assert (commander.full, communicator.full) == ("alice", "carol")
    assert update.full == "Executives overdue by 39 min, +2 more"
    assert cause.full == "Connection pool exhausted on payments-db since deploy 4811 (bob)"
    assert outcome.full == "Roll back payments-api to release 4810 (due 03:13)"
    for text in window.glance.texts:
        assert text.isVisibleTo(window)
        assert fits(text), text.full
        assert not text.shortened, text.full  # at this width everything is read whole
    assert window.glance.geometry().bottom() < window.stack.geometry().top()  # above it all
    # Narrower still, a long text shortens but stays readable, with the whole on hover,
    # and the names and the due time stay whole.
    window.resize(900, 800)
    qtbot.waitUntil(lambda: window.glance.width() < 1000)
    assert cause.shortened
    assert cause.text().endswith("…")
    assert "Connection pool exhausted on payments-db since deploy 4811" in cause.toolTip()
    for text in window.glance.texts:
        assert fits(text), text.full
        assert len(text.text()) >= min(len(text.full), READABLE)
    for whole in (commander, communicator, update):
        assert not whole.shortened
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.glance.width() > 1200)

    # The board shows more than the four hypothesis rows it used to.
    assert rows_that_fit(window.board.hypotheses_view) >= 6
    # The rollback checklist's Ticked column is in view, not scrolled off to the right.
    window.tabs.setCurrentWidget(window.rollback_tab)
    panel = window.rollback
    qtbot.waitUntil(lambda: panel.checklist_view.isVisible())
    view = panel.checklist_view
    header = view.header()
    ticked_right = header.sectionViewportPosition(1) + header.sectionSize(1)
    assert header.sectionSize(1) >= header.fontMetrics().horizontalAdvance("Ticked")
    assert ticked_right <= view.viewport().width()
    right_edge = view.mapTo(window.rollback_tab.viewport(), QPoint(view.width(), 0)).x()
    assert right_edge <= window.rollback_tab.viewport().width()
    assert rows_that_fit(view) >= 5
