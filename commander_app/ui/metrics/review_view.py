"""The process review as a screen: the last few resolved incidents' phases as bars on one
time axis, then each one's longest delay, what repeats and the median per phase; the
same review `commander review` prints. Read when first shown or refreshed, never at the
window's start-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commander_app.core.errors import CommanderError
from commander_app.core.postmortem_html import markdown_body
from commander_app.core.process_review import SetReview, review_set
from commander_app.core.process_review_report import (
    review_details_markdown,
    review_html,
    review_markdown,
)
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.store.process_review import DEFAULT_LAST, chosen_incidents, review_inputs
from commander_app.ui.error_line import ErrorLine
from commander_app.ui.metrics.review_bars import ReviewBars

MOST_INCIDENTS = 20
EMPTY_TEXT = (
    "No resolved incidents to review yet. The review shows the last few resolved "
    "incidents' phases, from impact to resolved; tick “Drills too” to review practice "
    "incidents."
)
# QTextBrowser's rich text knows a little CSS: enough for ruled tables.
_DETAILS_STYLE = (
    "table { border-collapse: collapse; margin: 4px 0 12px 0; }"
    "th, td { border: 1px solid palette(mid); padding: 3px 8px; }"
    "th { text-align: left; } h2 { margin-top: 14px; }"
)


class ReviewView(QWidget):
    """Embedded by the Metrics window; the window connects `open_incident`."""

    open_incident = Signal(str)  # an incident id

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log, self._zone = log, zone
        self._review: SetReview | None = None
        self._loaded = False
        self._init_controls()
        self._init_report()
        self._init_layout()
        self._connect_signals()

    # -- building ----------------------------------------------------------

    def _init_controls(self) -> None:
        self.last = QSpinBox()
        self.last.setRange(1, MOST_INCIDENTS)
        self.last.setValue(DEFAULT_LAST)
        self.last.setToolTip("How many of the most recently resolved incidents to review")
        self.last_label = QLabel("&Last")
        self.last_label.setBuddy(self.last)
        self.drills = QCheckBox("&Drills too")
        self.drills.setToolTip("Review practice incidents as well")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the log again")
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Save the review as an HTML page, or the bars as a PNG")
        self.export_button.setEnabled(False)

    def _init_report(self) -> None:
        self.bars = ReviewBars()
        self.bars_area = QScrollArea()
        self.bars_area.setWidget(self.bars)
        self.bars_area.setWidgetResizable(True)
        self.bars_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.bars_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the bars take it, not the area
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setAccessibleName("The review's tables")
        self.details.document().setDefaultStyleSheet(_DETAILS_STYLE)
        self.empty_note = QLabel(EMPTY_TEXT)
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.hide()
        self.outcome = QLabel()
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = ErrorLine()

    def _init_layout(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(self.last_label)
        controls.addWidget(self.last)
        controls.addWidget(QLabel("resolved incidents"))
        controls.addSpacing(12)
        controls.addWidget(self.drills)
        controls.addStretch(1)
        controls.addWidget(self.refresh_button)
        controls.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.error)
        layout.addWidget(self.empty_note, 1)
        layout.addWidget(self.bars_area)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.outcome)
        self.setTabOrder(self.last, self.drills)
        self.setTabOrder(self.drills, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.export_button)
        self.setTabOrder(self.export_button, self.bars)
        self.setTabOrder(self.bars, self.details)

    def _connect_signals(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.last.valueChanged.connect(self._choice_changed)
        self.drills.toggled.connect(self._choice_changed)
        self.export_button.clicked.connect(self.export)
        self.bars.activated.connect(self.open_incident)

    # -- reading -----------------------------------------------------------

    @property
    def review(self) -> SetReview | None:
        return self._review

    def refresh(self) -> None:
        """Read the chosen incidents from the log again and show their review."""
        self._loaded = True
        self.error.hide()
        try:
            incidents = chosen_incidents(
                self._log, [], last=self.last.value(), drills=self.drills.isChecked()
            )
            review = review_set(review_inputs(self._log, incidents), self._zone)
        except CommanderError as exc:
            self.error.say(f"Cannot read the review — {exc}")
            return
        self._show(review if review.incidents else None)

    def _show(self, review: SetReview | None) -> None:
        self._review = review
        self.bars.set_review(review, self._zone)
        empty = review is None
        self.empty_note.setVisible(empty)
        self.bars_area.setVisible(not empty)
        self.details.setVisible(not empty)
        self.export_button.setEnabled(not empty)
        if review is None:
            self.details.clear()
            return
        self.bars_area.setFixedHeight(int(self.bars.chart_height()) + 2)
        self.details.setHtml(
            markdown_body(review_details_markdown(review, self._zone, summary_first=True))
        )

    def _choice_changed(self) -> None:
        if self._loaded:
            self.refresh()

    def is_empty(self) -> bool:
        return self._review is None

    def markdown(self) -> str:
        """The review as `commander review` prints it ('' before it is read)."""
        return review_markdown(self._review, self._zone) if self._review else ""

    def details_text(self) -> str:
        """What the tables under the bars say, as plain text."""
        return self.details.toPlainText()

    # -- exporting ---------------------------------------------------------

    def export(self) -> None:
        if self._review is None:
            return
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Export the process review",
            "process-review.html",
            "HTML report (*.html);;PNG image of the bars (*.png)",
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() == ".png" or (not target.suffix and "png" in chosen.lower()):
            self.save_png(target.with_suffix(".png"))
        else:
            self.save_html(target if target.suffix else target.with_suffix(".html"))

    def save_html(self, path: Path) -> bool:
        """The whole review as one self-contained page, as `commander review --format html`."""
        if self._review is None:
            return False
        return self._write(path, lambda: environment.write_atomically(path, self._html()))

    def save_png(self, path: Path) -> bool:
        """The bars alone, as drawn here."""
        if self._review is None:
            return False
        width = max(self.bars.width(), 1000)
        data = self.bars.png(width)
        return self._write(path, lambda: environment.write_bytes_atomically(path, data))

    def _html(self) -> str:
        assert self._review is not None
        return review_html(self._review, self._zone)

    def _write(self, path: Path, write: Callable[[], None]) -> bool:
        try:
            write()
        except OSError as exc:
            self.error.say(f"Cannot write {path}: {exc.strerror or exc}. Choose another place.")
            return False
        self.error.hide()
        self.outcome.setText(f"Written to {path}.")
        return True

    # -- lifetime ----------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if not self._loaded:
            self.refresh()
        super().showEvent(event)

    def shut_down(self) -> None:
        """Nothing runs in the background here (no timer, no thread): kept so the window
        that embeds it stops every screen the same way."""
