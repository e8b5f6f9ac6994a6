"""The noise report as a screen: which alerts earned their pages across the incidents of
a period (and a service), as a chart and a table, each row's proposed change one click
from a follow-up with its evidence; the same report `commander alerts report` prints.
Read off the GUI thread when the tab is first shown, or on F5."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.alert_noise import DetectionMiss, NoiseReport, NoiseRow, Proposal
from commander_app.core.errors import CommanderError
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.metrics.log_reader import LogReader
from commander_app.ui.metrics.noise_chart import NoiseChart
from commander_app.ui.metrics.noise_model import PROPOSAL_WORDS, NoiseModel

PERIODS: tuple[tuple[str, int | None], ...] = (
    ("Last 90 days", 90),
    ("Last 6 months", 183),
    ("Last 12 months", 365),
    ("All time", None),
)


class NoiseView(QWidget):
    """Embedded by the Metrics window; `wrote` when a follow-up was written."""

    wrote = Signal()
    open_incident = Signal(str)

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log, self._author, self._zone = log, author, zone
        self.report: NoiseReport | None = None
        self._loaded = False
        self.reader = LogReader(log, "the noise report", self)
        self._init_controls()
        self._init_report()
        self._init_layout()
        self._connect_signals()

    # -- building ----------------------------------------------------------

    def _init_controls(self) -> None:
        self.period = QComboBox()
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.period_label = QLabel("&Since")
        self.period_label.setBuddy(self.period)
        self.service = QLineEdit()
        self.service.setPlaceholderText("every service (Enter applies)")
        self.service_label = QLabel("Ser&vice")
        self.service_label.setBuddy(self.service)
        self.export_button = QPushButton("&Export CSV…")
        self.propose_button = QPushButton("Make it a &follow-up")
        self.propose_button.setToolTip(
            "The selected row's proposed change as a follow-up, with the evidence in its text "
            "(Ctrl+Enter in the table)"
        )
        self.propose_button.setEnabled(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = ErrorLine()

    def _init_report(self) -> None:
        self.chart = NoiseChart()
        self.model = NoiseModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setAccessibleName("Noise report")
        self.detail = QLabel("")  # the selected row's proposal and evidence, in full
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _init_layout(self) -> None:
        controls = QHBoxLayout()
        for widget in (self.period_label, self.period, self.service_label, self.service):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.propose_button)
        controls.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)
        layout.addWidget(self.detail)

    def _connect_signals(self) -> None:
        self.reader.loaded.connect(self._show)
        self.reader.failed.connect(self._failed)
        self.period.currentIndexChanged.connect(self.refresh)
        self.service.returnPressed.connect(self.refresh)
        self.export_button.clicked.connect(self._ask_export)
        self.propose_button.clicked.connect(self.propose_selected)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.table.doubleClicked.connect(self._open_row)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.propose_selected)

    # -- reading -----------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        from commander_app.store.alert_noise import NoiseFilter, read_report

        self._loaded = True
        days = self.period.currentData()
        since = self._log.clock.now() - timedelta(days=days) if days else None
        service = self.service.text().strip() or None
        which = NoiseFilter(since=since, service=service)
        self.status.setText("Reading the noise report…")

        def reading(log: IncidentLog) -> NoiseReport:
            from commander_app.store.cadence import load_policy, stakeholder_zone

            return read_report(log, which, stakeholder_zone(load_policy()))

        self.reader.read(reading)

    def _show(self, data: object) -> None:
        assert isinstance(data, NoiseReport)
        self.report = data
        self.model.show(data)
        self.chart.show_rows(data.rows)
        self.error.say("")
        scope = self.period.currentText().lower()
        service = self.service.text().strip()
        where = f" of {service}" if service else ""
        if not data.rows and not data.misses:
            self.status.setText(
                f"No alert fired in the {data.incidents} real incidents{where} ({scope}). "
                "Alerts come in through `commander alerts receive`, `pull` or `import`."
            )
        else:
            self.status.setText(
                f"{len(data.rows)} alerts across {data.incidents} real incidents{where} "
                f"({scope}; drills left out), {len(data.misses)} detection misses. "
                "Select a row: Ctrl+Enter makes its proposed change a follow-up."
            )
        self._selected()

    def _failed(self, text: str) -> None:
        self.status.setText("")
        self.error.say(text)

    # -- acting ------------------------------------------------------------

    def _current(self) -> NoiseRow | DetectionMiss | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selected(self, *_: object) -> None:
        found = self._current()
        actionable = found is not None and found.proposal != Proposal.KEEP
        self.propose_button.setEnabled(actionable)
        if found is None:
            self.detail.setText("")
            return
        what = found.title if isinstance(found, DetectionMiss) else found.name
        words = PROPOSAL_WORDS[found.proposal]
        self.detail.setText(f"<b>{escape(what)}</b> — {escape(words)}: {escape(found.reason)}")

    def propose_selected(self) -> None:
        from commander_app.store.alert_noise import propose_miss, propose_row

        found = self._current()
        if found is None:
            self.error.say("Select a row of the report first.")
            return
        if isinstance(found, NoiseRow) and found.proposal == Proposal.KEEP:
            self.error.say(f"The report proposes no change to {found.name}: {found.reason}")
            return
        try:
            if isinstance(found, DetectionMiss):
                event = propose_miss(self._log, found, author=self._author)
            else:
                event = propose_row(self._log, found, None, author=self._author)
        except CommanderError as exc:
            self.error.say(str(exc))
            return
        title = self._log.incident(event.incident_id).title
        self.error.say("")
        self.status.setText(f"Follow-up written in “{title}”: {event.body.get('text', '')}")
        self.wrote.emit()

    def _open_row(self, *_: object) -> None:
        found = self._current()
        if found is None:
            return
        incident = found.incident_id if isinstance(found, DetectionMiss) else found.last_incident
        if incident:
            self.open_incident.emit(incident)

    def _ask_export(self) -> None:
        if self.report is None:
            self.error.say("The report is still being read.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the noise report", "noise-report.csv", "CSV (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        from commander_app.core.alert_noise_export import report_csv

        if self.report is None:
            return
        try:
            environment.write_atomically(path, report_csv(self.report))
        except OSError as exc:
            self.error.say(f"Could not write {path}: {exc.strerror or exc}.")
            return
        self.error.say("")
        self.status.setText(f"Written the noise report to {path}.")

    def shut_down(self) -> None:
        self.reader.shut_down()
