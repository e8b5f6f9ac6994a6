"""The selected incident's update cadence, recomputed every second from the
events it read when the log last changed (never from a counter)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from commander_app.core.cadence import AudienceCadence, CadencePolicy, cadence_state
from commander_app.core.errors import CommanderError
from commander_app.core.model import Event, IncidentState
from commander_app.store import playbook
from commander_app.store.cadence import cadence_events, policy_path
from commander_app.store.incident_log import IncidentLog
from commander_app.store.playbook import InForce

TICK_MS = 1_000


class CadenceWatch(QObject):
    changed = Signal(list)  # list[AudienceCadence]: the audiences with a schedule
    problem = Signal(str)
    # The playbook in force is read for the first time or is another one: (InForce, the
    # Playbook before or None).
    playbook_changed = Signal(object, object)

    def __init__(self, log: IncidentLog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self.policy = CadencePolicy()
        self.state: IncidentState | None = None
        self._comms: list[Event] = []
        self._severities: list[Event] = []
        self.current: list[AudienceCadence] = []
        self._policy_stamp: int | None = None
        self._policy_read = False
        self.in_force: InForce | None = None
        self._told: set[str] = set()  # what was said about the playbook, said once
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    def show_incident(self, incident_id: str | None) -> None:
        """Re-read the incident's comms and severity events (and, on the tick, the
        playbook if it changed since it was last read: a settings save, a hand edit)."""
        if incident_id is None:
            self.state, self._comms, self._severities = None, [], []
        else:
            self.state = self._log.incident(incident_id)
            self._comms, self._severities = cadence_events(self._log, incident_id)
        self.tick()

    def _reload_policy_if_changed(self) -> None:
        try:
            stamp: int | None = policy_path().stat().st_mtime_ns
        except OSError:
            stamp = None  # no file: the shipped playbook
        if stamp == self._policy_stamp and self._policy_read:
            return
        self._policy_stamp, self._policy_read = stamp, True
        try:
            found = playbook.in_force()
        except CommanderError as exc:  # the data folder cannot be read at all
            self.policy = CadencePolicy()
            self.problem.emit(f"{exc} Using the default cadence.")
            return
        before, self.in_force = self.in_force, found
        self.policy = found.playbook.cadence
        for news in (found.migrated, found.warning):
            if news and news not in self._told:
                self._told.add(news)
                self.problem.emit(news)
        if before is None or before.version != found.version:
            self.playbook_changed.emit(found, before.playbook if before else None)

    def tick(self) -> list[AudienceCadence]:
        self._reload_policy_if_changed()  # one stat a second: a hand edit applies at once
        if self.state is None:
            self.current = []
        else:
            self.current = cadence_state(
                self.state,
                self._comms,
                self.policy,
                self._log.clock.now(),
                severity_events=self._severities,
            )
        self.changed.emit(self.current)
        return self.current

    def stop(self) -> None:
        self._timer.stop()
