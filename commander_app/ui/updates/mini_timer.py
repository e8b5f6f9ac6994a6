"""A small always-on-top window with the countdowns, for the communicator's second screen."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSizePolicy, QVBoxLayout, QWidget

from commander_app.ui.updates.cadence_strip import CadenceStrip


class MiniTimer(QWidget):
    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle("Commander — next updates")
        self.strip = CadenceStrip(zone)
        self.strip.title.setText("")
        # A window of its own may grow: never narrower than the short countdowns.
        self.strip.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.draft_button = QPushButton("Draft update")
        layout = QVBoxLayout(self)
        layout.addWidget(self.strip)
        layout.addWidget(self.draft_button)
