"""Team sync in the window: the worker's state on the status bar, sharing an incident.

Built after the first paint (the window opens as fast without a team database). The
worker runs on its own thread (`team.worker`); it reports through a queued signal, so
the badge changes on the window's thread only. It stops on the window's `closing`.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from commander_app.core.errors import CommanderError
from commander_app.core.team_status import SyncState, SyncStatus, status_line
from commander_app.store import team_state
from commander_app.store.incident_log import IncidentLog

if TYPE_CHECKING:
    from commander_app.team.sync import Round
    from commander_app.team.worker import SyncWorker

NOT_SET_UP = (
    "No team database is set up on this laptop: run `commander team setup --host HOST "
    "--db DATABASE --user USER` once (README, 'Team sync'), then share it again."
)


class TeamDesk(QObject):
    status_changed = Signal(object)  # SyncStatus, from the worker's thread
    arrived = Signal()  # the worker wrote other laptops' entries into the log
    message = Signal(str)

    def __init__(self, log: IncidentLog, author: str, zone: tzinfo, parent: QWidget) -> None:
        super().__init__(parent)
        self.log, self.author, self.zone = log, author, zone
        self.worker: SyncWorker | None = None
        self.status: SyncStatus | None = None
        self.incident_id: str | None = None
        self.badge = QPushButton()
        self.badge.setFlat(True)
        self.badge.setVisible(False)
        self.badge.setFocusPolicy(self.badge.focusPolicy().NoFocus)
        self.badge.clicked.connect(self.show_details)
        self.status_changed.connect(self._show)

    def start(self) -> bool:
        """Start syncing if a team database is set up; False when none is."""
        stored = team_state.config(self.log)
        if stored is None:
            return False
        from commander_app.team.config import TeamConfig, TeamSecrets
        from commander_app.team.worker import SyncWorker

        config = TeamConfig.from_dict(stored)
        self.worker = SyncWorker(
            self.log.path,
            device_id=self.log.device_id,
            person=self.author,
            config=config,
            password=lambda: TeamSecrets().get(config.key),
            on_status=self.status_changed.emit,
            on_round=self._on_round,
        )
        self.badge.setVisible(True)
        self.badge.setText("Team: connecting")
        self.worker.start()
        return True

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def _on_round(self, result: Round) -> None:  # the worker's thread
        if result.pulled:
            self.arrived.emit()

    def select(self, incident_id: str | None) -> None:
        self.incident_id = incident_id
        if self.status is not None:
            self._show(self.status)

    def _show(self, status: SyncStatus) -> None:
        self.status = status
        clock = (
            status.offline_since.astimezone(self.zone).strftime("%H:%M")
            if status.offline_since is not None
            else None
        )
        self.badge.setText(status_line(status, clock, self.incident_id))
        tip = [f"Team database: {status.database}"]
        if status.problem:
            tip.append(status.problem)
        peers = status.peers_in(self.incident_id)
        if peers:
            tip.append("In this incident: " + ", ".join(f"{p.person} ({p.device_id})"
                                                         for p in peers))  # fmt: skip
        self.badge.setToolTip("\n".join(tip))

    def show_details(self) -> None:
        status = self.status
        text = self.badge.toolTip() if status is not None else NOT_SET_UP
        if status is not None and status.state is SyncState.BLOCKED:
            text += "\n\nThis laptop keeps working alone until that is fixed."
        QMessageBox.information(self.parent_widget(), "Team sync", text)

    def parent_widget(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def share(self, incident_id: str | None) -> None:
        """Share the selected incident (the Incident menu; Ctrl+Alt+T)."""
        if incident_id is None:
            self.message.emit("Select the incident to share first.")
            return
        if team_state.config(self.log) is None:
            self.message.emit(NOT_SET_UP)
            return
        try:
            fresh = team_state.share(self.log, incident_id)
        except CommanderError as exc:
            self.message.emit(str(exc))
            return
        if self.worker is None:
            self.start()
        else:
            self.worker.wake()
        title = self.log.incident(incident_id).title
        self.message.emit(
            f"“{title}” is shared with the team: its entries go to the team database now."
            if fresh
            else f"“{title}” is shared with the team already."
        )
