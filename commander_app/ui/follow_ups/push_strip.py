"""Under the Follow-ups list: how the selected item's push to its tracker stands when it
needs a person (it failed, or waits to try again after an error), with Retry and Cancel,
as `commander action push --retry/--cancel` does."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from commander_app.core.errors import CommanderError
from commander_app.core.follow_ups import FollowUpRow
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso
from commander_app.store import tracker_pushes
from commander_app.store.incident_log import IncidentLog
from commander_app.store.tracker_pushes import TrackerPush
from commander_app.ui.palette import warning

NEEDS_A_PERSON = (OutboxState.FAILED, OutboxState.RETRYING)


class PushStrip(QWidget):
    retried = Signal(str, str)  # push id, the line to show: it goes out again now
    cancelled = Signal(str)  # the line to show

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log, self._zone = log, zone
        self.push: TrackerPush | None = None
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setStyleSheet(f"color: {warning().name()}")
        self.retry_button = QPushButton("Retr&y push")
        self.retry_button.setToolTip("Try the push again now (commander action push --retry)")
        self.cancel_button = QPushButton("Cancel pus&h")
        self.cancel_button.setToolTip("Give the push up (commander action push --cancel)")
        for button in (self.retry_button, self.cancel_button):
            button.setAutoDefault(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.cancel_button)
        self.retry_button.clicked.connect(self.retry)
        self.cancel_button.clicked.connect(self.cancel)
        self.hide()

    def show_for(self, item: FollowUpRow | None) -> None:
        """Shown only while the item's latest push needs someone."""
        push = tracker_pushes.latest_for(self._log, item.id) if item else None
        if push is None or push.state not in NEEDS_A_PERSON:
            self.push = None
            self.hide()
            return
        self.push = push
        error = push.last_error or "no reason was recorded"
        if push.state is OutboxState.FAILED:
            text = f"The push of {push.request.number} to {push.channel} failed: {error}"
        else:
            at = from_iso(push.next_attempt_at).astimezone(self._zone).strftime("%H:%M")
            text = (
                f"The push of {push.request.number} to {push.channel} tries again at {at} "
                f"(attempt {push.attempts} failed: {error})"
            )
        if push.in_doubt:
            text += " It may have reached the tracker: it is looked for there before a new one."
        self.label.setText(text)
        self.show()

    def retry(self) -> bool:
        if self.push is None:
            return False
        try:
            push = tracker_pushes.retry(self._log, self.push.id)
        except CommanderError as exc:
            self.label.setText(str(exc))
            return False
        self.hide()
        self.push = None
        self.retried.emit(push.id, f"Pushing {push.request.number} to {push.channel} again…")
        return True

    def cancel(self) -> bool:
        if self.push is None:
            return False
        try:
            push = tracker_pushes.cancel(self._log, self.push.id)
        except CommanderError as exc:
            self.label.setText(str(exc))
            return False
        self.hide()
        self.push = None
        self.cancelled.emit(f"The push of {push.request.number} to {push.channel} is given up.")
        return True
