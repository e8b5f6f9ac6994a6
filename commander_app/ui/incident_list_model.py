"""The incidents, open ones first, as a list model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from commander_app.core.model import IncidentState
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.palette import muted, severity_colour

IncidentIdRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class IncidentListModel(QAbstractListModel):
    def __init__(self, log: IncidentLog, parent: Any = None) -> None:
        super().__init__(parent)
        self._log = log
        self._incidents: list[IncidentState] = []

    def reload(self) -> None:
        self.beginResetModel()
        self._incidents = self._log.incidents(include_resolved=True)
        self.endResetModel()

    def row_of(self, incident_id: str) -> int:
        for row, incident in enumerate(self._incidents):
            if incident.id == incident_id:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._incidents)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._incidents):
            return None
        incident = self._incidents[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            drill = "  [DRILL]" if incident.is_drill else ""
            return f"{incident.severity.value} · {incident.status.value}{drill}\n{incident.title}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return severity_colour(incident.severity) if incident.is_open else muted()
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{incident.title}\nid {incident.id}"
        if role == IncidentIdRole:
            return incident.id
        return None
