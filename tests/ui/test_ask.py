"""The one-line question: what was typed, an empty answer, or None when cancelled."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from commander_app.ui.ask import ask_text


def answer_with(act: Callable[[QInputDialog], None]) -> None:
    """Acts on the question once it is up (it is modal: this runs inside its event loop)."""

    def act_on_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, act_on_dialog)
            return
        act(dialog)

    QTimer.singleShot(0, act_on_dialog)


@pytest.mark.parametrize(
    ("act", "expected"),
    [
        (lambda d: (d.setTextValue("Kim"), d.accept()), "Kim"),
        (lambda d: (d.setTextValue(""), d.accept()), ""),
        (lambda d: d.reject(), None),
    ],
    ids=["typed", "empty", "cancelled"],
)
def test_ask_text(qtbot: QtBot, act: Callable[[QInputDialog], None], expected: str | None) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    answer_with(act)
    assert ask_text(parent, "Hypothesis owner", "Who is checking it?", text="Al") == expected


def test_the_question_starts_from_the_text_given(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    answer_with(lambda d: d.accept())
    assert ask_text(parent, "Assign role", "Who is the scribe?", text="Sam Okafor") == "Sam Okafor"
