"""The cadence table as a settings screen: minutes per severity and audience."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.cadence import Audience, CadencePolicy
from commander_app.core.cadence_policy import whole_minutes
from commander_app.core.errors import CommanderError
from commander_app.core.model import Severity
from commander_app.store import cadence
from commander_app.ui.error_line import ErrorLine

# Columns: every audience's interval, then its long-incident interval.
_COLUMNS = [(a, False) for a in Audience] + [(a, True) for a in Audience]


class CadenceSettings(QDialog):
    """Empty cell: no scheduled updates. Saved into the playbook; applies at once."""

    def __init__(self, policy: CadencePolicy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Update cadence")
        self.table = QStandardItemModel(len(Severity), len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [a.value + (" after long" if long else "") for a, long in _COLUMNS]
        )
        self.table.setVerticalHeaderLabels([s.value for s in Severity])
        view = QTableView()
        view.setModel(self.table)
        self.first_update = self._spin(1, 60)
        self.long_after = self._spin(1, 7 * 24 * 60)
        self.amber_before = self._spin(0, 60)
        self.readers_zone = QLineEdit()
        self.readers_zone.setPlaceholderText("e.g. Europe/Berlin or UTC; empty: this computer's")
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(lambda: self.show_policy(CadencePolicy()))
        form = QFormLayout()
        form.addRow("First update within", self.first_update)
        form.addRow("Long-incident mode after", self.long_after)
        form.addRow("Amber this long before due", self.amber_before)
        form.addRow("Readers' time zone", self.readers_zone)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Minutes between updates; an empty cell means no scheduled updates.")
        )
        layout.addWidget(view)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.show_policy(policy)

    @staticmethod
    def _spin(low: int, high: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSuffix(" min")
        return spin

    def show_policy(self, policy: CadencePolicy) -> None:
        for row, severity in enumerate(Severity):
            for column, (audience, long) in enumerate(_COLUMNS):
                table = policy.long_intervals if long else policy.intervals
                span = table.get(severity, {}).get(audience)
                item = QStandardItem(str(whole_minutes(span)) if span else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        self.first_update.setValue(whole_minutes(policy.first_update))
        self.long_after.setValue(whole_minutes(policy.long_after))
        self.amber_before.setValue(whole_minutes(policy.amber_before))
        self.readers_zone.setText(policy.stakeholder_zone or "")

    def policy(self) -> CadencePolicy:
        """The policy on screen, checked like the file is; a bad cell names itself."""
        intervals: dict[str, dict[str, Any]] = {s.value: {} for s in Severity}
        long_intervals: dict[str, dict[str, Any]] = {s.value: {} for s in Severity}
        for row, severity in enumerate(Severity):
            for column, (audience, long) in enumerate(_COLUMNS):
                text = (self.table.item(row, column).text() or "").strip()
                if not text:
                    continue
                if not text.isdigit():
                    label = f"{severity.value} {audience.value}" + (" after long" if long else "")
                    raise CommanderError(f"{label}: '{text}' is not a whole number of minutes.")
                target = long_intervals if long else intervals
                target[severity.value][audience.value] = int(text)
        policy = CadencePolicy.from_dict(
            {
                "stakeholder_zone": self.readers_zone.text().strip() or None,
                "first_update_minutes": self.first_update.value(),
                "long_after_minutes": self.long_after.value(),
                "amber_before_minutes": self.amber_before.value(),
                "intervals": intervals,
                "long_intervals": long_intervals,
            }
        )
        cadence.stakeholder_zone(policy)  # an unknown zone name is refused here
        return policy

    def save(self) -> bool:
        try:
            cadence.save_policy(self.policy())
        except CommanderError as exc:
            self.error.say(f"Not saved — {exc}")
            return False
        self.accept()
        return True
