"""One line asked of the person in a small modal dialog (owner, role holder, milestone time)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """What they typed (perhaps empty), or None if they cancelled.

    QInputDialog loads on the first question: the window's first paint does without it."""
    from PySide6.QtWidgets import QInputDialog

    typed, ok = QInputDialog.getText(parent, title, label, text=text)
    return typed if ok else None
