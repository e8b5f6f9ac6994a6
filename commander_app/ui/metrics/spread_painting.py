"""A trend drawn with QPainter: per bucket, the interquartile range as a box, the median
as a bar and a dot, n under each bucket; a bucket of fewer than `FEW` is drawn faded,
one with no value leaves its place empty. The same drawing goes to the window, a PNG
and an SVG (QtGui and QtSvg only: measured against QtCharts, pyqtgraph and matplotlib,
it costs the bundle 0.1 MB and the view 9 ms of imports; see the README).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPalette, QPen

from commander_app.core.trends import Trend

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class ChartColours:
    background: QColor
    text: QColor
    accent: QColor

    @staticmethod
    def of(palette: QPalette) -> ChartColours:
        return ChartColours(
            palette.color(QPalette.ColorRole.Base),
            palette.color(QPalette.ColorRole.WindowText),
            palette.color(QPalette.ColorRole.Highlight),
        )

    @staticmethod
    def printed() -> ChartColours:
        """For a file that goes into a report: dark on white, whatever the desktop."""
        return ChartColours(QColor("#ffffff"), QColor("#1f2328"), QColor("#2f6fb0"))


@dataclass(frozen=True)
class Scale:
    """How a trend's values read on the axis: seconds as minutes or hours, counts as is."""

    divisor: float
    unit: str  # "min", "h" or "" (a count)
    top: float  # the axis maximum, in shown units
    step: float

    def shown(self, value: float) -> float:
        return value / self.divisor


def scale_of(trend: Trend) -> Scale:
    highest = max(
        (v for s in trend.buckets for v in (s.q3, s.median) if v is not None), default=0.0
    )
    divisor, unit = 1.0, ""
    if trend.unit == "seconds":
        divisor, unit = (3600.0, "h") if highest >= 3 * 3600 else (60.0, "min")
    top, step = nice_axis(highest / divisor)
    return Scale(divisor, unit, top, step)


def nice_axis(highest: float, ticks: int = 5) -> tuple[float, float]:
    """An axis top at or above `highest`, with a round step (1, 2, 2.5 or 5 × 10^k)."""
    if highest <= 0:
        return 1.0, 0.25
    rough = highest / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return float(step * math.ceil(highest / step - 1e-9)), float(step)


def bucket_label(bucket: str) -> str:
    """'2026-03' → 'Mar 26', '2026-Q1' → 'Q1 26': short enough for 24 buckets side by side."""
    year, part = bucket.split("-", 1)
    if part.startswith("Q"):
        return f"{part} {year[2:]}"
    return f"{_MONTHS[int(part) - 1]} {year[2:]}"


def _labels(trend: Trend, n: int, short: bool) -> tuple[str, ...]:
    spread = trend.buckets[n]
    if not short:
        return bucket_label(spread.bucket), f"n={spread.n}"
    year, part = spread.bucket.split("-", 1)
    first_of_year = n == 0 or part in ("01", "Q1")
    return (
        part if part.startswith("Q") else _MONTHS[int(part) - 1],
        f"n={spread.n}",
        (year if first_of_year else ""),
    )


def _number(value: float) -> str:
    return f"{value:g}" if value < 10 or value.is_integer() else f"{value:.0f}"


@dataclass(frozen=True)
class Layout:
    """Where everything goes in a rectangle: the plot, and one slot per bucket."""

    plot: QRectF
    slots: tuple[QRectF, ...]
    scale: Scale

    def y(self, value: float) -> float:
        shown = self.scale.shown(value)
        return self.plot.bottom() - shown / self.scale.top * self.plot.height()

    def slot_at(self, point: QPointF) -> int:
        """The bucket under a point (any height within the chart), or -1."""
        for n, slot in enumerate(self.slots):
            if slot.left() <= point.x() < slot.right():
                return n
        return -1


def layout(trend: Trend, rect: QRectF, metrics: QFontMetricsF) -> Layout:
    scale = scale_of(trend)
    line = metrics.height()
    left = metrics.horizontalAdvance(f"{_number(scale.top)} min") + 14
    plot = QRectF(
        rect.left() + left,
        rect.top() + line * 2 + 6,
        max(rect.width() - left - 12, 10.0),
        max(rect.height() - line * 6 - 18, 10.0),  # title above; label, n, year, note below
    )
    count = max(len(trend.buckets), 1)
    width = plot.width() / count
    slots = tuple(
        QRectF(plot.left() + width * n, rect.top(), width, rect.height())
        for n in range(len(trend.buckets))
    )
    return Layout(plot, slots, scale)


def paint_trend(
    painter: QPainter,
    rect: QRectF,
    trend: Trend,
    colours: ChartColours,
    font: QFont,
    highlighted: int = -1,
) -> Layout:
    """Draw `trend` into `rect`; returns the layout (for hit tests)."""
    metrics = QFontMetricsF(font)
    where = layout(trend, rect, metrics)
    plot, scale, line = where.plot, where.scale, metrics.height()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(rect, colours.background)
    title_font = QFont(font)
    title_font.setBold(True)
    painter.setFont(title_font)
    painter.setPen(colours.text)
    unit = f" ({scale.unit})" if scale.unit else ""
    title = f"{trend.label}{unit}: median and interquartile range"
    title_metrics = QFontMetricsF(title_font)
    if title_metrics.horizontalAdvance(title) > rect.width() - 8:  # a small chart
        title = title_metrics.elidedText(
            f"{trend.label}{unit}", Qt.TextElideMode.ElideRight, rect.width() - 8
        )
    painter.drawText(
        QRectF(rect.left(), rect.top() + 2, rect.width(), line + 4),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
        title,
    )
    painter.setFont(font)
    _axis(painter, where, colours, metrics)
    if not trend.buckets:
        painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No incidents with these filters")
    # "Mar 26" where it fits; else "Mar", with the year under January and the first.
    widest = max(
        (metrics.horizontalAdvance(bucket_label(b.bucket)) for b in trend.buckets), default=0
    )
    slot_width = where.slots[0].width() if where.slots else 1.0
    short = widest > slot_width - 4
    # Where even "Mar" does not fit, every k-th bucket is labelled (the tooltip has all).
    month = metrics.horizontalAdvance("May") + 4
    every = max(1, math.ceil(month / slot_width)) if short else 1
    counts = metrics.horizontalAdvance("n=888") + 4 <= slot_width
    for n, spread in enumerate(trend.buckets):
        slot = where.slots[n]
        centre = slot.center().x()
        faded = spread.too_few
        if n == highlighted:
            mark = QColor(colours.accent)
            mark.setAlphaF(0.12)
            painter.fillRect(QRectF(slot.left(), plot.top(), slot.width(), plot.height()), mark)
        if spread.median is not None and spread.q1 is not None and spread.q3 is not None:
            strength = 0.35 if faded else 1.0
            box_width = min(slot.width() * 0.55, 56.0)
            top, bottom = where.y(spread.q3), where.y(spread.q1)
            box = QRectF(centre - box_width / 2, top, box_width, max(bottom - top, 1.5))
            fill, edge, middle = (
                QColor(colours.accent),
                QColor(colours.accent),
                QColor(colours.text),
            )
            fill.setAlphaF(0.30 * strength)
            edge.setAlphaF(strength)
            middle.setAlphaF(strength)
            painter.setPen(QPen(edge, 1))
            painter.setBrush(fill)
            painter.drawRect(box)
            y = where.y(spread.median)
            painter.setPen(QPen(middle, 2.5))
            painter.drawLine(QPointF(box.left(), y), QPointF(box.right(), y))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(middle)
            painter.drawEllipse(QPointF(centre, y), 3, 3)
        label = QColor(colours.text)
        label.setAlphaF(0.5 if faded else 0.9)
        painter.setPen(label)
        below = plot.bottom() + 4
        labels = _labels(trend, n, short) if n % every == 0 else ("", "", "")
        if not counts:
            labels = (labels[0], "", *labels[2:])
        room = max(slot.width() * every, metrics.horizontalAdvance("2026") + 4)
        for row, text in enumerate(labels):
            painter.drawText(
                QRectF(centre - room / 2, below + row * line, room, line),
                Qt.AlignmentFlag.AlignHCenter,
                text,
            )
    note = QColor(colours.text)
    note.setAlphaF(0.6)
    painter.setPen(note)
    painter.drawText(
        QRectF(rect.left(), plot.bottom() + 4 + line * 3 + 2, rect.width(), line),
        Qt.AlignmentFlag.AlignHCenter,
        "faded: fewer than 5 incidents, too few to read a trend from",
    )
    painter.restore()
    return where


def _axis(painter: QPainter, where: Layout, colours: ChartColours, metrics: QFontMetricsF) -> None:
    plot, scale = where.plot, where.scale
    grid = QColor(colours.text)
    grid.setAlphaF(0.15)
    value = 0.0
    while value <= scale.top + 1e-9:
        y = plot.bottom() - value / scale.top * plot.height()
        painter.setPen(QPen(grid, 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(colours.text)
        painter.drawText(
            QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            _number(value),
        )
        value += scale.step
    painter.setPen(QPen(colours.text, 1))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())


EXPORT_SIZE = QSize(960, 420)  # one chart; several stack downwards


def trend_png(trend: Trend, size: QSize = EXPORT_SIZE) -> bytes:
    return trends_png([trend], size)


def trend_svg(trend: Trend, size: QSize = EXPORT_SIZE) -> str:
    return trends_svg([trend], size)


def trends_png(trends: Sequence[Trend], size: QSize = EXPORT_SIZE) -> bytes:
    """The charts one under another as PNG bytes (printed colours, twice the pixels for a
    sharp print)."""
    whole = QSize(size.width(), size.height() * max(len(trends), 1))
    image = QImage(whole * 2, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2.0)
    image.fill(ChartColours.printed().background)
    painter = QPainter(image)
    try:
        _paint_printed(painter, trends, size)
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; Qt a str
    buffer.close()
    return bytes(data.data())


def trends_svg(trends: Sequence[Trend], size: QSize = EXPORT_SIZE) -> str:
    """The charts one under another as SVG text, for a file or inline in the HTML report."""
    from PySide6.QtSvg import QSvgGenerator

    whole = QSize(size.width(), size.height() * max(len(trends), 1))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(whole)
    generator.setViewBox(QRectF(0, 0, whole.width(), whole.height()))
    generator.setTitle(", ".join(t.label for t in trends))
    painter = QPainter(generator)
    try:
        _paint_printed(painter, trends, size)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data()).decode("utf-8")


def _paint_printed(painter: QPainter, trends: Sequence[Trend], size: QSize) -> None:
    for n, trend in enumerate(trends):
        rect = QRectF(0, n * size.height(), size.width(), size.height())
        paint_trend(painter, rect, trend, ChartColours.printed(), QFont())


def offscreen_painting() -> None:
    """Painting needs a QGuiApplication: the CLI, which has none, gets one that opens no
    window and needs no display."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        global _APP
        _APP = QGuiApplication(["commander"])


_APP: object = None
