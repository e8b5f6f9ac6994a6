"""Starting an incident or a drill: a title, a severity, who commands."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from commander_app.core.model import Severity
from commander_app.ui.error_line import ErrorLine


class StartDialog(QDialog):
    def __init__(self, drill: bool, commander: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start a drill" if drill else "Start an incident")
        self.title = QLineEdit()
        self.title.setPlaceholderText(
            "e.g. Failover practice: lose eu-west" if drill else "e.g. Checkout returning 500s"
        )
        self.severity = QComboBox()
        for severity, meaning in (
            (Severity.SEV1, "SEV1 — critical: many customers cannot use the product"),
            (Severity.SEV2, "SEV2 — major: a key feature is down or badly degraded"),
            (Severity.SEV3, "SEV3 — minor: degraded, with a workaround"),
            (Severity.SEV4, "SEV4 — low: little or no customer impact"),
        ):
            self.severity.addItem(meaning, severity)
        self.severity.setCurrentIndex(1)
        self.commander = QLineEdit(commander)
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("What is broken?" if not drill else "What is the drill?", self.title)
        form.addRow("&Severity", self.severity)
        form.addRow("&Commander", self.commander)
        form.addRow(self.error)
        form.addRow(buttons)

    def chosen_severity(self) -> Severity:
        return Severity(self.severity.currentData())

    def show_error(self, message: str) -> None:
        self.error.say(message)
