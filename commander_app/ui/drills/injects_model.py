"""A drill's injects as a table model: when each falls due, what it is, where it stands."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from commander_app.core.drill_schedule import DONE, ScheduledInject
from commander_app.ui.palette import muted
from commander_app.ui.table_model import Index, RowTableModel


class InjectsModel(RowTableModel):
    columns = ("When", "Inject", "Kind", "State", "What")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ScheduledInject] = []

    def show(self, injects: list[ScheduledInject]) -> None:
        if [s.inject.id for s in injects] == [s.inject.id for s in self._rows]:
            self._rows = list(injects)  # the same injects: their states moved on
            if self._rows:
                last = self.index(len(self._rows) - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()  # another drill
        self._rows = list(injects)
        self.endResetModel()

    def row_at(self, row: int) -> ScheduledInject | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.row_at(index.row()) if index.isValid() else None
        if found is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            inject = found.inject
            state = found.state.value
            if found.delayed_minutes:
                state += f" (delayed {found.delayed_minutes} min)"
            text = inject.text or (f"{inject.count} × {inject.alertname}, cause {inject.cause}"
                                   if inject.alertname else "")  # fmt: skip
            if inject.who:
                text = f"{inject.who}: {text}"
            values = (found.describe_when(), inject.id, inject.kind.value.replace("_", " "),
                      state, text)  # fmt: skip
            return values[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and found.state in DONE:
            return muted()
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4:
            return found.inject.text or None
        return None
