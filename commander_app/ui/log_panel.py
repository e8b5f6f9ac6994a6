"""What the panels beside the timeline share: the log they act on, and one way
to act on it that reports a refusal in the user's words or the write that happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from commander_app.core.clock import Clock
from commander_app.core.errors import CommanderError
from commander_app.store.incident_log import IncidentLog


class LogPanel(QWidget):
    wrote = Signal()  # something was logged; the window reads it back
    problem = Signal(str)  # a refusal, in the user's words

    def __init__(
        self,
        log: IncidentLog,
        author: str,
        clock: Clock,
        zone: tzinfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log, self._author, self._clock, self._zone = log, author, clock, zone
        self._build()

    def _build(self) -> None:
        """Each panel makes its widgets here; the constructor is shared."""

    def attempt(self, action: Callable[[], object]) -> bool:
        """Run one store action: True if it wrote; False, with the reason told, if not."""
        try:
            action()
        except CommanderError as exc:
            self.problem.emit(str(exc))
            self.after_refusal()
            return False
        self.wrote.emit()
        return True

    def after_refusal(self) -> None:
        """Put controls back as the log says they are (a combo box already moved)."""
