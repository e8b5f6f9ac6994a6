"""The authority matrix as a settings screen: per severity, who decides alone and who
must be told. Saved into the playbook (playbook.toml in the data directory); applies at once."""

from __future__ import annotations

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.authority import AuthorityMatrix, matrix_from_dict
from commander_app.core.errors import CommanderError
from commander_app.core.model import Role, Severity
from commander_app.store import rollback_files
from commander_app.ui.error_line import ErrorLine

COLUMNS = ("May decide alone (roles)", "Must be told", "Note")


class AuthoritySettings(QDialog):
    """Cells hold comma-separated names; a bad one is named and nothing is saved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Authority matrix")
        self.resize(820, 300)
        self.table = QStandardItemModel(len(Severity), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setVerticalHeaderLabels([s.value for s in Severity])
        self.view = QTableView()
        self.view.setModel(self.table)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.error = ErrorLine()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(lambda: self.show_matrix(rollback_files.shipped_matrix()))
        roles = ", ".join(r.value for r in Role)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Who may order a rollback, flag kill, config revert, failover or scaling "
                f"without escalating, per severity (any one of them decides).\nRoles: {roles}. "
                "An empty 'may decide' cell: no role alone, the normal change process applies."
            )
        )
        layout.addWidget(self.view)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        try:
            self.show_matrix(rollback_files.load_matrix())
        except CommanderError as exc:  # a broken file: start from the shipped one, say so
            self.show_matrix(rollback_files.shipped_matrix())
            self.error.say(f"{exc} Showing the shipped matrix; saving replaces the file.")

    def show_matrix(self, matrix: AuthorityMatrix) -> None:
        for row, severity in enumerate(Severity):
            entry = matrix.row(severity)
            cells = (", ".join(r.value for r in entry.decide), ", ".join(entry.inform), entry.note)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QStandardItem(text))

    def matrix(self) -> AuthorityMatrix:
        """The matrix on screen, checked as the file is."""
        data = {}
        for row, severity in enumerate(Severity):
            decide, inform, note = (
                (self.table.item(row, column).text() or "").strip() for column in range(3)
            )
            data[severity.value] = {"decide": decide, "inform": inform, "note": note}
        return matrix_from_dict(data, "The authority matrix")

    def save(self) -> bool:
        try:
            rollback_files.save_matrix(self.matrix())
        except CommanderError as exc:
            self.error.say(f"Not saved — {exc}")
            return False
        self.accept()
        return True
