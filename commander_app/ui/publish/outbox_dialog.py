"""The outbox panel: what waits to go out, what failed and why; retry, cancel or edit."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core import outbox as rules
from commander_app.core.errors import CommanderError
from commander_app.core.outbox import OutboxState
from commander_app.store import outbox as store
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox import OutboxEntry
from commander_app.store.outbox_status import push_count, waiting_count
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.publish.outbox_model import OutboxModel


class EditQueuedDialog(QDialog):
    """Change a queued update's words; a refusal keeps what was typed."""

    def __init__(self, log: IncidentLog, row: OutboxEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log, self._row = log, row
        self.setWindowTitle(f"Edit the queued update to {row.audience.value} via {row.channel}")
        self.resize(640, 480)
        self.subject = QLineEdit(row.subject)
        self.text = QPlainTextEdit(row.text)
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        form = QFormLayout()
        form.addRow("&Subject", self.subject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

    def save(self) -> bool:
        try:
            store.edit(self._log, self._row.id, self.text.toPlainText(), self.subject.text())
        except CommanderError as exc:
            self.error.say(f"Not saved — {exc} Your text is kept.")
            return False
        self.accept()
        return True


class OutboxDialog(QDialog):
    changed = Signal()  # a row was retried, cancelled or edited: the runner may have work
    problem = Signal(str)

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log, self._author = log, author
        self.setWindowTitle("Outbox")
        self.resize(980, 420)
        self.model = OutboxModel(zone)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.summary = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("&Retry now")
        self.cancel_button = QPushButton("Ca&ncel update")
        self.edit_button = QPushButton("&Edit…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.retry_button, self.cancel_button, self.edit_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.retry_button.clicked.connect(self.retry_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.edit_button.clicked.connect(self.edit_selected)
        buttons.rejected.connect(self.reject)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.refresh()

    def refresh(self) -> None:
        chosen = self.selected()
        self.model.show(store.entries(self._log, limit=500), self._log.clock.now())
        waiting, failed = waiting_count(self._log)
        _, pushes_failed = push_count(self._log)
        summary = (
            f"{waiting} waiting to go out, {failed} failed."
            if waiting or failed
            else "Nothing is waiting to go out."
        )
        if pushes_failed:
            summary += (
                f" {pushes_failed} follow-up push(es) to a tracker failed: retry or cancel "
                "them in the Follow-ups view (Ctrl+Shift+F)."
            )
        self.summary.setText(summary)
        if chosen is not None:
            for row in range(self.model.rowCount()):
                if self.model.entry(row).id == chosen.id:
                    self.table.selectRow(row)
        self._enable()

    def selected(self) -> OutboxEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.entry(rows[0].row()) if rows else None

    def _enable(self) -> None:
        row = self.selected()
        self.retry_button.setEnabled(row is not None and rules.can_retry(row.state))
        self.cancel_button.setEnabled(row is not None and rules.can_cancel(row.state))
        self.edit_button.setEnabled(row is not None and rules.can_edit(row.state, row.in_doubt))
        showing = row is not None and row.state is not OutboxState.SENT
        self.message.setText((row.last_error or "") if showing and row else "")

    def _act(self, what: str) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            if what == "retry":
                store.retry(self._log, row.id)
            else:
                store.cancel(self._log, row.id, author=self._author)
        except CommanderError as exc:
            self.problem.emit(str(exc))
            self.message.setText(str(exc))
            return
        self.refresh()
        self.changed.emit()

    def retry_selected(self) -> None:
        self._act("retry")

    def cancel_selected(self) -> None:
        self._act("cancel")

    def edit_selected(self) -> EditQueuedDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = EditQueuedDialog(self._log, row, self)
        dialog.accepted.connect(self.refresh)
        dialog.accepted.connect(self.changed)
        dialog.open()
        return dialog
