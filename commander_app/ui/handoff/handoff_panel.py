"""Handing over command in the window: offer with a briefing, then accept or decline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from commander_app.core.model import IncidentState, RoleChange
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.ask import ask_text

# Runs one write on the shown incident; True if it was written (the panel reports refusals).
Act = Callable[[Callable[[IncidentState], object]], bool]


class HandoffPanel(QWidget):
    """The two steps of a handoff; every button calls the store function the CLI calls."""

    def __init__(
        self, log: IncidentLog, author: str, zone: tzinfo, act: Act, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._log, self._author, self._zone, self._act = log, author, zone, act
        self.hand_over = QPushButton("Hand over command…")
        self.hand_over.setToolTip("Offer command with a briefing; it changes hands on acceptance")
        self.note = QLabel("")
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setWordWrap(True)
        self.accept_button = QPushButton("Accept")
        self.decline_button = QPushButton("Decline")
        self.cancel_button = QPushButton("Withdraw")
        answers = QHBoxLayout()
        for button in (self.accept_button, self.decline_button, self.cancel_button):
            answers.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hand_over)
        layout.addWidget(self.note)
        layout.addLayout(answers)
        self.hand_over.clicked.connect(self.ask_handoff)
        self.accept_button.clicked.connect(lambda: self.answer(RoleChange.HANDOFF_ACCEPTED))
        self.decline_button.clicked.connect(lambda: self.answer(RoleChange.HANDOFF_DECLINED))
        self.cancel_button.clicked.connect(lambda: self.answer(RoleChange.HANDOFF_CANCELLED))

    def show_pending(self, pending: str | None) -> None:
        """Offer to hand over, or (while an offer waits) the answers to it."""
        self.note.setText(
            f"Command offered to {pending}: it changes hands when {pending} accepts."
            if pending
            else ""
        )
        self.note.setVisible(bool(pending))
        self.accept_button.setText(f"Accept for {pending}" if pending else "Accept")
        for button in (self.accept_button, self.decline_button, self.cancel_button):
            button.setVisible(bool(pending))
        self.hand_over.setVisible(not pending)

    def offer(self, to: str) -> str | None:
        """Offer command to `to`; returns the briefing handed over (None if refused)."""
        from commander_app.store import handoff  # the briefing's parts load on first use

        offered: list[str] = []

        def write(state: IncidentState) -> None:
            event = handoff.offer_handoff(
                self._log, state.id, to, author=self._author, local_zone=self._zone
            )
            offered.append(event.body["briefing"])

        return offered[0] if self._act(write) else None

    def answer(self, answer: RoleChange) -> bool:
        from commander_app.store import handoff

        steps = {
            RoleChange.HANDOFF_ACCEPTED: handoff.accept_handoff,
            RoleChange.HANDOFF_DECLINED: handoff.decline_handoff,
            RoleChange.HANDOFF_CANCELLED: handoff.cancel_handoff,
        }
        # Whoever clicks is the author; an acceptance entered for the incoming
        # commander records who entered it.
        return self._act(lambda s: steps[answer](self._log, s.id, author=self._author))

    def ask_handoff(self) -> None:
        name = ask_text(self, "Hand over command", "Who takes command?")
        if not name or not name.strip():
            return
        briefing = self.offer(name)
        if briefing is not None:
            from commander_app.ui.handoff.briefing_dialog import BriefingDialog

            BriefingDialog(
                f"Command offered to {name.strip()}. Read or send them this briefing; "
                "command changes hands when they accept.",
                briefing,
                self,
            ).exec()
