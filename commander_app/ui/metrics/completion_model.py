"""Follow-up completion per period, as a table model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from commander_app.core.follow_up_trends import Completion
from commander_app.ui.palette import muted
from commander_app.ui.table_model import Index, RowTableModel


class CompletionModel(RowTableModel):
    columns = (
        "Period",
        "Written",
        "Done",
        "Dropped",
        "Open at end",
        "Overdue at end",
        "Days to done: median (IQR)",
        "n",
        "Done by due date",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Completion] = []

    def show(self, rows: Sequence[Completion]) -> None:
        self.beginResetModel()  # a new filter: every row is another period's
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(row, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and index.column() in (6, 7) and row.too_few:
            return muted()
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (6, 7) and row.too_few:
            return "Fewer than 5 done in the period: too few to read a trend from."
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _cell(row: Completion, column: int) -> str:
        if column == 6:
            if not row.days_n:
                return "—"
            return f"{row.days_median:.1f} ({row.days_q1:.1f} – {row.days_q3:.1f})"
        if column == 8:
            share = row.share_within_due
            return "—" if share is None else f"{row.done_by_due}/{row.due} ({share:.0%})"
        values = (
            row.bucket,
            row.opened,
            row.done,
            row.dropped,
            row.open_at_end,
            row.overdue_at_end,
            None,
            row.days_n,
        )
        return str(values[column])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)
