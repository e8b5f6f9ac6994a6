"""The one-glance row above the workspace: commander, communicator, the cause, the
next update due and a decision waiting for "did it work?", always in view.

It only shows what `core.glance` computes; the window feeds it the incident and
board it already read, and the cadence watch's tick moves its times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from commander_app.core.board import Board
from commander_app.core.cadence import AudienceCadence
from commander_app.core.clock import Clock
from commander_app.core.glance import Glance, Tone, glance
from commander_app.core.glance import GlanceField as Field
from commander_app.core.model import IncidentState
from commander_app.ui.palette import confirmed
from commander_app.ui.updates.cadence_strip import AMBER, RED

_TONES = {Tone.CALM: "", Tone.SOON: AMBER, Tone.LATE: RED}


def _style(tone: Tone) -> str:
    if tone == Tone.GOOD:  # the board's colour for a confirmed hypothesis
        return f"color: {confirmed().name()}; font-weight: bold"
    return _TONES.get(tone, "")


READABLE = 24  # characters a shortened field keeps at the least: "Connection pool exhaust…"
WHOLE_AT_MOST = 260  # px: a name or a due time longer than this is shortened too


class FieldText(QLabel):
    """One line that shortens with an ellipsis where room is short; the field's whole
    sentence is in the tooltip. `whole` fields (names, the due time) keep all of their
    text up to WHOLE_AT_MOST; the others shorten first, never below READABLE characters."""

    def __init__(self, whole: bool) -> None:
        super().__init__()
        self.whole = whole
        self.full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        # As wide as its text where there is room, down to `minimumSizeHint` where not.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_text(self, text: str, detail: str, style: str) -> None:
        if style != self.styleSheet():  # restyling every tick would cost a style pass
            self.setStyleSheet(style)
            self.ensurePolished()  # measure in the style's font (bold when late)
            self.full = ""
        if text != self.full:
            self.full = text
            self.setMaximumWidth(self._advance(text))  # a coloured field is as long as its text
            self.updateGeometry()
        self.setToolTip(detail)
        self._fit()

    @property
    def shortened(self) -> bool:
        return self.text() != self.full

    def _fit(self) -> None:
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            self.setText(shown)

    def _advance(self, text: str) -> int:
        return self.fontMetrics().horizontalAdvance(text) + 2 * self.margin() + 2

    def sizeHint(self) -> QSize:
        return QSize(self._advance(self.full), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        height = super().minimumSizeHint().height()
        if self.whole:
            return QSize(min(self._advance(self.full), WHOLE_AT_MOST), height)
        return QSize(self._advance(self.full[:READABLE] + "…"), height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class GlanceField(QWidget):
    """A bold caption and its text, with a bar before it when it follows another."""

    def __init__(self, whole: bool) -> None:
        super().__init__()
        self.bar = QFrame()
        self.bar.setFrameShape(QFrame.Shape.VLine)
        self.bar.setFrameShadow(QFrame.Shadow.Sunken)
        self.caption = QLabel()
        self.caption.setStyleSheet("font-weight: bold")
        self.text = FieldText(whole)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.bar)
        row.addWidget(self.caption)
        row.addWidget(self.text, 1)
        row.addStretch(0)  # the text stays beside its caption when it is shorter than the room
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_field(self, field: Field) -> None:
        self.caption.setText(field.caption)
        self.caption.setToolTip(field.detail)
        self.text.show_text(field.text, field.detail, _style(field.tone))

    def needed(self) -> int:
        """The width that shows the whole text, after a bar."""
        parts = (self.bar, self.caption, self.text)
        return sum(part.sizeHint().width() for part in parts) + 2 * 6


# Names and the due time are kept whole; the cause and the decision shorten if they must.
_WHOLE = (True, True, True, False, False)
FIRST_ROW = 3  # on two rows: who and when above, what is known and what waits below


class GlanceHeader(QFrame):
    """One row where everything fits whole, else two; hidden while no incident is
    selected."""

    def __init__(self, clock: Clock, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock, self._zone = clock, zone
        self.state: IncidentState | None = None
        self.board = Board()
        self.cadence: list[AudienceCadence] = []
        self.current: Glance | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.fields = [GlanceField(whole) for whole in _WHOLE]
        self.rows = (QHBoxLayout(), QHBoxLayout())
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 3, 8, 3)
        column.setSpacing(3)
        for row in self.rows:
            row.setSpacing(10)
            column.addLayout(row)
        self.two_rows = False
        self._place(two_rows=False)
        self.hide()

    @property
    def texts(self) -> list[FieldText]:
        return [field.text for field in self.fields]

    def show_incident(self, state: IncidentState | None, board: Board) -> None:
        self.state, self.board = state, board
        self.refresh()

    def show_cadence(self, items: Sequence[AudienceCadence]) -> None:
        self.cadence = list(items)
        self.refresh()

    def refresh(self) -> None:
        self.setVisible(self.state is not None)
        if self.state is None:
            self.current = None
            return
        self.current = glance(self.state, self.board, self.cadence, self._clock.now(), self._zone)
        for widget, field in zip(self.fields, self.current.fields, strict=True):
            widget.show_field(field)
        self._fit()

    def _place(self, two_rows: bool) -> None:
        for row in self.rows:
            while row.count():
                row.takeAt(0)
        for position, widget in enumerate(self.fields):
            second = two_rows and position >= FIRST_ROW
            self.rows[1 if second else 0].addWidget(widget)
            widget.bar.setVisible(position not in (0, FIRST_ROW if two_rows else 0))
        for row in self.rows:
            row.addStretch(1)  # the fields side by side from the left, the room after them
        self.two_rows = two_rows

    def _fit(self) -> None:
        """Two rows when one would shorten a text: the cause is read whole where it can be."""
        margins = self.contentsMargins()
        room = self.width() - margins.left() - margins.right() - 16
        spacing = self.rows[0].spacing() * (len(self.fields) - 1)
        wanted = sum(field.needed() for field in self.fields) + spacing > room
        if wanted != self.two_rows:
            self._place(wanted)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
