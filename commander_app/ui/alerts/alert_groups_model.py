"""The Alerts pane's table: one row per alert group of the incident, as `store.alerts`
lists them (the most recently active first). An adapter only: rows are brought up to
date in place when alerts arrive, so the selected group stays selected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from commander_app.core.times import format_clock
from commander_app.store.alerts import AlertGroup
from commander_app.ui.keyed_rows import update_rows
from commander_app.ui.palette import muted, warning
from commander_app.ui.table_model import RowTableModel

COLUMNS = ("Alert", "State", "Alerts", "Fires", "First seen", "Last seen", "Triage", "Hypothesis")
ALERT, STATE, ALERTS, FIRES, FIRST, LAST, TRIAGE, HYPOTHESIS = range(len(COLUMNS))
GroupKeyRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class AlertGroupsModel(RowTableModel):
    columns = COLUMNS

    def __init__(self, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._rows: list[AlertGroup] = []
        self._numbers: Mapping[str, str] = {}  # hypothesis id -> "H2"
        self._now = datetime.now().astimezone()

    def show(self, groups: Sequence[AlertGroup], numbers: Mapping[str, str], now: datetime) -> None:
        self._numbers, self._now = numbers, now
        update_rows(self, self._rows, list(groups), key=lambda g: g.key)
        if self._rows:  # a hypothesis renumbered, or the day turned: every row may read anew
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, HYPOTHESIS))

    def clear(self) -> None:
        update_rows(self, self._rows, [], key=lambda g: g.key)

    def group(self, row: int) -> AlertGroup | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: str) -> int:
        return next((n for n, g in enumerate(self._rows) if g.key == key), -1)

    @property
    def groups(self) -> Sequence[AlertGroup]:
        return self._rows

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        group = self.group(index.row()) if index.isValid() else None
        if group is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(group, column)
        if role == GroupKeyRole:
            return group.key
        if role == Qt.ItemDataRole.ToolTipRole and column == ALERT:
            return f"{group.key}\n(group {group.group_id})"
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == STATE and group.firing:
                return QBrush(warning())
            if column == TRIAGE and group.triage is None:
                return QBrush(muted())
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (ALERTS, FIRES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, group: AlertGroup, column: int) -> str:
        if column == ALERT:
            return group.name
        if column == STATE:
            if group.firing and group.firing != group.alerts:
                return f"{group.firing} firing"
            return group.state
        if column == ALERTS:
            return f"{group.alerts:,}"
        if column == FIRES:
            return f"{group.fires:,}"
        if column == FIRST:
            return format_clock(group.first_seen, self._now, self._zone)
        if column == LAST:
            return format_clock(group.last_seen, self._now, self._zone)
        if column == TRIAGE:
            return group.triage or "untriaged"
        if column == HYPOTHESIS:
            return self._numbers.get(group.hypothesis, "") if group.hypothesis else ""
        return ""
