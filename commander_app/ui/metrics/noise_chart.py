"""The noise report's chart: the alerts that cost the most page-hours, one bar each, the
night's share darker, coloured by the change the report proposes; drawn with QPainter."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from commander_app.core.alert_noise import NoiseRow, Proposal
from commander_app.ui.metrics.noise_model import PROPOSAL_WORDS
from commander_app.ui.palette import is_dark

MOST_BARS = 12
ROW = 22.0
MARGIN = 8.0
GAP = 10.0
# Hues (0-359) per proposal; lightness follows the theme as in ui/palette.py.
PROPOSAL_HUES = {
    Proposal.DELETE: 0,
    Proposal.DEMOTE: 30,
    Proposal.RETUNE: 50,
    Proposal.ADD_CONTEXT: 205,
    Proposal.KEEP: -1,  # grey
}


def proposal_colour(proposal: Proposal, *, night: bool = False) -> QColor:
    dark = is_dark()
    hue = PROPOSAL_HUES.get(proposal, -1)
    lightness = (150 if dark else 125) - (45 if night else 0)
    return QColor.fromHsl(hue, 0 if hue < 0 else 150, lightness)


def charted(rows: list[NoiseRow]) -> list[NoiseRow]:
    """The alerts worth a bar: those that paged, the costliest first."""
    paged = [r for r in rows if r.page_hours > 0]
    paged.sort(key=lambda r: (-r.page_hours, r.name))
    return paged[:MOST_BARS]


class NoiseChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[NoiseRow] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Page-hours per alert")

    def show_rows(self, rows: list[NoiseRow]) -> None:
        self.rows = charted(rows)
        self.setToolTip(
            "\n".join(
                f"{r.name}: {r.page_hours:.1f} page-hours, {r.sleep_hours:.1f} at night "
                f"— {PROPOSAL_WORDS[r.proposal]}"
                for r in self.rows
            )
        )
        self.setMinimumHeight(self.sizeHint().height())  # every bar readable, never squeezed
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, int(MARGIN * 2 + ROW * (max(len(self.rows), 1) + 1)))

    def minimumSizeHint(self) -> QSize:
        return QSize(300, int(MARGIN * 2 + ROW * 2))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        font = QFont(self.font())
        metrics = QFontMetricsF(font)
        width = float(self.width())
        title = "Page-hours per alert (the night's part darker), coloured by the proposed change"
        painter.drawText(QRectF(MARGIN, MARGIN, width - 2 * MARGIN, ROW),
                         int(Qt.AlignmentFlag.AlignVCenter), title)  # fmt: skip
        if not self.rows:
            painter.drawText(QRectF(MARGIN, MARGIN + ROW, width - 2 * MARGIN, ROW),
                             int(Qt.AlignmentFlag.AlignVCenter),
                             "No alert paged in these incidents.")  # fmt: skip
            painter.end()
            return
        label_w = min(max(metrics.horizontalAdvance(r.name) for r in self.rows) + GAP, width / 3)
        totals = [f"{r.page_hours:.1f} h ({r.sleep_hours:.1f} at night) · "
                  f"{PROPOSAL_WORDS[r.proposal]}" for r in self.rows]  # fmt: skip
        total_w = max(metrics.horizontalAdvance(t) for t in totals) + GAP
        bar_w = max(width - 2 * MARGIN - label_w - total_w, 20.0)
        most = max(r.page_hours for r in self.rows)
        for n, (row, total) in enumerate(zip(self.rows, totals, strict=True)):
            top = MARGIN + ROW * (n + 1)
            name = metrics.elidedText(row.name, Qt.TextElideMode.ElideRight, label_w - GAP)
            painter.setPen(text)
            painter.drawText(QRectF(MARGIN, top, label_w, ROW),
                             int(Qt.AlignmentFlag.AlignVCenter), name)  # fmt: skip
            length = max(bar_w * row.page_hours / most, 2.0)
            night = length * (row.sleep_hours / row.page_hours) if row.page_hours else 0.0
            bar = QRectF(MARGIN + label_w, top + 4, length, ROW - 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(proposal_colour(row.proposal))
            painter.drawRect(bar)
            if night > 0:
                painter.setBrush(proposal_colour(row.proposal, night=True))
                painter.drawRect(QRectF(bar.left(), bar.top(), night, bar.height()))
            painter.setPen(text)
            painter.drawText(QRectF(bar.right() + GAP / 2, top, total_w, ROW),
                             int(Qt.AlignmentFlag.AlignVCenter), total)  # fmt: skip
        painter.end()
