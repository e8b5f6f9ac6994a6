"""The Metrics window: is the team getting better? Trends over months, the process
review of the last incidents, the selected incident's own figures, and the alert noise.
Built the first time it is opened (Ctrl+Alt+M), so the main window's start-up does not
pay for it."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.metrics.figures_view import FiguresView
from commander_app.ui.metrics.noise_view import NoiseView
from commander_app.ui.metrics.review_view import ReviewView
from commander_app.ui.metrics.trends_view import TrendsView


class MetricsWindow(QWidget):
    open_incident = Signal(str)

    wrote = Signal()  # a follow-up was written from the noise report

    def __init__(
        self,
        log: IncidentLog,
        zone: tzinfo,
        parent: QWidget | None = None,
        *,
        author: str | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Metrics — Commander")
        self.resize(1100, 640)
        self.trends = TrendsView(log, zone)
        self.review = ReviewView(log, zone)
        self.figures = FiguresView(log)
        self.noise = NoiseView(log, author or environment.default_author(), zone)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.trends, "&Trends")
        self.tabs.addTab(self.review, "&Process review")
        self.tabs.addTab(self.figures, "This &incident")
        self.tabs.addTab(self.noise, "Alert &noise")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.trends.open_incident.connect(self.open_incident)
        self.review.open_incident.connect(self.open_incident)
        self.noise.open_incident.connect(self.open_incident)
        self.noise.wrote.connect(self.wrote)
        close = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)
        close.activated.connect(self.close)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self.close)
        refresh = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        refresh.activated.connect(self.refresh)
        self._read = False
        # The first read starts once the window has painted: its thread would otherwise
        # share the interpreter with the first paint.
        self._first_read = QTimer(self)
        self._first_read.setSingleShot(True)
        self._first_read.setInterval(0)
        self._first_read.timeout.connect(self.trends.reload)

    def show_for(self, incident_id: str | None) -> None:
        """Open (or raise) the window, with the selected incident's figures."""
        self.figures.show_incident(incident_id)
        self.show()
        self.raise_()
        self.activateWindow()
        if not self._read:  # the trends are read once; F5 reads them again
            self._read = True
            self.trends.status.setText("Reading the incidents' figures…")
            self._first_read.start()

    def refresh(self) -> None:
        self.trends.reload()
        if self.review.isVisible():  # else it is read when its tab is first shown
            self.review.refresh()
        self.figures.show_incident(self.figures.incident_id)
        if self.noise.isVisible():  # else it is read when its tab is first shown
            self.noise.refresh()

    def shut_down(self) -> None:
        """Stop what the window started: a trends read still running."""
        self._first_read.stop()
        self.trends.shut_down()
        self.review.shut_down()
        self.noise.shut_down()
