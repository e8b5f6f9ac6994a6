"""The bar shown after an escalation is logged: give the person the runbook named a role
in the incident. An offer, never done by itself: nothing is assigned until Assign."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from commander_app.core.model import Role

ESCALATION_ROLE = Role.SUBJECT_EXPERT  # whom a runbook says to call, by default


class RoleOffer(QWidget):
    assign_wanted = Signal(str, str)  # role, person

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.person = ""
        self.line = QLabel("")
        self.line.setWordWrap(True)
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.value.replace("_", " "), role.value)
        self.role.setCurrentIndex(self.role.findData(ESCALATION_ROLE.value))
        self.button = QPushButton("Assign the role")
        self.dismiss = QPushButton("Not now")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.line, 1)
        row.addWidget(self.role)
        row.addWidget(self.button)
        row.addWidget(self.dismiss)
        self.setStyleSheet("background: #fff4d6;")
        self.hide()
        self.button.clicked.connect(
            lambda: self.assign_wanted.emit(str(self.role.currentData()), self.person)
        )
        self.dismiss.clicked.connect(self.hide)

    def offer(self, person: str) -> None:
        self.person = person
        self.line.setText(f"Escalated to {person}. Give them a role in the incident?")
        self.show()
