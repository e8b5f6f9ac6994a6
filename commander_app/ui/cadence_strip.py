"""Countdowns per audience: calm when far, amber when close, red when overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from PySide6.QtCore import Signal
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


def describe(item: AudienceCadence, now: datetime, zone: tzinfo) -> tuple[str, str]:
    """The chip's text and style for one audience."""
    name = item.audience.value.capitalize()
    left = item.seconds_left
    due = format_clock(item.due_at, now, zone) if item.due_at else ""
    if item.status is CadenceStatus.OVERDUE or (
        item.status is CadenceStatus.RESOLVED_FINAL_DUE and left is not None and left < 0
    ):
        what = "final update" if item.status is CadenceStatus.RESOLVED_FINAL_DUE else "update"
        return f"{name} {what} overdue by {mmss(left or 0)}", RED
    if item.status is CadenceStatus.DUE_SOON:
        return f"{name} {mmss(left or 0)} (due {due})", AMBER
    if item.status is CadenceStatus.SNOOZED:
        return f"{name} snoozed, {mmss(left or 0)} (due {due})", ""
    if item.status is CadenceStatus.RESOLVED_FINAL_DUE:
        return f"{name} final update in {mmss(left or 0)}", AMBER
    if item.status is CadenceStatus.DONE:
        return f"{name} final update sent", MUTED
    if item.status is CadenceStatus.NOT_SCHEDULED:
        return f"{name} no updates scheduled", MUTED
    return f"{name} {mmss(left or 0)} (due {due})", ""


class CadenceStrip(QWidget):
    """One button per audience; clicking one asks for a draft to that audience."""

    draft_requested = Signal(str)  # audience

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
                chip.setToolTip(f"Draft the {item.audience.value} update")
                audience = item.audience.value
                chip.clicked.connect(lambda _c=False, a=audience: self.draft_requested.emit(a))
                self.chips[audience] = chip
                self._layout.insertWidget(2 + position, chip)
            text, style = describe(item, now, self._zone)
            chip.setText(text)
            chip.setStyleSheet(style)


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
        late = [text for text, style in described if style == RED]
        self.setVisible(bool(late))
        if late:
            self.setText(" · ".join(late) + " — Ctrl+U drafts the most urgent update")
