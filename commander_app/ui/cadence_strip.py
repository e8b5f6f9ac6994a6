"""Countdowns per audience: calm when far, amber when close, red when overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from commander_app.core.cadence import AudienceCadence, CadenceStatus
from commander_app.core.times import format_clock

AMBER = "background: #f0b429; color: black; font-weight: bold"
RED = "background: #c0392b; color: white; font-weight: bold"
MUTED = "color: palette(mid)"


def mmss(seconds: float) -> str:
    total = int(abs(seconds))
    minutes, secs = divmod(total, 60)
    return f"{minutes:02d}:{secs:02d}"


def describe(item: AudienceCadence, now: datetime, zone: tzinfo) -> tuple[str, str, str]:
    """A chip's short text (read at a glance), its style, and the full sentence."""
    name = item.audience.value.capitalize()
    left = item.seconds_left or 0.0
    due = f" (due {format_clock(item.due_at, now, zone)})" if item.due_at else ""
    status = item.status
    if status is CadenceStatus.OVERDUE or (status is CadenceStatus.RESOLVED_FINAL_DUE and left < 0):
        what = "final update" if status is CadenceStatus.RESOLVED_FINAL_DUE else "update"
        return (f"{name} overdue {mmss(left)}", RED, f"{name} {what} overdue by {mmss(left)}{due}")
    if status is CadenceStatus.DUE_SOON:
        return f"{name} {mmss(left)}", AMBER, f"{name} update due in {mmss(left)}{due}"
    if status is CadenceStatus.SNOOZED:
        reason = f": {item.snooze_reason}" if item.snooze_reason else ""
        return (
            f"{name} snoozed {mmss(left)}",
            "",
            f"{name} update snoozed{reason}; due in {mmss(left)}{due}",
        )
    if status is CadenceStatus.RESOLVED_FINAL_DUE:
        return f"{name} final {mmss(left)}", AMBER, f"{name} final update due in {mmss(left)}{due}"
    if status is CadenceStatus.DONE:
        return f"{name} done", MUTED, f"{name}: final update sent"
    if status is CadenceStatus.NOT_SCHEDULED:
        return f"{name} —", MUTED, f"{name}: no updates scheduled"
    return f"{name} {mmss(left)}", "", f"{name} update due in {mmss(left)}{due}"


class CadenceStrip(QWidget):
    """One button per audience; clicking one asks for a draft to that audience."""

    draft_requested = Signal(str)  # audience
    snooze_requested = Signal(str)  # audience

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = zone
        # Never widen the window: on a narrow screen the chips are clipped instead.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
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
            text, style, sentence = describe(item, now, self._zone)
            chip.setText(text)
            chip.setStyleSheet(style)
            chip.setToolTip(f"{sentence}. Click to draft it; right-click to snooze.")


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
        late = [sentence for _text, style, sentence in described if style == RED]
        self.setVisible(bool(late))
        if late:
            self.setText(" · ".join(late) + " — Ctrl+U drafts the most urgent update")
