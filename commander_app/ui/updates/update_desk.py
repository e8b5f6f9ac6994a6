"""The communicator's desk: the countdowns (strip, banner, mini timer) and the
dialogs they lead to (draft, snooze, cadence settings), for the selected incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from commander_app.core.cadence import Audience, AudienceCadence, CadenceStatus
from commander_app.core.errors import CommanderError
from commander_app.core.playbook import Playbook
from commander_app.store import playbook_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.playbook import InForce
from commander_app.ui.updates.cadence_strip import CadenceStrip, OverdueBanner, describe
from commander_app.ui.updates.cadence_watch import CadenceWatch
from commander_app.ui.updates.mini_timer import MiniTimer

if TYPE_CHECKING:  # the dialogs load on first use: templates bring Jinja2 (25 ms at start-up)
    from commander_app.ui.updates.cadence_settings import CadenceSettings
    from commander_app.ui.updates.draft_dialog import DraftDialog
    from commander_app.ui.updates.snooze_dialog import SnoozeDialog
    from commander_app.ui.updates.template_editor import TemplateEditor


class UpdateDesk(QObject):
    wrote = Signal()  # an update was logged as sent, or a reminder snoozed
    queued = Signal(list)  # a draft was sent: its outbox rows, to be delivered
    problem = Signal(str)
    fell_overdue = Signal(list)  # sentences for audiences that have just become overdue

    def __init__(self, log: IncidentLog, author: str, zone: tzinfo, window: QWidget) -> None:
        super().__init__(window)
        self._log, self._author, self._zone, self._window = log, author, zone, window
        self.incident_id: str | None = None
        self._overdue: set[Audience] = set()
        self.cadence = CadenceWatch(log, self)
        self.strip = CadenceStrip(zone)
        self.mini = MiniTimer(zone)
        self.banner = OverdueBanner()
        self.cadence.changed.connect(self._on_cadence)
        self.cadence.problem.connect(self.problem)
        self.cadence.playbook_changed.connect(self._log_playbook_change)
        for strip in (self.strip, self.mini.strip):
            strip.draft_requested.connect(self.draft)
            strip.snooze_requested.connect(self.snooze)
        self.mini.draft_button.clicked.connect(lambda: self.draft(None))

    def show_incident(self, incident_id: str | None) -> None:
        if incident_id != self.incident_id:
            self._overdue = set()  # another incident: its late updates are news again
        self.incident_id = incident_id
        self.cadence.show_incident(incident_id)

    def stop(self) -> None:
        self.cadence.stop()
        self.mini.close()

    def _on_cadence(self, items: Sequence[AudienceCadence]) -> None:
        now = self._log.clock.now()
        self.strip.show_cadence(items, now)
        self.mini.strip.show_cadence(items, now)
        self.banner.show_cadence(items, now, self._zone)
        late = {i.audience: i for i in items if i.overdue}
        news = [describe(late[a], now, self._zone).sentence for a in late if a not in self._overdue]
        self._overdue = set(late)
        if news:
            self.fell_overdue.emit(news)

    def _log_playbook_change(self, now: InForce, before: Playbook | None) -> None:
        """Each open incident notes the playbook now in force, if it recorded another."""
        try:
            playbook_log.record_change(self._log, now, author=self._author, before=before)
        except CommanderError as exc:
            self.problem.emit(f"Could not note the playbook change in the log: {exc}")

    def toggle_mini_timer(self) -> None:
        self.mini.setVisible(not self.mini.isVisible())

    def most_urgent(self) -> AudienceCadence | None:
        waiting = [
            item
            for item in self.cadence.current
            if item.seconds_left is not None
            and item.status not in (CadenceStatus.DONE, CadenceStatus.NOT_SCHEDULED)
        ]
        return min(waiting, key=lambda item: item.seconds_left or 0.0, default=None)

    def _audience(self, audience: str | None) -> Audience:
        urgent = self.most_urgent()
        return Audience(audience or (urgent.audience.value if urgent else Audience.INTERNAL))

    def draft(
        self, audience: str | None, *, template: str | None = None, over: QWidget | None = None
    ) -> DraftDialog | None:
        """The filled draft for `audience`, or for the most urgent one; from `template`
        instead of the one the audience and phase choose, when given; `over` another
        window of this one's (the postmortem's) instead of the main window."""
        if self.incident_id is None:
            self.problem.emit("Select or start an incident first.")
            return None
        from commander_app.ui.updates.draft_dialog import DraftDialog

        chosen = self._audience(audience)
        dialog = DraftDialog(
            self._log,
            self.incident_id,
            chosen,
            author=self._author,
            zone=self._zone,
            policy=self.cadence.policy,
            template=template,
            parent=over or self._window,
        )
        dialog.accepted.connect(self.wrote)
        dialog.queued.connect(self.queued)
        dialog.open()
        return dialog

    def snooze(self, audience: str | None) -> SnoozeDialog | None:
        if self.incident_id is None:
            self.problem.emit("Select or start an incident first.")
            return None
        from commander_app.ui.updates.snooze_dialog import SnoozeDialog

        dialog = SnoozeDialog(
            self._log,
            self.incident_id,
            self._audience(audience),
            author=self._author,
            policy=self.cadence.policy,
            parent=self._window,
        )
        dialog.accepted.connect(self.wrote)
        dialog.open()
        return dialog

    def settings(self) -> CadenceSettings:
        from commander_app.ui.updates.cadence_settings import CadenceSettings

        dialog = CadenceSettings(self.cadence.policy, self._window)
        dialog.accepted.connect(lambda: self.cadence.show_incident(self.incident_id))
        dialog.open()
        return dialog

    def edit_templates(self) -> TemplateEditor:
        """The template editor, previewing against the selected incident."""
        from commander_app.core.errors import CommanderError
        from commander_app.store.cadence import stakeholder_zone
        from commander_app.ui.updates.template_editor import TemplateEditor

        try:
            readers = stakeholder_zone(self.cadence.policy)
        except CommanderError:
            readers = self._zone  # the settings screen reports the bad name
        editor = TemplateEditor(
            self._log, self.incident_id, zone=self._zone, readers_zone=readers, parent=self._window
        )
        editor.open()
        return editor
