"""The quick-capture line: type, press Enter, it is in the log."""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from commander_app.core.capture import HELP, parse_capture, split_prefixes
from commander_app.core.clock import Clock
from commander_app.core.errors import CommanderError
from commander_app.core.model import TEXT_KINDS, Kind
from commander_app.ui.error_line import ErrorLine


class CaptureBar(QWidget):
    """Emits `entry_ready` with a parsed entry; the window writes it and then calls
    `accepted()` (clears the line) or `rejected(reason)` (keeps every character)."""

    entry_ready = Signal(object)  # CaptureEntry, with the kind resolved

    def __init__(self, clock: Clock, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._zone = zone
        self.kind_box = QComboBox()
        for kind in TEXT_KINDS:
            self.kind_box.addItem(kind.value, kind)
        self.kind_box.setToolTip("Kind of entry (a prefix typed in the line wins)")
        self.line = QLineEdit()
        self.line.setPlaceholderText(
            "What happened? Enter logs it.  h hypothesis · f finding · d decision · "
            "a action · ! alert · @14:05 backfills"
        )
        self.line.setToolTip(HELP)
        self.preview = QLabel()
        self.preview.setMinimumWidth(110)
        self.error = ErrorLine()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.kind_box)
        row.addWidget(self.line, 1)
        row.addWidget(self.preview)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.error)
        column.addLayout(row)
        self.setFocusProxy(self.line)
        self.line.textEdited.connect(self._on_edit)
        self.line.returnPressed.connect(self.submit)
        self.kind_box.currentIndexChanged.connect(lambda _i: self._on_edit(self.line.text()))

    def selected_kind(self) -> Kind:
        return Kind(self.kind_box.currentData())  # Qt hands a str enum back as str

    def _on_edit(self, text: str) -> None:
        self.error.hide()
        kind, when, _rest = split_prefixes(text)
        shown = (kind or self.selected_kind()).value
        self.preview.setText(f"→ {shown}" + (f" @{when}" if when else ""))

    def submit(self) -> None:
        try:
            entry = parse_capture(self.line.text(), self._clock.now(), self._zone)
        except CommanderError as exc:
            self.rejected(str(exc))
            return
        kind = entry.kind or self.selected_kind()
        self.entry_ready.emit(replace(entry, kind=kind))

    def accepted(self) -> None:
        self.line.clear()
        self.error.hide()
        self._on_edit("")

    def rejected(self, reason: str) -> None:
        self.error.say(f"Not saved — {reason} Your text is still in the line.")
