"""The right-hand side: hypotheses, actions, decisions, and the handoff of command."""

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from commander_app.core.clock import FixedClock
from commander_app.core.model import HypothesisState, RoleChange
from commander_app.store import board as board_store
from commander_app.ui.incident import board_panel
from commander_app.ui.main_window import MainWindow


def type_entry(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.capture.line.setText(text)
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)


def cell(view_model: object, row: int, column: int) -> str:
    return str(view_model.index(row, column).data())  # type: ignore[attr-defined]


def test_hypotheses_from_capture_show_with_owner_and_state(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.open_incident("Checkout 500s")
    type_entry(qtbot, window, "h connection pool exhausted")
    type_entry(qtbot, window, "h bad deploy 4812")
    board = window.board
    assert board.hypotheses.rowCount() == 2
    # Led by the numbers people say and the CLI takes (`hypothesis-state H2 refuted`).
    assert [cell(board.hypotheses, r, 0) for r in range(2)] == ["H1", "H2"]
    assert cell(board.hypotheses, 0, 1) == "connection pool exhausted"
    assert cell(board.hypotheses, 0, 3) == "investigating"
    board.hypotheses_view.setCurrentIndex(board.hypotheses.index(1, 0))
    assert board.set_owner("Kim")
    assert board.set_state(HypothesisState.CONFIRMED)
    confirmed = next(r for r in range(2) if cell(board.hypotheses, r, 1) == "bad deploy 4812")
    assert cell(board.hypotheses, confirmed, 0) == "H2"  # settling it does not renumber it
    assert cell(board.hypotheses, confirmed, 2) == "Kim"
    assert cell(board.hypotheses, confirmed, 3).startswith("confirmed ")
    incident = window.current_incident()
    assert incident is not None
    stored = board_store.board(window.log, incident.id)
    assert [h.state for h in stored.hypotheses] == [
        HypothesisState.INVESTIGATING,
        HypothesisState.CONFIRMED,
    ]


def test_refusals_reach_the_status_bar_and_write_nothing(window: MainWindow) -> None:
    window.open_incident("x")
    assert not window.board.set_state(HypothesisState.CONFIRMED)
    assert window.statusBar().currentMessage() == "Select a hypothesis first."


def test_findings_sit_under_their_hypothesis(window: MainWindow) -> None:
    window.open_incident("x")
    incident = window.current_incident()
    assert incident is not None
    opened = board_store.open_hypothesis(window.log, incident.id, "pool", author="a")
    board_store.add_finding(
        window.log, incident.id, "pool max is 10", hypothesis_id=opened.id, author="a"
    )
    window.live.poll(force=True)
    top = window.board.hypotheses.item(0, 0)
    assert top.rowCount() == 1
    assert (top.child(0, 0).text(), top.child(0, 1).text()) == ("F1", "Finding: pool max is 10")


def test_actions_show_owner_due_and_overdue(
    window: MainWindow, qtbot: QtBot, clock: FixedClock
) -> None:
    window.open_incident("x")
    assert window.board.add_action("page the DBA", "Kim", "15:30")  # 14:30 UTC, in 30 min
    assert not window.board.add_action("bad due", "", "half past")
    actions = window.board.action_items
    assert actions.rowCount() == 1
    assert [cell(actions, 0, c) for c in range(4)] == [
        "A1",
        "page the DBA",
        "Kim",
        "15:30",
    ]
    clock.advance(timedelta(minutes=45))
    window.live.poll(force=True)
    window.board.show_incident(window.board.incident_id)
    assert cell(actions, 0, 3) == "15:30 OVERDUE"
    window.board.actions_view.setCurrentIndex(actions.index(0, 0))
    assert window.board.complete_selected_action()
    assert actions.rowCount() == 0


def test_decisions_are_listed_latest_first(window: MainWindow, qtbot: QtBot) -> None:
    window.open_incident("x")
    type_entry(qtbot, window, "d page the network team")
    type_entry(qtbot, window, "d keep eu-west as it is")
    assert cell(window.board.decisions, 0, 1) == "keep eu-west as it is"
    assert cell(window.board.decisions, 1, 1) == "page the network team"
    assert [cell(window.board.decisions, r, 0) for r in range(2)] == ["D2", "D1"]


def test_handoff_completes_only_on_acceptance(window: MainWindow, clock: FixedClock) -> None:
    window.open_incident("x", commander="alice")
    panel = window.panel
    clock.advance(timedelta(minutes=12))
    briefing = panel.handoff.offer("Dana")
    assert briefing is not None
    assert "x" in briefing
    # The window's briefing names the cadence: the first internal update is 7 min late.
    assert "  internal: OVERDUE by 7 min (was due 15:05 CET)" in briefing
    incident = window.current_incident()
    assert incident is not None
    assert incident.commander == "alice"
    assert incident.pending_handoff_to == "Dana"
    assert panel.handoff.note.text().startswith("Command offered to Dana")
    assert panel.handoff.accept_button.text() == "Accept for Dana"
    assert not panel.handoff.hand_over.isVisibleTo(panel)
    assert panel.handoff.answer(RoleChange.HANDOFF_ACCEPTED)
    incident = window.current_incident()
    assert incident is not None
    assert incident.commander == "Dana"
    assert incident.pending_handoff_to is None
    assert panel.role_labels[next(iter(panel.role_labels))].text() == "Dana"
    kinds = [window.timeline.index(r, 3).data() for r in range(window.timeline.rowCount())]
    assert sum("Dana" in text for text in kinds) == 2  # the offer and the acceptance


def test_board_models_pass_the_model_tester(
    window: MainWindow, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    window.open_incident("x")
    type_entry(qtbot, window, "h one")
    type_entry(qtbot, window, "a two")
    type_entry(qtbot, window, "d three")
    for model in (window.board.hypotheses, window.board.action_items, window.board.decisions):
        qtmodeltester.check(model)


def test_a_long_board_says_how_many_more_and_where(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_panel, "SHOWN", 2)
    window.open_incident("x")
    for n in range(3):
        type_entry(qtbot, window, f"h idea {n}")
    assert window.board.hypotheses.rowCount() == 3
    assert cell(window.board.hypotheses, 2, 1) == (
        "… 1 more hypotheses: `commander board` lists them all"
    )
