"""Countdowns per audience: calm when far, amber when close, red when overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.model import Audience
from commander_app.core.times import format_clock

AMBER = "background: #f0b429; color: black; font-weight: bold"
RED = "background: #c0392b; color: white; font-weight: bold"
MUTED = "color: palette(mid)"


def mmss(seconds: float) -> str:
    total = int(abs(seconds))
    minutes, secs = divmod(total, 60)
    return f"{minutes:02d}:{secs:02d}"


class ChipText(NamedTuple):
    text: str  # read at a glance: "Executives overdue 01:30"
    short: str  # the same where room is short: "Exec -01:30"
    style: str
    sentence: str  # the whole of it, for the tooltip and the banner


_SHORT_NAMES = {Audience.INTERNAL: "Int", Audience.EXECUTIVES: "Exec", Audience.CUSTOMERS: "Cust"}


def describe(item: AudienceCadence, now: datetime, zone: tzinfo) -> ChipText:
    """A chip's text, in full and short, its style, and the full sentence."""
    name = item.audience.value.capitalize()
    short = _SHORT_NAMES[item.audience]
    left = item.seconds_left or 0.0
    clock = mmss(left)
    due = f" (due {format_clock(item.due_at, now, zone)})" if item.due_at else ""
    status = item.status
    if status is CadenceStatus.OVERDUE or (status is CadenceStatus.RESOLVED_FINAL_DUE and left < 0):
        what = "final update" if status is CadenceStatus.RESOLVED_FINAL_DUE else "update"
        return ChipText(
            f"{name} overdue {clock}",
            f"{short} -{clock}",
            RED,
            f"{name} {what} overdue by {clock}{due}",
        )
    if status is CadenceStatus.DUE_SOON:
        return ChipText(
            f"{name} {clock}", f"{short} {clock}", AMBER, f"{name} update due in {clock}{due}"
        )
    if status is CadenceStatus.SNOOZED:
        reason = f": {item.snooze_reason}" if item.snooze_reason else ""
        return ChipText(
            f"{name} snoozed {clock}",
            f"{short} zz {clock}",
            "",
            f"{name} update snoozed{reason}; due in {clock}{due}",
        )
    if status is CadenceStatus.RESOLVED_FINAL_DUE:
        return ChipText(
            f"{name} final {clock}",
            f"{short} final {clock}",
            AMBER,
            f"{name} final update due in {clock}{due}",
        )
    if status is CadenceStatus.DONE:
        return ChipText(f"{name} done", f"{short} done", MUTED, f"{name}: final update sent")
    if status is CadenceStatus.NOT_SCHEDULED:
        return ChipText(f"{name} —", f"{short} —", MUTED, f"{name}: no updates scheduled")
    return ChipText(f"{name} {clock}", f"{short} {clock}", "", f"{name} update due in {clock}{due}")


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
        off mid-word, "xecutives overdue 40:0", is worse than an abbreviation)."""
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
        late = [chip.sentence for chip in described if chip.style == RED]
        self.setVisible(bool(late))
        if late:
            self.setText(" · ".join(late) + " — Ctrl+U drafts the most urgent update")
