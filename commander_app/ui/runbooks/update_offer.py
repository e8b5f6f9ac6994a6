"""The bar shown after the incident is resolved in this window: "Update the runbook for
<failure mode> (30 minutes)", with what the draft holds. One click writes the follow-up;
"Not now" writes nothing. Several runbooks followed: one offer after the other."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from commander_app.core.errors import CommanderError
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_update_offer import UpdateOffer, create, offers


class RunbookUpdateOffer(QWidget):
    wrote = Signal()
    problem = Signal(str)

    def __init__(self, log: IncidentLog, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log, self._author = log, author
        self.pending: list[UpdateOffer] = []
        self.line = QLabel("")
        self.line.setWordWrap(True)
        self.button = QPushButton("Create the follow-up")
        self.dismiss = QPushButton("Not now")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.line, 1)
        row.addWidget(self.button)
        row.addWidget(self.dismiss)
        self.setStyleSheet("background: #fff4d6;")
        self.hide()
        self.button.clicked.connect(self.take)
        self.dismiss.clicked.connect(self.next_offer)

    def offer_for(self, incident_id: str) -> None:
        try:
            self.pending = offers(self._log, incident_id)
        except CommanderError as exc:
            self.problem.emit(str(exc))
            self.pending = []
        self._show_first()

    def _show_first(self) -> None:
        if not self.pending:
            self.hide()
            return
        offer = self.pending[0]
        what = f"the runbook {offer.runbook}" if offer.runbook else "a new runbook"
        self.line.setText(f"Resolved. Add a follow-up to update {what}? “{offer.text}”")
        self.show()

    def take(self) -> bool:
        if not self.pending:
            return False
        try:
            create(self._log, self.pending[0], author=self._author)
        except CommanderError as exc:
            self.problem.emit(str(exc))  # the offer stays up: nothing is lost
            return False
        self.wrote.emit()
        self.next_offer()
        return True

    def next_offer(self) -> None:
        self.pending = self.pending[1:]
        self._show_first()
