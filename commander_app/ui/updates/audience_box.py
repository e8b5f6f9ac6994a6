"""A choice of stakeholder audience, as the draft and snooze dialogs offer it."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from commander_app.core.cadence import Audience


class AudienceBox(QComboBox):
    def __init__(self, selected: Audience, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for choice in Audience:
            self.addItem(choice.value, choice.value)
        self.setCurrentIndex(self.findData(selected.value))

    def chosen(self) -> Audience:
        return Audience(self.currentData())  # Qt hands a str enum back as str
