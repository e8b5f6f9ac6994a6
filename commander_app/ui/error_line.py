"""The one look of a refusal in every dialog: a red line in the user's words, hidden until
there is something to say. What the person typed stays where it was."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

# White on a red that reads on light and dark themes alike, as the overdue banner.
STYLE = "background: #b03a2e; color: white; padding: 3px"


class ErrorLine(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(STYLE)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def say(self, text: str) -> None:
        """Show `text`; an empty one hides the line."""
        self.setText(text)
        self.setVisible(bool(text))
