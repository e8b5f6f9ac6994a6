"""One incident's figures in the window: each with its value, what it was measured from
and to, and why not when it cannot be measured (`commander metrics` in a table)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from commander_app.core.incident_figures import Figure
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.palette import muted
from commander_app.ui.table_model import Index, RowTableModel


class FiguresModel(RowTableModel):
    columns = ("Figure", "Value", "Measured", "Note")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Figure] = []

    def show(self, figures: list[Figure]) -> None:
        self.beginResetModel()  # another incident: every row is another figure's
        self._rows = figures
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        f = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            by = f" (raised by {f.by})" if f.by and f.value is not None else ""
            return (f.label, f.shown(), f"{f.measured}{by}", f.note or "")[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and f.value is None:
            return muted()
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)


class FiguresView(QWidget):
    def __init__(self, log: IncidentLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self.incident_id: str | None = None
        self.heading = QLabel("Select an incident in the main window to see its figures.")
        self.heading.setWordWrap(True)
        self.model = FiguresModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)

    def show_incident(self, incident_id: str | None) -> None:
        from commander_app.store.incident_figures import figures_now

        self.incident_id = incident_id
        if incident_id is None:
            self.heading.setText("Select an incident in the main window to see its figures.")
            self.model.show([])
            return
        state = self._log.incident(incident_id)
        drill = " (drill)" if state.is_drill else ""
        self.heading.setText(
            f"<b>{_escape(state.title)}</b>{drill}: {state.severity.value}, {state.status.value}. "
            "Each figure says what it was measured from; a missing milestone is said, never "
            "counted as zero."
        )
        self.model.show(list(figures_now(self._log, incident_id).figures))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
