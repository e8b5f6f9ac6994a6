"""The timeline of one incident as a table model that loads a page at a time."""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Collection, Sequence
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from commander_app.core.events import event_text
from commander_app.core.model import Kind
from commander_app.core.times import format_local
from commander_app.store.timeline import PAGE_SIZE, TimelineRow, timeline_page
from commander_app.ui.palette import kind_colour
from commander_app.ui.table_model import RowTableModel

COLUMNS = ("Time", "Kind", "Author", "Entry")
TIME, KIND, AUTHOR, ENTRY = range(4)

_Index = QModelIndex | QPersistentModelIndex


class TimelineModel(RowTableModel):
    """Rows are events in story order. Only what has been scrolled to is loaded;
    events written later (here or by another process) are inserted in place."""

    columns = COLUMNS

    def __init__(self, conn: sqlite3.Connection, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._zone = zone
        self.incident_id: str | None = None
        self._kinds: frozenset[Kind] = frozenset()
        self._rows: list[TimelineRow] = []
        self._positions: list[tuple[str, str]] = []
        self._exhausted = True
        self._spans_days = False

    # -- what is shown -------------------------------------------------------

    def show_incident(self, incident_id: str | None, kinds: Collection[Kind] = ()) -> None:
        self.beginResetModel()
        self.incident_id = incident_id
        self._kinds = frozenset(kinds)
        self._rows, self._positions = [], []
        self._exhausted = incident_id is None
        self._spans_days = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def set_kinds(self, kinds: Collection[Kind]) -> None:
        if frozenset(kinds) != self._kinds:
            self.show_incident(self.incident_id, kinds)

    def row_of(self, event_id: str) -> int:
        for row, item in enumerate(self._rows):
            if item.event.id == event_id:
                return row
        return -1

    def timeline_row(self, row: int) -> TimelineRow:
        return self._rows[row]

    # -- paging ----------------------------------------------------------------

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid() or self.incident_id is None or self._exhausted:
            return
        after = self._positions[-1] if self._positions else None
        page = timeline_page(self._conn, self.incident_id, after, PAGE_SIZE, self._kinds)
        self._exhausted = len(page) < PAGE_SIZE
        if page:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self._positions.extend(r.position for r in page)
            self.endInsertRows()
            self._update_span()

    def add_rows(self, fresh: Sequence[TimelineRow]) -> None:
        """Take in newly written events: insert the ones that belong to the loaded
        part of the story; later ones arrive with the next page."""
        mine = [r for r in fresh if r.event.incident_id == self.incident_id]
        if len(mine) > PAGE_SIZE:  # a large import: reading afresh is cheaper
            self.show_incident(self.incident_id, self._kinds)
            return
        for item in mine:
            event = item.event
            if event.supersedes:
                self._mark_corrected(event.supersedes, event_text(event.kind, event.body))
            if self._kinds and event.kind not in self._kinds:
                continue
            if self.row_of(event.id) >= 0:
                continue
            beyond_loaded = bool(self._positions) and item.position > self._positions[-1]
            if beyond_loaded and not self._exhausted:
                continue
            at = bisect.bisect(self._positions, item.position)
            self.beginInsertRows(QModelIndex(), at, at)
            self._rows.insert(at, item)
            self._positions.insert(at, item.position)
            self.endInsertRows()
        self._update_span()

    def _mark_corrected(self, event_id: str, text: str) -> None:
        row = self.row_of(event_id)
        if row >= 0:
            old = self._rows[row]
            self._rows[row] = TimelineRow(old.seq, old.event, text)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _update_span(self) -> None:
        spans = bool(self._rows) and (
            format_local(self._rows[0].event.occurred_at, self._zone)[:10]
            != format_local(self._rows[-1].event.occurred_at, self._zone)[:10]
        )
        if spans != self._spans_days:
            self._spans_days = spans
            if self._rows:
                self.dataChanged.emit(self.index(0, TIME), self.index(len(self._rows) - 1, TIME))

    # -- the Qt model interface --------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        event, column = item.event, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TIME:
                return format_local(event.occurred_at, self._zone, with_date=self._spans_days)
            if column == KIND:
                return event.kind.value
            if column == AUTHOR:
                return event.author
            text = event_text(event.kind, event.body)
            return f"Correction: {text}" if event.supersedes else text
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TIME:
                return f"Happened {event.occurred_at} UTC\nRecorded {event.recorded_at} UTC"
            if item.corrected_to is not None:
                return f"Corrected to: {item.corrected_to}"
            return f"{event.kind.value} by {event.author} · id {event.id}"
        if role == Qt.ItemDataRole.ForegroundRole and column == KIND:
            return kind_colour(event.kind)
        if role == Qt.ItemDataRole.FontRole and item.corrected_to is not None and column == ENTRY:
            font = QFont()
            font.setStrikeOut(True)
            return font
        return None
