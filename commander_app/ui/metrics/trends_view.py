"""Trends in the window: pick a figure on the left, read its chart on the right (median
and IQR with n per month or quarter); hover a bucket for the incidents behind it, click
one to open it. Filters by severity, service and real incidents or drills; exports the
chart as PNG or SVG and every figure as one HTML report.

The figures are read on a thread (`TrendsLoader`): the view paints at once, says it is
reading, and fills in when the figures arrive.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.model import Severity
from commander_app.core.trends import TREND_FIGURES, Period, Trend
from commander_app.core.trends_report import scope_text, trends_html
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.metrics.completion_model import CompletionModel
from commander_app.ui.metrics.spread_chart import SpreadChart
from commander_app.ui.metrics.trends_loader import TrendsData, TrendsLoader, TrendsRequest

COMPLETION = "Follow-up completion"
OVERVIEW = "Every figure at a glance"
ALL_SEVERITIES = "All severities"


class TrendsView(QWidget):
    open_incident = Signal(str)

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log, self._zone = log, zone
        self.data: TrendsData | None = None
        self.loader = TrendsLoader(log, zone, self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self._build()

    def _build(self) -> None:
        self.period = QComboBox()
        self.period.addItems(["Month", "Quarter"])
        self.severity = QComboBox()
        self.severity.addItems([ALL_SEVERITIES, *(s.value for s in Severity)])
        self.service = QLineEdit()
        self.service.setPlaceholderText("any service")
        self.service.setClearButtonEnabled(True)
        self.services = QStringListModel(self)
        completer = QCompleter(self.services, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.service.setCompleter(completer)
        self.drills = QCheckBox("&Drills instead of real incidents")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the figures again (F5)")
        self.export_button = QPushButton("&Export")
        menu = QMenu(self.export_button)
        menu.addAction("This chart as &PNG…", lambda: self.ask_export("png"))
        menu.addAction("This chart as &SVG…", lambda: self.ask_export("svg"))
        menu.addAction("Every figure as an &HTML report…", lambda: self.ask_export("html"))
        self.export_button.setMenu(menu)
        filters = QHBoxLayout()
        for text, widget in (
            ("&By", self.period),
            ("&Severity", self.severity),
            ("Servi&ce", self.service),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.drills)
        filters.addStretch()
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.export_button)
        self.status = QLabel("")
        self.error = ErrorLine()
        self.figures = QListView()
        self.figures.setModel(
            QStringListModel([label for _, label in TREND_FIGURES] + [COMPLETION, OVERVIEW])
        )
        self.figures.setCurrentIndex(self.figures.model().index(4, 0))  # time to resolve
        self.figures.setMaximumWidth(260)
        self.chart = SpreadChart()
        self.completion = CompletionModel(self)
        self.completion_table = QTableView()
        self.completion_table.setModel(self.completion)
        self.completion_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.completion_table.verticalHeader().hide()
        self.completion_note = QLabel("")
        self.completion_note.setWordWrap(True)
        self.completion_page = QWidget()
        column = QVBoxLayout(self.completion_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.completion_note)
        column.addWidget(self.completion_table, 1)
        self.small_charts = [SpreadChart() for _ in TREND_FIGURES]
        grid_page = QWidget()
        grid = QGridLayout(grid_page)
        for n, small in enumerate(self.small_charts):
            small.setMinimumSize(360, 230)
            small.incident_chosen.connect(self.open_incident)
            grid.addWidget(small, n // 2, n % 2)
        self.overview = QScrollArea()
        self.overview.setWidget(grid_page)
        self.overview.setWidgetResizable(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.chart)
        self.pages.addWidget(self.completion_page)
        self.pages.addWidget(self.overview)
        split = QSplitter()
        split.addWidget(self.figures)
        split.addWidget(self.pages)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)
        self.period.currentIndexChanged.connect(self.reload)
        self.severity.currentIndexChanged.connect(self.reload)
        self.drills.toggled.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.service.editingFinished.connect(self._service_changed)
        self.figures.selectionModel().currentChanged.connect(lambda *_: self._show_figure())
        self.chart.incident_chosen.connect(self.open_incident)
        self._asked: TrendsRequest | None = None

    # -- reading ---------------------------------------------------------------

    def request(self) -> TrendsRequest:
        period: Period = "quarter" if self.period.currentIndex() == 1 else "month"
        severity = self.severity.currentText()
        severities = () if severity == ALL_SEVERITIES else (Severity.parse(severity),)
        service = self.service.text().strip() or None
        return TrendsRequest(period, severities, service, self.drills.isChecked())

    def reload(self) -> None:
        """Read the figures again (on a thread) for the filters as they are now."""
        self._asked = self.request()
        what = "drills" if self._asked.drills else "incidents"
        self.status.setText(f"Reading the {what}' figures…")
        self.loader.load(self._asked)

    def _service_changed(self) -> None:
        if self._asked is not None and self.request() != self._asked:
            self.reload()

    def _on_loaded(self, data: TrendsData) -> None:
        self.data = data
        self.error.say("")
        r = data.request
        self.status.setText(
            scope_text(
                len(data.incidents),
                r.period,
                [s.value for s in r.severities],
                r.service,
                r.drills,
            )
            + f"  (read in {data.seconds:.1f} s)"
        )
        self.completion.show(data.completion)
        if list(data.services) != self.services.stringList():
            self.services.setStringList(list(data.services))
        self.completion_note.setText(
            "Open and overdue: as each period ended. Done by due date: of the items due in "
            "the period, those done by then (one never done is a miss; one dropped in time "
            "is a decision and left out)."
            if data.completion
            else "No follow-ups with these filters."
        )
        self._show_figure()

    def _on_failed(self, text: str) -> None:
        self.status.setText("")
        self.error.say(text)

    # -- showing ---------------------------------------------------------------

    def current_key(self) -> str | None:
        """The chosen figure's key; None for the follow-up completion and the overview."""
        row = self.figures.currentIndex().row()
        return TREND_FIGURES[row][0] if 0 <= row < len(TREND_FIGURES) else None

    def overview_shown(self) -> bool:
        return self.figures.currentIndex().row() == len(TREND_FIGURES) + 1

    def current_trend(self) -> Trend | None:
        key = self.current_key()
        if self.data is None or key is None:
            return None
        return next((t for t in self.data.trends if t.key == key), None)

    def _show_figure(self) -> None:
        if self.overview_shown():
            self.pages.setCurrentWidget(self.overview)
            by_id = self.data.by_id if self.data else {}
            trends = self.data.trends if self.data else ()
            for small, trend in zip(self.small_charts, trends, strict=False):
                small.show_trend(trend, by_id)
            return
        if self.current_key() is None:
            self.pages.setCurrentWidget(self.completion_page)
            return
        self.pages.setCurrentWidget(self.chart)
        self.chart.show_trend(self.current_trend(), self.data.by_id if self.data else {})

    # -- exporting ----------------------------------------------------------------

    def ask_export(self, kind: str) -> None:
        suffix = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "html": "HTML (*.html)"}
        name = "trends.html" if kind == "html" else f"{self.current_key() or 'trend'}.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, "Export", name, suffix[kind])
        if path:
            self.export(kind, Path(path))

    def export(self, kind: str, path: Path) -> bool:
        """Write the chart (png, svg) or the whole report (html); says why not, if not."""
        from commander_app.ui.metrics.spread_painting import trends_png, trends_svg

        trend = self.current_trend()
        if self.data is None:
            self.error.say("The figures are still being read: export when they are shown.")
            return False
        charts = list(self.data.trends) if self.overview_shown() else [trend] if trend else []
        if kind in ("png", "svg") and not charts:
            self.error.say("Choose a figure's chart to export (the completion is in the report).")
            return False
        try:
            if kind == "png":
                environment.write_bytes_atomically(path, trends_png(charts))
            elif kind == "svg":
                environment.write_atomically(path, trends_svg(charts))
            else:
                environment.write_atomically(path, self.report_html())
        except OSError as exc:
            self.error.say(f"Cannot write {path}: {exc.strerror or exc}.")
            return False
        self.error.say("")
        self.status.setText(f"Written to {path}.")
        return True

    def report_html(self) -> str:
        from commander_app.ui.metrics.spread_painting import trend_svg

        assert self.data is not None
        r = self.data.request
        scope = scope_text(
            len(self.data.incidents), r.period, [s.value for s in r.severities], r.service, r.drills
        )
        charts = {t.key: trend_svg(t) for t in self.data.trends}
        return trends_html("Incident trends", scope, self.data.trends, self.data.completion, charts)

    def shut_down(self) -> None:
        self.loader.shut_down()
