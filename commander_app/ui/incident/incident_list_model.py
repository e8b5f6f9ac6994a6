"""The incidents, open ones first, as a list model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from commander_app.core.model import IncidentState
from commander_app.store.history import imported_ids
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.keyed_rows import update_rows
from commander_app.ui.palette import muted, severity_colour

IncidentIdRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class IncidentListModel(QAbstractListModel):
    """Reloading changes rows in place (removed, inserted, moved, changed), so the
    view's selection and current index follow their incident without a reset."""

    def __init__(self, log: IncidentLog, parent: Any = None) -> None:
        super().__init__(parent)
        self._log = log
        self._incidents: list[IncidentState] = []
        # Whether each incident seen was brought in from history: its opening never
        # changes, so each is asked once.
        self._imported: dict[str, bool] = {}

    def reload(self) -> None:
        fresh = self._log.incidents(include_resolved=True)
        unseen = [incident.id for incident in fresh if incident.id not in self._imported]
        if unseen:
            imported = imported_ids(self._log, unseen)
            self._imported.update({incident_id: incident_id in imported for incident_id in unseen})
        update_rows(self, self._incidents, fresh, key=lambda incident: incident.id)

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
            drill += "  [IMPORTED]" if self._imported.get(incident.id) else ""
            return f"{incident.severity.value} · {incident.status.value}{drill}\n{incident.title}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return severity_colour(incident.severity) if incident.is_open else muted()
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{incident.title}\nid {incident.id}"
        if role == IncidentIdRole:
            return incident.id
        return None
