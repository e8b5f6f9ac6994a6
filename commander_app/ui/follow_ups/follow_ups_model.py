"""The Follow-ups view's models: the items of every incident a page at a time, most urgent
first, and the incidents to filter by. Adapters only: the order, the filters and how an item
stands come from `store.follow_ups` and `core.follow_ups.standing`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from commander_app.core.follow_ups import FollowUpRow, Standing, standing
from commander_app.core.model import Ack, FollowUpState
from commander_app.core.times import format_local
from commander_app.core.tracker import TRACKER_NAMES
from commander_app.store import follow_ups as store
from commander_app.store.follow_ups import FollowUpFilter, IncidentChoice
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.keyed_rows import update_rows
from commander_app.ui.palette import amber, muted, warning
from commander_app.ui.table_model import RowTableModel

COLUMNS = ("#", "Item", "Owner", "Priority", "Due", "Incident", "Standing")
NUMBER, ITEM, OWNER, PRIORITY, DUE, INCIDENT, STANDING = range(len(COLUMNS))
PAGE_SIZE = 100  # a screenful and more; the rest as the list is scrolled
ItemIdRole = Qt.ItemDataRole.UserRole + 1
StandingRole = Qt.ItemDataRole.UserRole + 2

STANDING_WORDS = {
    Standing.OVERDUE: "overdue",
    Standing.OWNERLESS: "no owner",
    Standing.UNACKNOWLEDGED: "not accepted",
    Standing.DUE_SOON: "due soon",
    Standing.ON_TRACK: "on track",
    Standing.CLOSED: "closed",
}
_CLOSED_WORDS = {FollowUpState.DONE: "done", FollowUpState.WONT: "won't do"}

_Index = QModelIndex | QPersistentModelIndex


class FollowUpsModel(RowTableModel):
    """Rows as `store.follow_ups` returns them for one filter and one "now"; only what has
    been scrolled to is read. `reload` reads the same number of rows again (the log or the
    clock moved): rows that merely changed are updated in place, a new order resets."""

    columns = COLUMNS

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._log, self._zone = log, zone
        self._which = FollowUpFilter()
        self._now: datetime = log.clock.now()
        self._rows: list[FollowUpRow] = []
        self._standings: list[Standing] = []
        self._exhausted = True

    # -- what is shown -------------------------------------------------------

    def show(self, which: FollowUpFilter, now: datetime) -> None:
        """A new filter: from the top."""
        self._which, self._now = which, now
        self._replace(store.follow_ups(self._log, now, which, limit=PAGE_SIZE))

    def reload(self, now: datetime) -> None:
        """The same filter, read again as far as it had been scrolled."""
        self._now = now
        loaded = max(PAGE_SIZE, len(self._rows))
        self._replace(store.follow_ups(self._log, now, self._which, limit=loaded), loaded)

    def _replace(self, rows: Sequence[FollowUpRow], asked: int = PAGE_SIZE) -> None:
        fresh = list(rows)
        standings = [standing(r, self._now) for r in fresh]
        same_items = [r.id for r in fresh] == [r.id for r in self._rows]
        self._exhausted = len(fresh) < asked
        if same_items and fresh:
            self._rows, self._standings = fresh, standings
            last = self.index(len(fresh) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows, self._standings = fresh, standings
        self.endResetModel()

    def item(self, row: int) -> FollowUpRow:
        return self._rows[row]

    def row_of(self, item_id: str) -> int:
        return next((n for n, r in enumerate(self._rows) if r.id == item_id), -1)

    # -- paging ----------------------------------------------------------------

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid() or self._exhausted:
            return
        page = store.follow_ups(
            self._log, self._now, self._which, limit=PAGE_SIZE, offset=len(self._rows)
        )
        self._exhausted = len(page) < PAGE_SIZE
        known = {r.id for r in self._rows}
        page = [r for r in page if r.id not in known]  # the log moved between two pages
        if page:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self._standings.extend(standing(r, self._now) for r in page)
            self.endInsertRows()

    # -- the Qt model interface --------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        standing_now = self._standings[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, standing_now, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == INCIDENT:
                return f"{row.incident_title}\n{row.severity.value} · id {row.incident_id}"
            return _item_tip(row) if column == ITEM else None
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = _colour(standing_now)
            return QBrush(colour) if colour is not None else None
        if role == ItemIdRole:
            return row.id
        if role == StandingRole:
            return standing_now.value
        return None

    def _text(self, row: FollowUpRow, standing_now: Standing, column: int) -> str:
        if column == NUMBER:
            return row.number
        if column == ITEM:
            first = row.text.splitlines()[0] if row.text else ""
            keys = issue_keys(row)
            return f"{first}  [{keys}]" if keys else first
        if column == OWNER:
            return owner_text(row)
        if column == PRIORITY:
            return row.priority.value if row.priority else "—"
        if column == DUE:
            return format_local(row.due, self._zone)[:10] if row.due else "—"
        if column == INCIDENT:
            return f"[DRILL] {row.incident_title}" if row.is_drill else row.incident_title
        if standing_now is Standing.CLOSED:
            return _CLOSED_WORDS.get(row.state, "closed")
        words = STANDING_WORDS[standing_now]
        return f"{words}, started" if row.state is FollowUpState.IN_PROGRESS else words


def issue_keys(row: FollowUpRow) -> str:
    """Its issues on trackers (acme/ops#12, OPS-12), as the Item column ends."""
    return ", ".join(str(row.trackers[name]["key"]) for name in sorted(row.trackers))


def _item_tip(row: FollowUpRow) -> str:
    """The whole text, then each issue it became with its address and its state there."""
    lines = [row.text]
    for name in sorted(row.trackers):
        issue = row.trackers[name]
        tracker = TRACKER_NAMES.get(str(issue.get("kind")), name)
        state = issue.get("state") or "open"
        lines.append(f"In {tracker} as {issue['key']} ({state}): {issue['url']}")
    return "\n".join(lines)


def owner_text(row: FollowUpRow) -> str:
    if not row.owner:
        return "— nobody"
    if row.ack is Ack.OFFERED:
        return f"{row.owner} (not accepted)"
    if row.ack is Ack.DECLINED:
        return f"{row.owner} (declined)"
    return row.owner


def _colour(standing_now: Standing) -> QColor | None:
    """Overdue red, due soon amber, closed quiet: the theme's own tones."""
    if standing_now is Standing.OVERDUE:
        return warning()
    if standing_now is Standing.DUE_SOON:
        return amber()
    if standing_now is Standing.CLOSED:
        return muted()
    return None


ALL_INCIDENTS = "All incidents"


class IncidentChoices(QAbstractListModel):
    """ "All incidents", then each incident with items: a model, so two thousand incidents
    cost the combo box no items of its own."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._choices: list[IncidentChoice] = []

    def show(self, choices: Sequence[IncidentChoice]) -> None:
        """In place, below "All incidents": the combo box keeps its current incident."""
        update_rows(self, self._choices, choices, key=lambda choice: choice.id, first_row=1)

    @property
    def choices(self) -> list[IncidentChoice]:
        return list(self._choices)

    def incident_id(self, row: int) -> str | None:
        return self._choices[row - 1].id if 0 < row <= len(self._choices) else None

    def row_of(self, incident_id: str | None) -> int:
        if incident_id is None:
            return 0
        return next((n + 1 for n, c in enumerate(self._choices) if c.id == incident_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._choices) + 1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() <= len(self._choices):
            return None
        if index.row() == 0:
            return ALL_INCIDENTS if role == Qt.ItemDataRole.DisplayRole else None
        choice = self._choices[index.row() - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"[DRILL] {choice.title}" if choice.is_drill else choice.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{choice.title}\nid {choice.id}"
        return None
