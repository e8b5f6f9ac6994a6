"""Conflicts between laptops: what two merged logs disagree on, and keeping one side.

A thin view of `store.conflicts`: the incident's conflicts, each side of the chosen one,
and a key (Enter, or Alt+K) that keeps the selected side with an optional reason.
"""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.sync_conflicts import Conflict
from commander_app.core.times import format_local
from commander_app.store import conflicts as conflict_store
from commander_app.store.incident_log import IncidentLog

_SIDE = Qt.ItemDataRole.UserRole


class _SideList(QListWidget):
    """Enter keeps the selected side (the list would otherwise swallow it)."""

    chosen = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit()
            return
        super().keyPressEvent(event)


class ConflictsDialog(QDialog):
    wrote = Signal()  # a conflict was settled: the log has new events

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.log, self.author, self.zone = log, author, zone
        self.incident_id: str | None = None
        self.found: list[Conflict] = []
        self.setWindowTitle("Conflicts between laptops")
        self.resize(760, 520)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.conflict_list = QListWidget()
        self.conflict_list.setWordWrap(True)
        self.sides = _SideList()
        self.sides.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why this side (optional, written in the log)")
        self.keep_button = QPushButton("&Keep the selected side")
        self.keep_button.setAutoDefault(False)  # Enter keeps through the list or the reason
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)  # Enter never closes what is being settled
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.conflict_list, 2)
        sides_label = QLabel("&Sides: the one kept stands in every laptop's log once merged")
        sides_label.setBuddy(self.sides)
        layout.addWidget(sides_label)
        layout.addWidget(self.sides, 1)
        layout.addWidget(self.reason)
        layout.addWidget(self.keep_button)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.conflict_list.currentRowChanged.connect(self._show_sides)
        self.conflict_list.activated.connect(lambda _index: self.sides.setFocus())
        self.sides.chosen.connect(self.keep_selected)
        self.reason.returnPressed.connect(self.keep_selected)
        self.keep_button.clicked.connect(self.keep_selected)

    def show_incident(self, incident_id: str | None) -> None:
        if incident_id != self.incident_id:
            self.message.clear()
        self.incident_id = incident_id
        self.refresh()

    def refresh(self) -> None:
        """Read the incident's conflicts again, keeping the one chosen when it still waits."""
        chosen = self.current_conflict()
        self.found = (
            conflict_store.conflicts(self.log, self.incident_id) if self.incident_id else []
        )
        self.conflict_list.blockSignals(True)
        self.conflict_list.clear()
        for conflict in self.found:
            self.conflict_list.addItem(f"{conflict.title}\n{conflict.sentence}")
        self.conflict_list.blockSignals(False)
        if not self.found:
            self.heading.setText("No conflicts between laptops in this incident.")
        else:
            count = len(self.found)
            self.heading.setText(
                f"{count} conflict{'s' if count != 1 else ''} between laptops' logs: "
                "choose one, then keep one of its sides."
            )
        keys = [c.key for c in self.found]
        row = keys.index(chosen.key) if chosen is not None and chosen.key in keys else 0
        self.conflict_list.setCurrentRow(row if self.found else -1)
        self._show_sides(self.conflict_list.currentRow())

    def current_conflict(self) -> Conflict | None:
        row = self.conflict_list.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def _show_sides(self, row: int) -> None:
        self.sides.clear()
        conflict = self.found[row] if 0 <= row < len(self.found) else None
        for side in conflict.sides if conflict else ():
            when = format_local(side.occurred_at, self.zone)
            item = QListWidgetItem(f"{side.says} — {side.author} on {side.device_id}, {when}")
            item.setData(_SIDE, side.event_id)
            self.sides.addItem(item)
        if conflict is not None:
            self.sides.setCurrentRow(0)
        self.keep_button.setEnabled(conflict is not None)

    def keep_selected(self) -> bool:
        """Settle the chosen conflict with the selected side; a refusal is shown here."""
        conflict, item = self.current_conflict(), self.sides.currentItem()
        if conflict is None or item is None or self.incident_id is None:
            return False
        try:
            event = conflict_store.settle(
                self.log, self.incident_id, conflict.key, str(item.data(_SIDE)),
                author=self.author, reason=self.reason.text() or None,
            )  # fmt: skip
        except CommanderError as exc:
            self.message.setText(str(exc))
            return False
        self.reason.clear()
        self.message.setText(str(event.body["text"]))
        self.wrote.emit()
        self.refresh()
        return True
