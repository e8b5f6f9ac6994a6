"""Full-text search hits as a list model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from commander_app.core.times import format_local

if TYPE_CHECKING:
    from commander_app.store.search import SearchHit

_Index = QModelIndex | QPersistentModelIndex


class SearchResultsModel(QAbstractListModel):
    def __init__(self, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit:
        return self._hits[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if hit.event_id is None:
                return f"Incident title: {hit.snippet}"
            when = format_local(hit.occurred_at, self._zone) if hit.occurred_at else ""
            corrected = "  (corrected)" if hit.corrected else ""
            return f"{when}  {hit.kind}: {hit.snippet}{corrected}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.incident_title
        return None
