"""One line asked of the person in a small modal dialog (owner, role holder, milestone time),
or one of a few choices (the tracker to push to)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """What they typed (perhaps empty), or None if they cancelled.

    QInputDialog loads on the first question: the window's first paint does without it."""
    from PySide6.QtWidgets import QInputDialog

    typed, ok = QInputDialog.getText(parent, title, label, text=text)
    return typed if ok else None


def ask_choice(parent: QWidget, title: str, label: str, choices: Sequence[str]) -> str | None:
    """The one they chose of `choices` (the first offered), or None if they cancelled."""
    from PySide6.QtWidgets import QInputDialog

    chosen, ok = QInputDialog.getItem(parent, title, label, list(choices), 0, False)
    return chosen if ok and chosen in choices else None
