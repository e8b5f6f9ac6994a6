"""The small dialogs a step is marked with: the output seen (done) or what is wrong
(wrong or outdated). The write happens on OK; if it is refused or fails, the dialog stays
open with the reason and the text as typed, so nothing is lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.runbook_steps import MAX_OUTPUT, bounded_output


class StepTextDialog(QDialog):
    """`write` gets the text and writes it; a CommanderError it raises is shown here."""

    def __init__(
        self,
        title: str,
        question: str,
        write: Callable[[str], object],
        parent: QWidget | None = None,
        *,
        bounded: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(640, 360)
        self._write, self._bounded = write, bounded
        label = QLabel(question)
        label.setWordWrap(True)
        self.text = QPlainTextEdit()
        if bounded:
            self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        label.setBuddy(self.text)
        self.size_line = QLabel("")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.write)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.size_line)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.text.textChanged.connect(self._show_size)

    def _show_size(self) -> None:
        if not self._bounded:
            return
        typed = self.text.toPlainText()
        _kept, dropped = bounded_output(typed)
        self.size_line.setText(
            f"{len(typed):,} characters: the log keeps the first and last of them, "
            f"{MAX_OUTPUT:,} in all ({dropped:,} left out of the middle)."
            if dropped
            else ""
        )

    def write(self) -> bool:
        """OK: written and closed, or kept open with the reason."""
        try:
            self._write(self.text.toPlainText())
        except CommanderError as exc:
            self.show_error(str(exc))
            return False
        self.accept()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(f"Not written: {message}\nYour text is kept; fix it or try again.")
        self.error.show()
        self.text.setFocus()
