"""Logging a production change made without a recorded decision, for the register."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.model import CHANGE_KINDS, Afterwards, DecisionKind
from commander_app.store import rollback
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.error_line import ErrorLine

_AFTERWARDS = {
    Afterwards.UNDECIDED: "decide at the review",
    Afterwards.REVERT: "revert it",
    Afterwards.MAKE_PERMANENT: "make it permanent",
}


class ChangeDialog(QDialog):
    def __init__(
        self, log: IncidentLog, incident_id: str, author: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log, self._incident_id, self._author = log, incident_id, author
        self.setWindowTitle("Log a production change")
        self.what = QLineEdit()
        self.what.setPlaceholderText("e.g. Scaled checkout from 20 to 40 pods")
        self.change = QComboBox()
        self.change.addItems([k.value for k in DecisionKind if k in CHANGE_KINDS])
        self.by = QLineEdit()
        self.by.setPlaceholderText(f"who made it (default: {author})")
        self.afterwards = QComboBox()
        for plan, label in _AFTERWARDS.items():
            self.afterwards.addItem(label, plan.value)
        self.error = ErrorLine()
        form = QFormLayout()
        form.addRow("&What changed", self.what)
        form.addRow("&Kind", self.change)
        form.addRow("&By", self.by)
        form.addRow("&Afterwards", self.afterwards)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Log it")
        buttons.accepted.connect(self.log_change)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def log_change(self) -> bool:
        try:
            rollback.log_divergence(
                self._log,
                self._incident_id,
                DecisionKind(self.change.currentText()),
                self.what.text(),
                afterwards=Afterwards(self.afterwards.currentData()),
                by=self.by.text().strip() or None,
                author=self._author,
            )
        except CommanderError as exc:
            self.error.say(f"Not logged — {exc}")
            return False
        self.accept()
        return True
