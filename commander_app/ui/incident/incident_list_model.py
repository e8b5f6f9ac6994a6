"""The incidents, open ones first, as a list model."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from commander_app.core.model import IncidentState
from commander_app.store.history import imported_ids
from commander_app.store.incident_log import IncidentLog
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
        self._remove_gone({incident.id for incident in fresh})
        self._arrange(fresh)
        for row, incident in enumerate(fresh):
            if self._incidents[row] != incident:
                self._incidents[row] = incident
                self.dataChanged.emit(self.index(row), self.index(row))

    def _remove_gone(self, kept: set[str]) -> None:
        for row in reversed(range(len(self._incidents))):
            if self._incidents[row].id not in kept:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._incidents[row]
                self.endRemoveRows()

    def _arrange(self, fresh: Sequence[IncidentState]) -> None:
        """Insert the new incidents and move the ones whose place changed, leaving the
        longest run already in order where it is (the fewest moves). Walking from the
        end, every other incident goes just before its successor in `fresh`."""
        target = {incident.id: n for n, incident in enumerate(fresh)}
        staying = _longest_ordered_run([target[incident.id] for incident in self._incidents])
        for n in reversed(range(len(fresh))):
            if n in staying:
                continue
            incident = fresh[n]
            before = self.row_of(fresh[n + 1].id) if n + 1 < len(fresh) else len(self._incidents)
            row = self.row_of(incident.id)
            if row < 0:
                self.beginInsertRows(QModelIndex(), before, before)
                self._incidents.insert(before, incident)
                self.endInsertRows()
            elif before not in (row, row + 1):
                # Qt counts the destination before the move: moving down, the row
                # lands at before - 1.
                self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), before)
                moved = self._incidents.pop(row)
                self._incidents.insert(before - 1 if before > row else before, moved)
                self.endMoveRows()

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


def _longest_ordered_run(positions: Sequence[int]) -> set[int]:
    """The values of a longest increasing subsequence of distinct `positions`."""
    tails: list[int] = []  # tails[k]: where the best run of length k + 1 ends
    tail_values: list[int] = []
    previous = [-1] * len(positions)
    for i, value in enumerate(positions):
        k = bisect.bisect_left(tail_values, value)
        previous[i] = tails[k - 1] if k > 0 else -1
        if k == len(tails):
            tails.append(i)
            tail_values.append(value)
        else:
            tails[k] = i
            tail_values[k] = value
    run: set[int] = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        run.add(positions[i])
        i = previous[i]
    return run
