"""The centre of the window: filter, search, and the timeline table."""

from __future__ import annotations

import sqlite3
from datetime import tzinfo

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.model import Kind
from commander_app.ui.incident.search_results_model import SearchResultsModel
from commander_app.ui.incident.timeline_model import ENTRY, TimelineModel


class TimelineView(QWidget):
    """Shows the timeline; a search replaces it with hits until Esc or a pick."""

    hit_chosen = Signal(str, str)  # incident id, event id ("" for a title hit)

    def __init__(self, conn: sqlite3.Connection, zone: tzinfo, parent: QWidget | None = None):
        super().__init__(parent)
        self._conn = conn
        self.model = TimelineModel(conn, zone, self)
        self.results = SearchResultsModel(zone, self)
        self.kind_filter = QComboBox()
        self.kind_filter.addItem("All kinds", None)
        for kind in Kind:
            self.kind_filter.addItem(kind.value, kind)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search this incident (Ctrl+F; Enter searches)")
        self.search_box.setClearButtonEnabled(True)
        self.search_note = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(ENTRY, QHeaderView.ResizeMode.Stretch)
        self.hits = QListView()
        self.hits.setModel(self.results)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.hits)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("&Show"))
        bar.itemAt(0).widget().setBuddy(self.kind_filter)  # type: ignore[union-attr]
        bar.addWidget(self.kind_filter)
        bar.addWidget(self.search_box, 1)
        bar.addWidget(self.search_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.kind_filter.currentIndexChanged.connect(self._on_kind)
        self.search_box.returnPressed.connect(self.run_search)
        self.search_box.textChanged.connect(self._on_search_text)
        self.hits.activated.connect(self._on_hit)
        copy = QShortcut(QKeySequence.StandardKey.Copy, self.table)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self.copy_selection)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self._leave_search)

    def _on_search_text(self, text: str) -> None:
        if not text:
            self.end_search()

    def _leave_search(self) -> None:
        self.search_box.clear()
        self.end_search()

    def _on_kind(self, _index: int) -> None:
        kind = self.kind_filter.currentData()
        self.model.set_kinds([Kind(kind)] if kind else [])

    def run_search(self) -> None:
        from commander_app.store.search import search  # loaded on the first search

        text = self.search_box.text()
        try:
            found = search(self._conn, text, self.model.incident_id)
        except CommanderError as exc:
            self.search_note.setText(str(exc))
            return
        self.results.set_hits(found)
        self.search_note.setText(f"{len(found)} found · Esc returns" if found else "No matches")
        self.stack.setCurrentWidget(self.hits)

    def end_search(self) -> None:
        self.search_note.clear()
        self.stack.setCurrentWidget(self.table)

    def _on_hit(self, index: QModelIndex) -> None:
        hit = self.results.hit(index.row())
        self.search_box.clear()
        self.end_search()
        self.hit_chosen.emit(hit.incident_id, hit.event_id or "")

    def selected_text(self) -> str:
        """The selected entries as lines a person can paste into chat or a ticket."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return "\n".join(
            "  ".join(str(self.model.index(row, column).data()) for column in range(4))
            for row in rows
        )

    def copy_selection(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def reveal(self, event_id: str) -> bool:
        """Load pages until the event is there, then select and show it."""
        row = self.model.row_of(event_id)
        while row < 0 and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
            row = self.model.row_of(event_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True
