"""Publishing in the window: the outbox badge, the worker that drains it (and the follow-ups
waiting for their trackers), and its dialogs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from commander_app.core.outbox import OutboxState
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox_status import push_count, waiting_count
from commander_app.ui.publish.outbox_runner import OutboxRunner
from commander_app.ui.updates.cadence_strip import AMBER, RED

if TYPE_CHECKING:  # the dialogs load on first use
    from commander_app.store.outbox import OutboxEntry
    from commander_app.ui.publish.channel_settings import ChannelSettings
    from commander_app.ui.publish.outbox_dialog import OutboxDialog

BADGE_REFRESH_MS = 5_000  # the badge, and whether a retry has fallen due
# The same signal colours as the update countdowns: red needs you, amber is waiting.
_BADGE_STYLE = {
    "failed": f"QPushButton {{ {RED} }}",
    "waiting": f"QPushButton {{ {AMBER} }}",
    "empty": "",
}


class PublishDesk(QObject):
    message = Signal(str)  # one line for the status bar
    delivered = Signal()  # something was sent or failed: the log has new comms events
    pushes_wanted = Signal()  # the badge asked for a failed push of a follow-up

    def __init__(self, log: IncidentLog, author: str, zone: tzinfo, window: QWidget) -> None:
        super().__init__(window)
        self._log, self._author, self._zone, self._window = log, author, zone, window
        self.runner = OutboxRunner(log, self)
        self.badge = QPushButton()
        self.badge.setFlat(False)
        self.badge.setToolTip(
            "The outbox: updates waiting to go out, any that failed, and follow-ups whose push "
            "to a tracker failed"
        )
        self.badge.clicked.connect(self.open_badge)
        self._outbox: OutboxDialog | None = None
        self._pushes_failed, self._updates_pending = 0, False
        self._channels: ChannelSettings | None = None
        self.runner.attempted.connect(self._on_attempt)
        self.runner.drained.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(BADGE_REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.refresh()
        # Updates left waiting by an earlier run go out once the window is up.
        self._startup = QTimer(self)
        self._startup.setSingleShot(True)
        self._startup.timeout.connect(self.runner.tick)
        self._startup.start(1_000)

    def _tick(self) -> None:
        self.refresh()
        self.runner.tick()

    def refresh(self) -> None:
        waiting, failed = waiting_count(self._log)
        _, pushes_failed = push_count(self._log)
        if failed:
            text, look = f"Outbox: {failed} failed", "failed"
            if waiting:
                text += f", {waiting} waiting"
        elif waiting:
            text, look = f"Outbox: {waiting} waiting", "waiting"
        else:
            text, look = "Outbox: empty", "empty"
        if pushes_failed:
            text += f"; {pushes_failed} follow-up push{'es' if pushes_failed > 1 else ''} failed"
            look = "failed"
        self._pushes_failed = pushes_failed
        self._updates_pending = bool(waiting or failed)
        self.badge.setText(text)
        self.badge.setStyleSheet(_BADGE_STYLE[look])
        if self._outbox is not None and self._outbox.isVisible():
            self._outbox.refresh()

    def queued(self, entries: Sequence[OutboxEntry]) -> None:
        """A Send from a draft: say so at once, then deliver off the GUI thread. A drill's
        Send queues nothing: its update is in the drill outbox."""
        if not entries:
            self.message.emit(
                "Drill: the update is recorded in the drill outbox, not sent "
                "(see `commander drill outbox`)."
            )
            return
        names = ", ".join(e.channel for e in entries)
        audience = entries[0].audience.value if entries else ""
        self.message.emit(f"Update to {audience} queued for {names}; sending…")
        self.refresh()
        self.runner.poke()

    def push_queued(self, line: str) -> None:
        """A follow-up queued for its tracker (from the Follow-ups view): off it goes."""
        self.message.emit(line)
        self.runner.poke()

    def _on_attempt(self, _row_id: str, state: str, line: str) -> None:
        self.message.emit(line)
        self.delivered.emit()
        if state == OutboxState.FAILED.value:
            self.refresh()

    def open_badge(self) -> None:
        """The outbox, unless only a follow-up's push needs someone: then that item."""
        if self._pushes_failed and not self._updates_pending:
            self.pushes_wanted.emit()
        else:
            self.show_outbox()

    def show_outbox(self) -> OutboxDialog:
        from commander_app.ui.publish.outbox_dialog import OutboxDialog

        if self._outbox is None:
            self._outbox = OutboxDialog(self._log, self._author, self._zone, self._window)
            self._outbox.changed.connect(self.runner.poke)
            self._outbox.changed.connect(self.refresh)
            self._outbox.problem.connect(self.message)
        self._outbox.refresh()
        self._outbox.show()
        self._outbox.raise_()
        self._outbox.activateWindow()
        return self._outbox

    def show_channels(self) -> ChannelSettings:
        from commander_app.ui.publish.channel_settings import ChannelSettings

        if self._channels is None:
            self._channels = ChannelSettings(self._log, self._window)
        self._channels.reload()
        self._channels.show()
        self._channels.raise_()
        return self._channels

    def stop(self) -> None:
        self._timer.stop()
        self._startup.stop()
        self.runner.stop()
