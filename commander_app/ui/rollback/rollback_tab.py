"""The rollback tab, and the slot above the workspace where its "did it work?" bar shows.

Neither is part of the window's first paint (the board tab is in front, and the bar
shows only when an outcome is due), so the panel and its modules load just after it,
or sooner when something asks for the panel.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from commander_app.core.clock import Clock
from commander_app.store.incident_log import IncidentLog

if TYPE_CHECKING:
    from commander_app.ui.rollback.rollback_panel import RollbackPanel


class RollbackTab(QScrollArea):
    """Scrolls rather than squeezing the incident's state and roles off the screen."""

    wrote = Signal()
    problem = Signal(str)

    def __init__(self, log: IncidentLog, author: str, clock: Clock, zone: tzinfo) -> None:
        super().__init__()
        self._log, self._author, self._clock, self._zone = log, author, clock, zone
        self._panel: RollbackPanel | None = None
        self._incident_id: str | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.prompt_slot = QWidget()  # empty, so takes no room, until the panel is built
        slot = QVBoxLayout(self.prompt_slot)
        slot.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._panel is not None

    def build(self) -> RollbackPanel:
        """The panel, built now if it was not yet."""
        if self._panel is None:
            from commander_app.ui.rollback.rollback_panel import RollbackPanel

            panel = RollbackPanel(self._log, self._author, self._clock, self._zone)
            self._panel = panel
            self.setWidget(panel)
            layout = self.prompt_slot.layout()
            assert layout is not None
            layout.addWidget(panel.prompt)
            panel.wrote.connect(self.wrote)
            panel.problem.connect(self.problem)
            panel.show_incident(self._incident_id)
        return self._panel

    def showEvent(self, event: QShowEvent) -> None:
        self.build()  # the tab was chosen before the panel was built
        super().showEvent(event)

    def show_incident(self, incident_id: str | None) -> None:
        """Follows the window's incident; reads the log only once the panel exists."""
        self._incident_id = incident_id
        if self._panel is not None:
            self._panel.show_incident(incident_id)

    def stop(self) -> None:
        if self._panel is not None:
            self._panel.stop()
