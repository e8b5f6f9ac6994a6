"""The process review's bars: one per incident on one shared time axis, split into its
phases, drawn with QPainter so the same drawing goes to the screen and to a PNG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, tzinfo
from html import escape

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QImage,
    QImageWriter,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from commander_app.core.process_review import PHASE_KINDS, IncidentReview, Phase, SetReview
from commander_app.core.process_review_report import (
    axis_ticks,
    bar_label,
    bar_scale,
    bar_segments,
    bar_total,
    phase_tooltip,
)
from commander_app.core.times import format_duration
from commander_app.ui.palette import is_dark

# Hues (0-359) per phase; lightness follows the theme as in ui/palette.py.
PHASE_HUES = {"detected": 42, "correct": 350, "mitigated": 212, "resolved": 135}
MARGIN = 10.0
GAP = 12.0  # between the labels, the bars and the totals
MIN_SEGMENT = 2.0  # a phase too short to see still shows


def phase_colour(key: str, dark: bool | None = None) -> QColor:
    dark = is_dark() if dark is None else dark
    return QColor.fromHsl(PHASE_HUES[key], 150, 150 if dark else 118)


@dataclass(frozen=True)
class Segment:
    phase: Phase
    rect: QRectF


@dataclass(frozen=True)
class BarRow:
    review: IncidentReview
    row: QRectF  # the whole line, label to total: where a click or a highlight lands
    label: QRectF
    track: QRectF  # the shared axis's length at this row's height
    total: QRectF
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class ChartLayout:
    rows: tuple[BarRow, ...]
    legend: tuple[tuple[str, QRectF, QPointF, str], ...]  # key, swatch, text baseline, text
    axis_y: float
    ticks: tuple[tuple[float, str], ...]  # x, label


class ReviewBars(QWidget):
    """Up and Down move the highlighted incident; Enter or a double-click opens it."""

    activated = Signal(str)  # an incident id
    current_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._review: SetReview | None = None
        self._zone: tzinfo = UTC
        self._current = -1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Phases of each incident")
        self.setMinimumHeight(60)

    # -- the data ----------------------------------------------------------

    def set_review(self, review: SetReview | None, zone: tzinfo) -> None:
        self._review, self._zone = review, zone
        self._current = 0 if review and review.incidents else -1
        self.updateGeometry()
        self.update()
        self.current_changed.emit(self._current)

    @property
    def incidents(self) -> tuple[IncidentReview, ...]:
        return self._review.incidents if self._review else ()

    def current_row(self) -> int:
        return self._current

    def set_current_row(self, row: int) -> None:
        if not self.incidents:
            return
        row = max(0, min(row, len(self.incidents) - 1))
        if row != self._current:
            self._current = row
            self.update()
            self.current_changed.emit(row)

    def current_incident(self) -> str | None:
        rows = self.incidents
        return rows[self._current].state.id if 0 <= self._current < len(rows) else None

    # -- geometry ----------------------------------------------------------

    def _metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.font())

    def _row_height(self) -> float:
        return round(self._metrics().height() * 1.9)

    def chart_height(self) -> float:
        fm = self._metrics()
        legend = fm.height() + 10
        axis = fm.height() + 12
        return MARGIN * 2 + legend + len(self.incidents) * self._row_height() + axis

    def sizeHint(self) -> QSize:
        return QSize(860, int(self.chart_height()))

    def minimumSizeHint(self) -> QSize:
        return QSize(420, int(self.chart_height()))

    def chart_layout(self, rect: QRectF | None = None) -> ChartLayout:
        """Where everything goes in `rect` (the widget by default): computed once, both
        painted and hit-tested from it."""
        rect = QRectF(self.rect()) if rect is None else rect
        fm = self._metrics()
        rows = self.incidents
        labels = [bar_label(r, self._zone) for r in rows]
        totals = [bar_total(r) for r in rows]
        total_texts = [format_duration(t) if t is not None else "—" for t in totals]
        inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        bold = QFont(self.font())
        bold.setBold(True)  # the highlighted incident's label is bold: room for it too
        widest = QFontMetricsF(bold)
        label_w = min(
            max((widest.horizontalAdvance(text) + 4 for text in labels), default=0.0),
            inner.width() * 0.35,
        )
        total_w = max(
            (fm.horizontalAdvance(text) for text in [*total_texts, "00h 00m"]), default=0.0
        )
        track_left = inner.left() + label_w + GAP
        track_w = max(inner.width() - label_w - total_w - 2 * GAP, 10.0)
        scale = bar_scale(rows)

        legend = self._legend(inner, fm)
        top = inner.top() + fm.height() + 10
        row_h = self._row_height()
        bar_h = round(fm.height() * 1.1)
        laid = []
        for index, review in enumerate(rows):
            row_top = top + index * row_h
            bar_top = row_top + (row_h - bar_h) / 2
            track = QRectF(track_left, bar_top, track_w, bar_h)
            phases = {p.kind.key: p for p in review.phases}
            segments = tuple(
                Segment(
                    phases[key],
                    QRectF(
                        track_left + offset,
                        bar_top,
                        max(length, MIN_SEGMENT),
                        bar_h,
                    ),
                )
                for key, offset, length in bar_segments(review, scale, track_w)
                if length > 0  # a phase of no time (opened when detected) has nothing to show
            )
            laid.append(
                BarRow(
                    review,
                    QRectF(inner.left() - MARGIN / 2, row_top, inner.width() + MARGIN, row_h),
                    QRectF(inner.left(), row_top, label_w, row_h),
                    track,
                    QRectF(track.right() + GAP, row_top, total_w, row_h),
                    segments,
                )
            )
        axis_y = top + len(rows) * row_h + 4
        most = max(int(track_w // max(fm.horizontalAdvance("00h00") + 24, 1.0)), 1)
        ticks = tuple(
            (track_left + seconds / scale * track_w, text)
            for seconds, text in axis_ticks(scale, most)
        )
        return ChartLayout(tuple(laid), legend, axis_y, ticks)

    def _legend(
        self, inner: QRectF, fm: QFontMetricsF
    ) -> tuple[tuple[str, QRectF, QPointF, str], ...]:
        """Each phase's name and span on one line, the spans left out when they do not fit."""
        swatch = fm.height() * 0.75
        for long in (True, False):
            texts = [f"{k.name} ({k.span})" if long else k.name for k in PHASE_KINDS]
            width = sum(swatch + 6 + fm.horizontalAdvance(t) + 18 for t in texts)
            if width <= inner.width() or not long:
                break
        items = []
        x = inner.left()
        baseline = inner.top() + fm.ascent()
        for kind, text in zip(PHASE_KINDS, texts, strict=True):
            box = QRectF(x, inner.top() + (fm.height() - swatch) / 2, swatch, swatch)
            items.append((kind.key, box, QPointF(x + swatch + 6, baseline), text))
            x += swatch + 6 + fm.horizontalAdvance(text) + 18
        return tuple(items)

    def segment_rects(self) -> list[list[tuple[str, QRectF]]]:
        """Per incident (in order), each drawn phase as (phase name, its rect)."""
        return [
            [(s.phase.kind.name, s.rect) for s in row.segments] for row in self.chart_layout().rows
        ]

    def row_at(self, pos: QPointF) -> int:
        return next(
            (i for i, row in enumerate(self.chart_layout().rows) if row.row.contains(pos)), -1
        )

    def tooltip_at(self, pos: QPointF) -> str | None:
        for row in self.chart_layout().rows:
            for segment in row.segments:
                if segment.rect.adjusted(-1, 0, 1, 0).contains(pos):
                    return phase_tooltip(row.review, segment.phase, self._zone)
            if row.label.contains(pos):
                state = row.review.state
                return f"{state.id}\n{state.title}\nDouble-click or Enter opens it."
        return None

    # -- drawing -----------------------------------------------------------

    def paint(self, painter: QPainter, rect: QRectF, *, highlight: bool = True) -> None:
        """The whole chart into `rect` of any paint device (the screen, a PNG); an export
        leaves out the highlighted incident."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        layout = self.chart_layout(rect)
        fm = self._metrics()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.font())
        for key, box, baseline, label in layout.legend:
            painter.fillRect(box, phase_colour(key, dark))
            painter.setPen(text)
            painter.drawText(baseline, label)
        track_fill = QColor(text)
        track_fill.setAlpha(22)
        bold = QFont(self.font())
        bold.setBold(True)
        for index, row in enumerate(layout.rows):
            current = highlight and index == self._current
            if current:
                fill = QColor(palette.color(QPalette.ColorRole.Highlight))
                fill.setAlpha(110 if self.hasFocus() else 50)
                painter.fillRect(row.row, fill)
                if self.hasFocus():
                    painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1))
                    painter.drawRect(row.row.adjusted(0.5, 0.5, -0.5, -0.5))
            painter.setFont(bold if current else self.font())
            painter.setPen(text)
            label = bar_label(row.review, self._zone)
            elided = painter.fontMetrics().elidedText(
                label, Qt.TextElideMode.ElideRight, int(row.label.width())
            )
            painter.drawText(
                row.label, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided
            )
            painter.setFont(self.font())
            painter.fillRect(row.track, track_fill)
            for segment in row.segments:
                painter.fillRect(segment.rect, phase_colour(segment.phase.kind.key, dark))
            total = bar_total(row.review)
            painter.setPen(text if total is not None else muted)
            painter.drawText(
                row.total,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                format_duration(total) if total is not None else "—",
            )
        if layout.rows:
            left = layout.rows[0].track.left()
            right = layout.rows[0].track.right()
            painter.setPen(QPen(muted, 1))
            painter.drawLine(QPointF(left, layout.axis_y), QPointF(right, layout.axis_y))
            for x, label in layout.ticks:
                painter.drawLine(QPointF(x, layout.axis_y), QPointF(x, layout.axis_y + 4))
                width = fm.horizontalAdvance(label)
                painter.setPen(text)
                painter.drawText(QPointF(x - width / 2, layout.axis_y + 6 + fm.ascent()), label)
                painter.setPen(QPen(muted, 1))
        painter.restore()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.paint(painter, QRectF(self.rect()))
        painter.end()

    def png(self, width: int = 1000) -> bytes:
        """The chart alone as a PNG, on the window's background."""
        height = int(self.chart_height())
        image = QImage(QSize(width, height), QImage.Format.Format_ARGB32)
        image.fill(self.palette().color(QPalette.ColorRole.Window))
        painter = QPainter(image)
        self.paint(painter, QRectF(0, 0, width, height), highlight=False)
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        QImageWriter(buffer, QByteArray(b"PNG")).write(image)
        return bytes(buffer.data().data())

    # -- input -------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(QPointF(event.pos()))
            if tip is None:
                QToolTip.hideText()
                event.ignore()
            else:
                rich = "<qt>" + "<br>".join(escape(line) for line in tip.split("\n")) + "</qt>"
                QToolTip.showText(event.globalPos(), rich, self)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        moves = {
            Qt.Key.Key_Up: self._current - 1,
            Qt.Key.Key_Down: self._current + 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: len(self.incidents) - 1,
        }
        if key in moves and self.incidents:
            self.set_current_row(moves[Qt.Key(key)])
            event.accept()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current_incident():
            self.activated.emit(self.current_incident())
            event.accept()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position())
        if row >= 0:
            self.set_current_row(row)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position())
        if row >= 0:
            self.set_current_row(row)
            self.activated.emit(self.incidents[row].state.id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)
