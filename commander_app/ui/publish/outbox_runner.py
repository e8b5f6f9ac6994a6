"""Drains the outbox, then the follow-ups waiting for their trackers, on a thread of its
own, so a channel that hangs never freezes the window.

The thread owns its own connection to the log (SQLite connections stay on the thread
that made them). The window pokes it after a Send or a push and a timer pokes it when a
retry falls due or another program queued something; it reports each attempt (an
update's or a push's) back through one signal.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from commander_app.core.clock import Clock
from commander_app.store.incident_log import IncidentLog
from commander_app.store.outbox_status import next_due_at, next_push_due_at

if TYPE_CHECKING:
    from commander_app.team.send_lease import SendLease

logger = logging.getLogger(__name__)


class _Drainer:
    """A daemon thread with its own connection to the log, woken by pokes.

    Not a QThread: a send may hang until its timeout, and a daemon thread does not
    hold up (or abort) quitting; a row it leaves half-sent is recovered on restart.
    """

    def __init__(self, path: Path, device_id: str, clock: Clock, bridge: _Bridge) -> None:
        self._path, self._device_id, self._clock, self._bridge = path, device_id, clock, bridge
        self._wake = threading.Event()
        self.stopping = False
        # Set: the next pass also reads the trackers back, writing as this person.
        self.pull_by: str | None = None
        self._thread = threading.Thread(target=self._run, name="commander-outbox", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self, wait_s: float) -> None:
        self.stopping = True
        self._wake.set()
        self._thread.join(wait_s)

    def _run(self) -> None:
        log: IncidentLog | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self.stopping:
                    return
                try:
                    if log is None:
                        log = IncidentLog(self._path, device_id=self._device_id, clock=self._clock)
                except Exception:  # the next poke tries again
                    logger.exception("opening the log to drain the outbox failed")
                else:
                    self._drain(log)
                    self._pull(log)
                self._bridge.finished.emit()
        finally:
            if log is not None:
                log.close()

    def _drain(self, log: IncidentLog) -> None:
        """The updates due, then the follow-ups due for their trackers; a bug in one does
        not hold up the other."""
        from commander_app.publish.outbox_worker import deliver_due
        from commander_app.publish.secrets import SecretStore
        from commander_app.publish.tracker_worker import push_due

        secrets = SecretStore()
        report = self._bridge.attempted.emit
        lease = _team_lease(log)
        drains = (
            ("draining the outbox", lambda: deliver_due(
                log, secrets, should_stop=lambda: self.stopping,
                on_attempt=lambda a: report(a.entry.id, a.outcome.value, a.describe()),
                around=lease.around if lease is not None else None,
            )),
            ("pushing follow-ups to their trackers", lambda: push_due(
                log, secrets, should_stop=lambda: self.stopping,
                on_attempt=lambda p: report(p.push.id, p.outcome.value, p.describe()),
            )),
        )  # fmt: skip
        try:
            for what, drain in drains:
                if self.stopping:
                    return
                try:
                    drain()
                except Exception:  # the log stays usable; the next poke tries again
                    logger.exception("%s failed", what)
        finally:
            if lease is not None:
                lease.close()

    def _pull(self, log: IncidentLog) -> None:
        """What the trackers say of the pushed follow-ups, when someone asked."""
        who, self.pull_by = self.pull_by, None
        if who is None or self.stopping:
            return
        from commander_app.publish.secrets import SecretStore
        from commander_app.publish.tracker_worker import pull_states

        try:
            result = pull_states(log, SecretStore(), author=who)
        except Exception:  # the log stays usable; the person can ask again
            logger.exception("reading the trackers back failed")
            self._bridge.pulled.emit([], ["Reading the trackers failed: see the log file."])
            return
        self._bridge.pulled.emit(list(result.changed), list(result.problems))


class _Bridge(QObject):
    """Signals emitted on the drainer's thread, delivered on the GUI thread."""

    attempted = Signal(str, str, str)  # outbox or push id, state, one line for the person
    pulled = Signal(list, list)  # what changed on the trackers, the problems met
    finished = Signal()


class OutboxRunner(QObject):
    """Starts its thread on first use: a window with nothing to send pays nothing."""

    attempted = Signal(str, str, str)
    drained = Signal()
    pulled = Signal(list, list)  # lines: what changed on the trackers; the problems met

    def __init__(self, log: IncidentLog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self._drainer: _Drainer | None = None
        self._bridge = _Bridge(self)
        self._bridge.attempted.connect(self.attempted)
        self._bridge.pulled.connect(self.pulled)
        self._bridge.finished.connect(self._on_finished)
        self.busy = False
        self._again = False

    def tick(self) -> None:
        """Poke when an update or a push is due (a retry's wait is over, another program
        queued one).

        Called by the window's outbox badge timer; the runner has no timer of its own."""
        now = self._log.clock.now()
        if any(
            due is not None and due <= now
            for due in (next_due_at(self._log), next_push_due_at(self._log))
        ):
            self.poke()

    def poke(self) -> None:
        if self.busy:
            self._again = True  # one more pass when this one ends
            return
        self._drainer = self._drainer or self._new_drainer()
        self.busy = True
        self._drainer.poke()

    def _new_drainer(self) -> _Drainer:
        return _Drainer(self._log.path, self._log.device_id, self._log.clock, self._bridge)

    def pull(self, author: str) -> None:
        """Read the pushed follow-ups' states back from their trackers (on the thread),
        after anything waiting to go out; `pulled` says what changed."""
        self._drainer = self._drainer or self._new_drainer()
        self._drainer.pull_by = author
        self.poke()

    def _on_finished(self) -> None:
        self.busy = False
        self.drained.emit()
        if self._again:
            self._again = False
            self.poke()

    def stop(self, wait_s: float = 3.0) -> None:
        """Let the update in hand finish for up to `wait_s`, then leave the thread to end."""
        if self._drainer is not None:
            self._drainer.stop(wait_s)


def _team_lease(log: IncidentLog) -> SendLease | None:
    """With a team database, sends take turns with the other laptops (`team.send_lease`)."""
    from commander_app.store import team_state

    if not team_state.is_set_up(log):
        return None
    from commander_app.team.send_lease import lease_for

    return lease_for(log)
