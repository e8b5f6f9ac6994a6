"""The incident panel, asking before resolving while production changes made during
the incident are not reviewed (reverted or made permanent)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from commander_app.core.divergences import resolve_refusal
from commander_app.core.model import IncidentState, Status
from commander_app.store import decisions
from commander_app.ui.incident_panel import IncidentPanel


class GuardedIncidentPanel(IncidentPanel):
    """Every way to resolve (the status box, Alt+4) passes through `set_status`."""

    def set_status(self, status: Status) -> bool:
        if status is not Status.RESOLVED:
            return super().set_status(status)
        state = self.state
        if state is None:
            return False
        pending = list(decisions.pending_changes(self._log, state.id))
        if pending and not self.confirm_resolve(state, resolve_refusal(pending, "")):
            self.show_incident(state)  # the status box goes back
            return False
        return self._act(
            lambda s: decisions.resolve(
                self._log, s.id, author=self._author, confirmed=bool(pending)
            )
        )

    def confirm_resolve(self, state: IncidentState, why: str) -> bool:
        """Ask; tests answer by replacing this method."""
        answer = QMessageBox.question(
            self,
            "Resolve with changes not reviewed?",
            f"{why}\n\nResolve “{state.title}” anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes
