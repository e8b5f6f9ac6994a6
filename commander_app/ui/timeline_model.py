"""The timeline of one incident as a table model that loads a page at a time."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from commander_app.core.events import event_text
from commander_app.core.model import Event, Kind
from commander_app.core.times import format_local
from commander_app.store.incident_log import PAGE_SIZE, IncidentLog, StoryPosition

COLUMNS = ("Time", "Kind", "Author", "Entry")

KIND_COLOURS = {
    Kind.HYPOTHESIS: "#8e44ad",
    Kind.FINDING: "#16a085",
    Kind.DECISION: "#d35400",
    Kind.ACTION: "#2980b9",
    Kind.ALERT: "#c0392b",
    Kind.STATUS: "#7f8c8d",
    Kind.SEVERITY: "#c0392b",
    Kind.MILESTONE: "#2c3e50",
}

_Index = QModelIndex | QPersistentModelIndex


class TimelineModel(QAbstractTableModel):
    """Rows are events in story order; only what has been scrolled to is loaded."""

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._log = log
        self._zone = zone
        self._incident_id: str | None = None
        self._events: list[Event] = []
        self._exhausted = True
        self._spans_days = False

    def show_incident(self, incident_id: str | None) -> None:
        self.beginResetModel()
        self._incident_id = incident_id
        self._events = []
        self._exhausted = incident_id is None
        if incident_id is not None:
            state = self._log.incident(incident_id)
            first = state.opened_at or ""
            last = state.last_key.split("|")[0]
            self._spans_days = first[:10] != last[:10]
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid() or self._incident_id is None or self._exhausted:
            return
        after = None
        if self._events:
            last = self._events[-1]
            after = StoryPosition(last.occurred_at, last.id)
        page = self._log.events_page(self._incident_id, after, PAGE_SIZE)
        if len(page) < PAGE_SIZE:
            self._exhausted = True
        if page:
            start = len(self._events)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._events.extend(page)
            self.endInsertRows()

    def append_new(self) -> None:
        """Load events written after the last one shown (they end the story)."""
        if self._exhausted:
            self._exhausted = False
            self.fetchMore(QModelIndex())

    def event_at(self, row: int) -> Event:
        return self._events[row]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return format_local(event.occurred_at, self._zone, with_date=self._spans_days)
            if column == 1:
                return event.kind.value
            if column == 2:
                return event.author
            if column == 3:
                return event_text(event.kind, event.body)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"Happened {event.occurred_at} (UTC)\nRecorded {event.recorded_at} (UTC)"
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            colour = KIND_COLOURS.get(event.kind)
            return QColor(colour) if colour else None
        return None
