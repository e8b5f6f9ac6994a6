"""Deciding: the choice, the options weighed, objections heard, whether it can be
undone, when to ask whether it worked, and the override when the checklist waits."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.model import CHANGE_KINDS, DecisionKind
from commander_app.core.rollback import DecisionRequest
from commander_app.store import rollback
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.error_line import ErrorLine


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


class DecideDialog(QDialog):
    """Nothing is written until Decide; a refusal says why and keeps what was typed."""

    def __init__(
        self, log: IncidentLog, incident_id: str, author: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log, self._incident_id, self._author = log, incident_id, author
        self.at: datetime | None = None  # when it was decided, if typed as earlier (@03:05)
        self.setWindowTitle("Decide")
        self.resize(560, 520)
        self.choice = QLineEdit()
        self.choice.setPlaceholderText("e.g. Roll back checkout to release 4811")
        self.kind = QComboBox()
        self.kind.addItems([k.value for k in DecisionKind])
        self.options = QPlainTextEdit()
        self.options.setPlaceholderText("one per line: roll back, fix forward, fail over…")
        self.objections = QPlainTextEdit()
        self.objections.setPlaceholderText("one per line, with who raised it")
        for edit in (self.options, self.objections):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(64)
        self.reversible = QRadioButton("Can be undone")
        self.irreversible = QRadioButton("Cannot be undone")
        self.reversible.setChecked(True)
        undo = QButtonGroup(self)
        undo.addButton(self.reversible)
        undo.addButton(self.irreversible)
        undo_row = QHBoxLayout()
        undo_row.addWidget(self.reversible)
        undo_row.addWidget(self.irreversible)
        undo_row.addStretch()
        self.expect = QSpinBox()
        self.expect.setRange(0, 24 * 60)
        self.expect.setValue(10)
        self.expect.setSuffix(" min")
        self.expect.setSpecialValueText("not said")
        self.override = QLineEdit()
        self.override.setPlaceholderText("if the checklist is not complete: why this cannot wait")
        self.situation = QLabel()
        self.situation.setWordWrap(True)
        self.error = ErrorLine()
        form = QFormLayout()
        form.addRow("&Decision", self.choice)
        form.addRow("&Kind", self.kind)
        form.addRow("&Options weighed", self.options)
        form.addRow("O&bjections heard", self.objections)
        form.addRow("Undo", undo_row)
        form.addRow("&Ask 'did it work?' after", self.expect)
        form.addRow("O&verride reason", self.override)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Decide")
        buttons.accepted.connect(self.decide)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.situation)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.kind.currentTextChanged.connect(lambda _t: self._describe())
        self.kind.setCurrentText(DecisionKind.ROLLBACK.value)
        self._describe()

    def _describe(self) -> None:
        """Where the checklist stands and who may override, for the kind chosen."""
        kind = DecisionKind(self.kind.currentText())
        self.override.setEnabled(kind in CHANGE_KINDS)
        if kind not in CHANGE_KINDS:
            self.situation.setText("Recorded as made: the checklist is for production changes.")
            return
        try:
            state, row = rollback.authority_row(self._log, self._incident_id)
            checklist = rollback.checklist_state(self._log, self._incident_id)
        except CommanderError as exc:
            self.situation.setText(str(exc))
            return
        if checklist.complete:
            ready = "Checklist complete: you may decide."
        else:
            ready = (
                f"Checklist not complete (required: {checklist.missing_text()}). "
                f"{row.who_decides(state).capitalize()} may decide now with an override reason."
            )
        self.situation.setText(f"{ready}\nAuthority {row.describe(state)}")

    def prefill(self, text: str, kind: DecisionKind, at: datetime | None = None) -> None:
        """Start from a decision typed in the capture line: its text, the kind it reads as."""
        self.choice.setText(text)
        self.kind.setCurrentText(kind.value)
        self.at = at

    def request(self) -> DecisionRequest:
        kind = DecisionKind(self.kind.currentText())
        reason = self.override.text().strip()
        return DecisionRequest(
            text=self.choice.text(),
            decision_kind=kind,
            options=_lines(self.options),
            objections=_lines(self.objections),
            reversible=self.reversible.isChecked(),
            expect_minutes=self.expect.value() or None,
            override_reason=reason if reason and kind in CHANGE_KINDS else None,
        )

    def decide(self) -> bool:
        try:
            rollback.decide(
                self._log, self._incident_id, self.request(), author=self._author, at=self.at
            )
        except CommanderError as exc:
            self.error.say(f"Not decided — {exc}")
            return False
        self.accept()
        return True
