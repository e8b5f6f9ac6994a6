"""The noise report as a table model: one row per alert name, then the detection misses
(their alert cell says so), the same rows as the report's CSV."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from commander_app.core.alert_noise import DetectionMiss, NoiseReport, NoiseRow, Proposal
from commander_app.ui.table_model import Index, RowTableModel

PROPOSAL_WORDS = {
    Proposal.DELETE: "Delete",
    Proposal.DEMOTE: "Demote to a ticket",
    Proposal.RETUNE: "Retune",
    Proposal.ADD_CONTEXT: "Add context",
    Proposal.ADD_ALERT: "Add an alert",
    Proposal.KEEP: "Keep",
}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class NoiseModel(RowTableModel):
    columns = (
        "Alert",
        "Incidents",
        "Alerts",
        "Noise",
        "Symptom",
        "Without context",
        "Flaps",
        "Page-hours",
        "Sleep-hours",
        "Proposal",
        "Why",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[NoiseRow | DetectionMiss] = []

    def show(self, report: NoiseReport) -> None:
        self.beginResetModel()  # another period or service: every row may differ
        self._rows = [*report.rows, *report.misses]
        self.endResetModel()

    def row_at(self, row: int) -> NoiseRow | DetectionMiss | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.row_at(index.row()) if index.isValid() else None
        if found is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(found, DetectionMiss):
                return _miss_cell(found, index.column())
            return _row_cell(found, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (0, 10):
            return found.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and 1 <= index.column() <= 8:
            return _RIGHT
        return None


def _share(count: int, row: NoiseRow) -> str:
    share = row.share(count)
    return "—" if share is None else f"{count}/{row.triaged} ({share:.0%})"


def _row_cell(row: NoiseRow, column: int) -> str:
    values = (
        row.name,
        str(row.incidents),
        f"{row.alerts}" + (f" (+{row.outside} outside)" if row.outside else ""),
        _share(row.noise, row),
        _share(row.symptom, row),
        str(row.without_context),
        str(row.flaps),
        f"{row.page_hours:.1f}",
        f"{row.sleep_hours:.1f}",
        PROPOSAL_WORDS[row.proposal],
        row.reason,
    )
    return values[column]


def _miss_cell(miss: DetectionMiss, column: int) -> str:
    if column == 0:
        return f"No alert in time: {miss.title}"
    if column == 9:
        return PROPOSAL_WORDS[miss.proposal]
    if column == 10:
        return miss.reason
    return ""
