"""One trend as a chart in the window: hover a bucket for its figures and the incidents
behind it, click (or Enter) to open one. Left and Right move between buckets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QMenu, QToolTip, QWidget

from commander_app.core.trends import FEW, FiguredIncident, Trend, shown
from commander_app.ui.metrics.spread_painting import (
    ChartColours,
    Layout,
    bucket_label,
    layout,
    paint_trend,
)

MOST_LISTED = 12  # incidents named in a tooltip; the rest are counted


class SpreadChart(QWidget):
    incident_chosen = Signal(str)  # an incident id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(420, 240)
        self.trend: Trend | None = None
        self._incidents: Mapping[str, FiguredIncident] = {}
        self.highlighted = -1
        self.setAccessibleName("Trend chart")

    def show_trend(self, trend: Trend | None, incidents: Mapping[str, FiguredIncident]) -> None:
        self.trend = trend
        self._incidents = incidents
        self.highlighted = -1
        if trend is not None:
            self.setAccessibleName(f"Trend chart: {trend.label}")
        self.update()

    def current_layout(self) -> Layout | None:
        if self.trend is None:
            return None
        return layout(self.trend, QRectF(self.rect()), QFontMetricsF(self.font()))

    # -- what a bucket holds ------------------------------------------------------

    def incidents_in(self, index: int) -> list[tuple[str, str]]:
        """(id, "title — value") of the incidents behind a bucket, smallest value first."""
        if self.trend is None or not 0 <= index < len(self.trend.buckets):
            return []
        key, unit = self.trend.key, self.trend.unit
        listed = []
        for incident_id in self.trend.buckets[index].incident_ids:
            incident = self._incidents.get(incident_id)
            if incident is None:
                continue
            value = (incident.figures.get(key) or {}).get("value")
            number = shown(float(value), unit) if isinstance(value, int | float) else "—"
            listed.append((incident_id, f"{incident.title} — {number}"))
        return listed

    def describe(self, index: int) -> str:
        """The tooltip of a bucket: n, median, IQR, and the incidents behind them."""
        if self.trend is None or not 0 <= index < len(self.trend.buckets):
            return ""
        s, unit = self.trend.buckets[index], self.trend.unit
        lines = [f"<b>{bucket_label(s.bucket)}</b> ({s.bucket}): n={s.n}"]
        if s.missing:
            lines[0] += f", {s.missing} without a value"
        if s.n:
            lines.append(
                f"median {shown(s.median, unit)}, IQR {shown(s.q1, unit)} – {shown(s.q3, unit)}"
            )
        if s.too_few and s.n:
            lines.append(f"<i>fewer than {FEW}: too few to read a trend from</i>")
        listed = self.incidents_in(index)
        lines += [_escape(text) for _, text in listed[:MOST_LISTED]]
        if len(listed) > MOST_LISTED:
            lines.append(f"… and {len(listed) - MOST_LISTED} more (click to choose)")
        elif listed:
            lines.append("<i>click or Enter to open one</i>")
        return "<br>".join(lines)

    def activate(self, index: int, at: QPoint | None = None) -> None:
        """Open the incident behind a bucket: at once if one, from a menu if several."""
        listed = self.incidents_in(index)
        if len(listed) == 1:
            self.incident_chosen.emit(listed[0][0])
            return
        if not listed:
            return
        menu = self.menu_for(index)
        menu.exec(at or self.mapToGlobal(self._slot_centre(index)))

    def menu_for(self, index: int) -> QMenu:
        menu = QMenu(self)
        for incident_id, text in self.incidents_in(index):
            action = menu.addAction(text)
            action.triggered.connect(
                lambda _c=False, chosen=incident_id: self.incident_chosen.emit(chosen)
            )
        return menu

    def _slot_centre(self, index: int) -> QPoint:
        where = self.current_layout()
        if where is None or not 0 <= index < len(where.slots):
            return self.rect().center()
        return QPoint(int(where.slots[index].center().x()), int(where.plot.center().y()))

    # -- events ----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.trend is None:
            return
        painter = QPainter(self)
        try:
            paint_trend(
                painter,
                QRectF(self.rect()),
                self.trend,
                ChartColours.of(self.palette()),
                self.font(),
                self.highlighted,
            )
        finally:
            painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        where = self.current_layout()
        index = where.slot_at(event.position()) if where else -1
        if index != self.highlighted:
            self.highlighted = index
            self.update()
        if index >= 0:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(index), self)
        else:
            QToolTip.hideText()

    def leaveEvent(self, event: Any) -> None:
        if not self.hasFocus():
            self.highlighted = -1
            self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        where = self.current_layout()
        if event.button() == Qt.MouseButton.LeftButton and where is not None:
            index = where.slot_at(QPointF(event.position()))
            if index >= 0:
                self.activate(index, event.globalPosition().toPoint())
                return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        count = len(self.trend.buckets) if self.trend else 0
        key = event.key()
        if count and key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End):
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(key), 0)
            if key == Qt.Key.Key_Home:
                self.highlighted = 0
            elif key == Qt.Key.Key_End:
                self.highlighted = count - 1
            else:
                start = self.highlighted if self.highlighted >= 0 else (-1 if step > 0 else count)
                self.highlighted = min(max(start + step, 0), count - 1)
            self.update()
            centre = self.mapToGlobal(self._slot_centre(self.highlighted))
            QToolTip.showText(centre, self.describe(self.highlighted), self)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.highlighted >= 0:
            self.activate(self.highlighted)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        if self.highlighted < 0 and self.trend is not None and self.trend.buckets:
            self.highlighted = len(self.trend.buckets) - 1  # the latest: what a reader asks first
        self.update()
        super().focusInEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
