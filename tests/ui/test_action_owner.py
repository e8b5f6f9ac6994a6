"""An action nobody owns is nobody's: the window says so when one is written without an
owner (as the CLI does) and names one from the board."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commander_app.ui.incident import board_panel
from commander_app.ui.main_window import MainWindow


def test_an_ownerless_action_from_the_capture_line_gets_its_owner_from_the_board(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.open_incident("Checkout 500s")
    qtbot.keyClicks(window.capture.line, "a restart the consumers")
    qtbot.keyClick(window.capture.line, Qt.Key.Key_Return)
    assert "has no owner" in window.statusBar().currentMessage()
    actions = window.board.action_items
    assert actions.item(0, 1).text() == "restart the consumers"
    assert actions.item(0, 2).text() in ("", "—", "(no owner)")
    window.board.actions_view.setCurrentIndex(actions.index(0, 0))
    window.board.actions_view.setFocus()
    monkeypatch.setattr(board_panel, "ask_text", lambda *_a, **_k: "kim")
    qtbot.keyClick(
        window.board.actions_view,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.board.action_items.item(0, 2).text() == "kim"


def test_an_action_added_with_its_owner_is_not_warned_about(window: MainWindow) -> None:
    assert window.open_incident("Checkout 500s")
    window.statusBar().clearMessage()
    assert window.board.add_action("restart the consumers", "kim")
    assert "has no owner" not in window.statusBar().currentMessage()
    assert window.board.add_action("page the DBA")
    assert "has no owner" in window.statusBar().currentMessage()
