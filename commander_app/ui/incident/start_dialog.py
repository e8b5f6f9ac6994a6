"""Starting an incident or a drill: a title, a severity, who commands.

With the playbook's severity questions: ticking the ones that hold sets the severity
to the highest they call for, with the reason; who is on call now is shown beside
the commander (offline, from the playbook's rota), never filled in for the user."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.model import Severity
from commander_app.core.playbook import DOUBT_GUIDANCE, Playbook, severity_from_answers
from commander_app.ui.error_line import ErrorLine


class StartDialog(QDialog):
    def __init__(
        self,
        drill: bool,
        commander: str,
        parent: QWidget | None = None,
        *,
        playbook: Playbook | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self._playbook, self._now = playbook, now
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
            means = playbook.rule(severity).means if playbook else ""
            self.severity.addItem(f"{severity.value} — {means}" if means else meaning, severity)
        self.severity.setCurrentIndex(1)
        self.commander = QLineEdit(commander)
        self.on_call = QLabel()
        self.on_call.setWordWrap(True)
        self.questions: list[QCheckBox] = []
        self.verdict = QLabel(DOUBT_GUIDANCE)
        self.verdict.setWordWrap(True)
        asked = QVBoxLayout()
        for question in playbook.questions if playbook else ():
            box = QCheckBox(question.ask)
            box.toggled.connect(self._answered)
            self.questions.append(box)
            asked.addWidget(box)
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("What is broken?" if not drill else "What is the drill?", self.title)
        if self.questions:
            form.addRow("Tick what holds:", asked)
            form.addRow(self.verdict)
        form.addRow("&Severity", self.severity)
        form.addRow("&Commander", self.commander)
        form.addRow(self.on_call)
        form.addRow(self.error)
        form.addRow(buttons)

        self.severity.currentIndexChanged.connect(self._show_on_call)
        self._show_on_call()

    def _answered(self, _checked: bool = False) -> None:
        """The ticks are the user's answers: the severity follows the highest yes."""
        if self._playbook is None:
            return
        answers = {i: box.isChecked() for i, box in enumerate(self.questions)}
        verdict = severity_from_answers(self._playbook.questions, answers)
        if verdict is None:
            return
        self.severity.setCurrentIndex(self.severity.findData(verdict.severity))
        self.verdict.setText(f"{verdict.severity.value}: {verdict.reason}. {DOUBT_GUIDANCE}")

    def _show_on_call(self) -> None:
        if self._playbook is None or self._now is None:
            self.on_call.hide()
            return
        rule = self._playbook.rule(self.chosen_severity())
        names = self._playbook.commanders_for(rule.severity, self._now)
        text = f"May command at {rule.severity.value}: {rule.commander_text()}"
        if names:
            text += f"; now: {', '.join(names)}"
        self.on_call.setText(text + ".")
        self.on_call.show()

    def chosen_severity(self) -> Severity:
        return Severity(self.severity.currentData())

    def show_error(self, message: str) -> None:
        self.error.say(message)
