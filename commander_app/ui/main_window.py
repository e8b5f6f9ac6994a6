"""The commander's window: incidents on the left, the timeline, a capture line."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QItemSelection, QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.model import Severity
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.backup_timer import BackupTimer
from commander_app.ui.incident_list_model import IncidentIdRole, IncidentListModel
from commander_app.ui.timeline_model import TimelineModel


class MainWindow(QMainWindow):
    def __init__(self, log: IncidentLog, author: str, zone: tzinfo) -> None:
        super().__init__()
        self.log = log
        self.author = author
        self.setWindowTitle(f"Commander — {log.path}")
        self.resize(1100, 700)
        self.incidents = IncidentListModel(log, self)
        self.timeline = TimelineModel(log, zone, self)
        self.backups = BackupTimer(log, self)
        self._init_empty_state()
        self._init_incident_view()
        self._init_actions()
        self._connect_signals()
        self.incidents.reload()
        self._show_state()

    # -- building ----------------------------------------------------------

    def _init_empty_state(self) -> None:
        self.empty = QWidget()
        layout = QVBoxLayout(self.empty)
        layout.addStretch()
        heading = QLabel("<h2>No incidents yet</h2>")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        self.start_button = QPushButton("Start an incident")
        self.drill_button = QPushButton("Start a drill")
        for button, sentence in (
            (self.start_button, "Something is broken now: open the log and start the clock."),
            (self.drill_button, "Practise the roles on a pretend incident, marked as a drill."),
        ):
            button.setMinimumHeight(40)
            layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignCenter)
            note = QLabel(sentence)
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(note)
        layout.addStretch()

    def _init_incident_view(self) -> None:
        self.incident_list = QListView()
        self.incident_list.setModel(self.incidents)
        self.incident_list.setAlternatingRowColors(True)
        self.timeline_view = QTableView()
        self.timeline_view.setModel(self.timeline)
        self.timeline_view.setWordWrap(True)
        self.timeline_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.timeline_view.verticalHeader().hide()
        header = self.timeline_view.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.capture = QLineEdit()
        self.capture.setPlaceholderText("Type what happened and press Enter (Ctrl+L)")
        self.capture_error = QLabel()
        self.capture_error.setStyleSheet("color: #c0392b")
        self.capture_error.setWordWrap(True)
        self.capture_error.hide()
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.timeline_view)
        column.addWidget(self.capture_error)
        column.addWidget(self.capture)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.incident_list)
        self.splitter.addWidget(centre)
        self.splitter.setSizes([280, 820])
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

    def _init_actions(self) -> None:
        menu = self.menuBar().addMenu("&Incident")
        self.new_action = QAction("&Start an incident…", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.drill_action = QAction("Start a &drill…", self)
        self.focus_capture_action = QAction("&Capture an entry", self)
        self.focus_capture_action.setShortcut(QKeySequence("Ctrl+L"))
        for action in (self.new_action, self.drill_action, self.focus_capture_action):
            menu.addAction(action)

    def _connect_signals(self) -> None:
        self.start_button.clicked.connect(lambda: self.ask_and_open(drill=False))
        self.drill_button.clicked.connect(lambda: self.ask_and_open(drill=True))
        self.new_action.triggered.connect(lambda: self.ask_and_open(drill=False))
        self.drill_action.triggered.connect(lambda: self.ask_and_open(drill=True))
        self.focus_capture_action.triggered.connect(self.capture.setFocus)
        self.capture.returnPressed.connect(self.submit_capture)
        self.capture.textEdited.connect(lambda _text: self.capture_error.hide())
        self.incident_list.selectionModel().selectionChanged.connect(self._on_selection)
        self.backups.failed.connect(
            lambda reason: self.statusBar().showMessage(f"Backup failed: {reason}", 30_000)
        )

    # -- behaviour -----------------------------------------------------------

    def _show_state(self) -> None:
        has_incidents = self.incidents.rowCount() > 0
        self.stack.setCurrentWidget(self.splitter if has_incidents else self.empty)
        if has_incidents and not self.incident_list.selectionModel().hasSelection():
            self.select_incident(self.incidents.index(0).data(IncidentIdRole))
        if has_incidents:
            self.capture.setFocus()

    def select_incident(self, incident_id: str) -> None:
        row = self.incidents.row_of(incident_id)
        if row >= 0:
            self.incident_list.setCurrentIndex(self.incidents.index(row))

    def current_incident_id(self) -> str | None:
        index: QModelIndex = self.incident_list.currentIndex()
        return index.data(IncidentIdRole) if index.isValid() else None

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        self.timeline.show_incident(indexes[0].data(IncidentIdRole) if indexes else None)

    def ask_and_open(self, drill: bool) -> None:
        label = "What is the drill about?" if drill else "What is broken? (a short title)"
        title, accepted = QInputDialog.getText(
            self, "Start a drill" if drill else "Start an incident", label
        )
        if accepted:
            self.open_incident(title, drill=drill)

    def open_incident(
        self, title: str, drill: bool = False, severity: Severity = Severity.SEV2
    ) -> None:
        try:
            state = self.log.open_incident(
                title, severity=severity, drill=drill, author=self.author
            )
        except CommanderError as exc:
            self.statusBar().showMessage(str(exc), 10_000)
            return
        self.incidents.reload()
        self._show_state()
        self.select_incident(state.id)
        self.capture.setFocus()

    def submit_capture(self) -> None:
        """Write the entry durably; on failure keep the text and say why."""
        incident_id = self.current_incident_id()
        text = self.capture.text()
        if incident_id is None:
            self._capture_failed("Select or start an incident first.")
            return
        try:
            self.log.log(incident_id, text, author=self.author)
        except CommanderError as exc:
            self._capture_failed(str(exc))
            return
        self.capture.clear()
        self.capture_error.hide()
        self.timeline.append_new()
        self.timeline_view.scrollToBottom()

    def _capture_failed(self, reason: str) -> None:
        self.capture_error.setText(f"Not saved: {reason}")
        self.capture_error.show()
