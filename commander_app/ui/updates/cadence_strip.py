"""Countdowns per audience: calm when far, amber when close, red when overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.countdown import countdown

AMBER = "background: #f0b429; color: black; font-weight: bold"
RED = "background: #c0392b; color: white; font-weight: bold"
MUTED = "color: palette(mid)"


class ChipText(NamedTuple):
    text: str  # read at a glance: "Executives · overdue 22 min"
    short: str  # the same where room is short: "Exec · overdue 22 min"
    style: str
    sentence: str  # the whole of it, for the tooltip and the banner
    overdue: bool


def describe(item: AudienceCadence, now: datetime, zone: tzinfo) -> ChipText:
    """A chip's text, in full and short (the core's wording), its colour, the sentence."""
    shown = countdown(item, now, zone)
    if shown.overdue:
        style = RED
    elif item.status in (CadenceStatus.DUE_SOON, CadenceStatus.RESOLVED_FINAL_DUE):
        style = AMBER
    elif item.status in (CadenceStatus.DONE, CadenceStatus.NOT_SCHEDULED):
        style = MUTED
    else:
        style = ""
    return ChipText(shown.text, shown.short, style, shown.sentence, shown.overdue)


class CadenceStrip(QWidget):
    """One button per audience; clicking one asks for a draft to that audience."""

    draft_requested = Signal(str)  # audience
    snooze_requested = Signal(str)  # audience

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = zone
        # Never widen the window: where the chips do not fit they say less (`_fit`).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._texts: dict[str, ChipText] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Next updates:")
        self._layout.addWidget(self.title)
        self.chips: dict[str, QPushButton] = {}
        self._layout.addStretch()
        self.idle = QLabel("No stakeholder updates scheduled for this incident.")
        self._layout.insertWidget(1, self.idle)

    def show_cadence(self, items: Sequence[AudienceCadence], now: datetime) -> None:
        shown = [i for i in items if i.status is not CadenceStatus.NOT_SCHEDULED]
        self.idle.setVisible(not shown)
        wanted = {i.audience.value for i in shown}
        for audience in list(self.chips):
            if audience not in wanted:
                self.chips.pop(audience).deleteLater()
                self._texts.pop(audience, None)
        for position, item in enumerate(shown):
            chip = self.chips.get(item.audience.value)
            if chip is None:
                chip = QPushButton()
                audience = item.audience.value
                chip.clicked.connect(lambda _c=False, a=audience: self.draft_requested.emit(a))
                chip.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
                snooze = QAction("Snooze…", chip)
                snooze.triggered.connect(lambda _c=False, a=audience: self.snooze_requested.emit(a))
                chip.addAction(snooze)
                self.chips[audience] = chip
                self._layout.insertWidget(2 + position, chip)
            described = describe(item, now, self._zone)
            self._texts[item.audience.value] = described
            chip.setStyleSheet(described.style)
            chip.setToolTip(f"{described.sentence}. Click to draft it; right-click to snooze.")
        self._fit()

    @property
    def compact(self) -> bool:
        return self.title.isHidden() and bool(self.chips)

    def _needed(self, short: bool) -> int:
        """The width the chips take with their full or short texts (the title too, if full)."""
        widths = [self.title.sizeHint().width()] if not short else []
        for audience, chip in self.chips.items():
            metrics = chip.fontMetrics()
            padding = chip.sizeHint().width() - metrics.horizontalAdvance(chip.text())
            text = self._texts[audience].short if short else self._texts[audience].text
            widths.append(metrics.horizontalAdvance(text) + padding)
        return sum(widths) + self._layout.spacing() * len(widths)

    def _fit(self) -> None:
        """Full texts where they fit; else the short ones, without the title (a chip cut
        off mid-word, "xecutives · overdue 4", is worse than an abbreviation)."""
        compact = bool(self.chips) and self._needed(short=False) > self.width()
        self.title.setHidden(compact)
        for audience, chip in self.chips.items():
            texts = self._texts[audience]
            chip.setText(texts.short if compact else texts.text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self._needed(short=False), hint.height()) if self.chips else hint

    def minimumSizeHint(self) -> QSize:
        """No narrower than the short texts: a window that may grow (the mini timer) never
        clips a chip. The main window's strip ignores its size hints and never widens it."""
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._needed(short=True)), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class OverdueBanner(QLabel):
    """The primary overdue signal: a red bar across the window while anything is late."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(RED + "; padding: 6px")
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hide()

    def show_cadence(self, items: Sequence[AudienceCadence], now: datetime, zone: tzinfo) -> None:
        described = [describe(item, now, zone) for item in items]
        late = [chip.sentence for chip in described if chip.overdue]
        self.setVisible(bool(late))
        if late:
            self.setText(" · ".join(late) + " — Ctrl+U drafts the most urgent update")
