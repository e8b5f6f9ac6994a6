"""Snoozing a reminder: how long, and why (both logged)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from commander_app.core.cadence import Audience, CadencePolicy
from commander_app.core.errors import CommanderError
from commander_app.core.events import MAX_SNOOZE_MINUTES
from commander_app.store import cadence
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.updates.audience_box import AudienceBox


class SnoozeDialog(QDialog):
    def __init__(
        self,
        log: IncidentLog,
        incident_id: str,
        audience: Audience,
        *,
        author: str,
        policy: CadencePolicy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log, self._incident_id, self._author, self._policy = log, incident_id, author, policy
        self.setWindowTitle("Snooze an update reminder")
        self.audience = AudienceBox(audience)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, MAX_SNOOZE_MINUTES)
        self.minutes.setValue(10)
        self.minutes.setSuffix(" min")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why? e.g. legal is reviewing the wording")
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Snooze")
        buttons.accepted.connect(self.snooze)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Audience", self.audience)
        form.addRow("&For", self.minutes)
        form.addRow("&Reason", self.reason)
        form.addRow(self.error)
        form.addRow(buttons)

    def snooze(self) -> bool:
        try:
            cadence.snooze(
                self._log,
                self._incident_id,
                self.audience.chosen(),
                self.minutes.value(),
                self.reason.text(),
                author=self._author,
                policy=self._policy,
            )
        except CommanderError as exc:
            self.error.say(str(exc))
            return False
        self.accept()
        return True
