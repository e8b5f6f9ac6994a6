"""The outbox as a table: one row per update and channel, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from commander_app.core.outbox import STATE_LABELS, OutboxState
from commander_app.core.times import format_clock
from commander_app.store.outbox import OutboxEntry
from commander_app.ui.palette import amber, confirmed, warning
from commander_app.ui.table_model import RowTableModel

COLUMNS = ("Queued", "Audience", "Channel", "State", "Tries", "Next try", "Last problem")

_Index = QModelIndex | QPersistentModelIndex


class OutboxModel(RowTableModel):
    columns = COLUMNS

    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self._zone = zone
        self._rows: list[OutboxEntry] = []
        self._now: Any = None

    def show(self, rows: Sequence[OutboxEntry], now: Any) -> None:
        self.beginResetModel()
        self._rows, self._now = list(rows), now
        self.endResetModel()

    def entry(self, row: int) -> OutboxEntry:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.subject}\n\n{row.text}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            colour = _state_colour(row.state)
            return QBrush(colour) if colour is not None else None
        return None

    def _text(self, row: OutboxEntry, column: int) -> str:
        if column == 0:
            return format_clock(row.created_at, self._now, self._zone)
        if column == 1:
            return row.audience.value
        if column == 2:
            return row.channel
        if column == 3:
            label = STATE_LABELS[row.state]
            return f"{label} (may have gone out)" if row.in_doubt else label
        if column == 4:
            return str(row.attempts)
        if column == 5:
            if row.state in (OutboxState.QUEUED, OutboxState.RETRYING):
                return format_clock(row.next_attempt_at, self._now, self._zone)
            return ""
        return "" if row.state is OutboxState.SENT else (row.last_error or "")


def _state_colour(state: OutboxState) -> QColor | None:
    """Failed and waiting stand out, sent is quiet: in the theme's own tones."""
    if state is OutboxState.FAILED:
        return warning()
    if state is OutboxState.RETRYING:
        return amber()
    if state is OutboxState.SENT:
        return confirmed()
    return None
