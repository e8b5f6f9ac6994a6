"""The one-line question: what was typed, an empty answer, or None when cancelled; the
choice among a few: the one chosen, or None."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from commander_app.ui.ask import ask_choice, ask_text
from tests.ui.conftest import answer_with


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


@pytest.mark.parametrize(
    ("act", "expected"),
    [
        (lambda d: d.accept(), "gh"),  # the first is offered
        (lambda d: (d.setTextValue("jira-ops"), d.accept()), "jira-ops"),
        (lambda d: d.reject(), None),
    ],
    ids=["first", "chosen", "cancelled"],
)
def test_ask_choice(
    qtbot: QtBot, act: Callable[[QInputDialog], None], expected: str | None
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    answer_with(act)
    assert ask_choice(parent, "Push A1", "Which tracker?", ["gh", "jira-ops"]) == expected
