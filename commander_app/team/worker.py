"""The team-sync worker: a thread that keeps this log and the team database in step.

It never runs on the window's thread. It pushes as soon as this log changes (another
connection's commit changes SQLite's `data_version`), pulls as soon as another laptop
says it pushed (LISTEN/NOTIFY on a connection of its own, only a wake-up: a
notification missed while disconnected is made up by the pull every few seconds), and
retries with growing pauses while the team database cannot be reached, the laptop
working on alone meanwhile. `stop` ends it; the window calls it from its closing path.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commander_app import __version__
from commander_app.core.errors import CommanderError
from commander_app.core.team_status import Peer, SyncState, SyncStatus
from commander_app.store import team_state
from commander_app.store.incident_log import IncidentLog
from commander_app.team.config import TeamConfig
from commander_app.team.connection import TeamConnection
from commander_app.team.server_schema import NOTIFY_CHANNEL, TeamSchemaError
from commander_app.team.sync import (
    Round,
    check_server_kept,
    pull_all,
    push_all,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["SyncWorker"]

_log = logging.getLogger(__name__)

PERIODIC_PULL = 5.0  # seconds: the safety net under LISTEN/NOTIFY
PRESENCE_EVERY = 15.0  # seconds between "this laptop is here" stamps
STEP = 0.05  # seconds between two looks at the log and the notifications
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # waits between reconnection attempts


class SyncWorker:
    def __init__(
        self,
        path: Path,
        *,
        device_id: str,
        person: str,
        config: TeamConfig,
        password: Callable[[], str | None],
        on_status: Callable[[SyncStatus], None] | None = None,
        on_round: Callable[[Round], None] | None = None,
        periodic: float = PERIODIC_PULL,
    ) -> None:
        self.path = path
        self.device_id = device_id
        self.person = person
        self.config = config
        self._password = password  # read on the worker's thread: a keyring may be slow
        self._conninfo: str | None = None
        self._on_status = on_status
        self._on_round = on_round
        self._periodic = periodic
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._status = SyncStatus(database=config.key)
        self._thread: threading.Thread | None = None
        self._team: TeamConnection | None = None
        self._listen: psycopg.Connection[Any] | None = None

    # -- the other threads' side --------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="team-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread; a query in flight is cancelled."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return
        thread.join(timeout / 2)
        if thread.is_alive():
            self._cancel_queries()
            thread.join(timeout / 2)
        self._thread = None

    def wake(self) -> None:
        """This log changed (the window wrote): push now rather than at the next look."""
        self._wake.set()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread -----------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._status = self._status.but(**changes)
            status = self._status
        if self._on_status is not None:
            self._on_status(status)

    def _run(self) -> None:
        try:
            log = IncidentLog(self.path, device_id=self.device_id)
        except CommanderError as problem:  # a damaged or unreadable log: the window says so
            self._set(state=SyncState.BLOCKED, problem=str(problem))
            return
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    self._connect()
                    failures = 0
                    self._serve(log)
                except TeamSchemaError as problem:
                    self._disconnect()
                    self._set(state=SyncState.BLOCKED, problem=str(problem))
                    self._pause(60.0)
                except CommanderError as problem:  # this log refused a write: say so, retry
                    self._disconnect()
                    self._set(state=SyncState.BLOCKED, problem=str(problem))
                    self._pause(15.0)
                except Exception as problem:  # noqa: BLE001  psycopg's errors: offline
                    if self._stop.is_set():
                        break
                    self._disconnect()
                    refusal = refused_by_server(problem)
                    if refusal is not None:  # a person must act: retrying faster helps nobody
                        self._conninfo = None  # the password is read again (setup rerun)
                        self._set(state=SyncState.BLOCKED, problem=refusal)
                        self._pause(60.0)
                        continue
                    if not is_network_problem(problem):
                        _log.exception("team sync round failed")
                    now = datetime.now(UTC)
                    status = self.status
                    self._set(
                        state=SyncState.OFFLINE,
                        offline_since=status.offline_since or now,
                        problem=plain_problem(problem),
                        waiting=_waiting(log),
                    )
                    self._pause(BACKOFF[min(failures, len(BACKOFF) - 1)])
                    failures += 1
        finally:
            self._disconnect()
            log.close()
            self._set(state=SyncState.STOPPED)

    def _connect(self) -> None:
        import psycopg

        if self._team is not None and not self._team.closed:
            return
        if self._conninfo is None:
            self._conninfo = self.config.conninfo(self._password())
        self._team = TeamConnection.open(self._conninfo, self.device_id)
        self._listen = psycopg.connect(self._conninfo, autocommit=True)
        self._listen.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def _disconnect(self) -> None:
        for conn in (self._team.conn if self._team else None, self._listen):
            if conn is not None:
                with contextlib.suppress(Exception):  # a broken link: nothing to close
                    conn.close()
        self._team = None
        self._listen = None

    def _cancel_queries(self) -> None:
        team = self._team
        if team is not None:
            with contextlib.suppress(Exception):  # the link is gone already
                team.conn.cancel_safe(timeout=1.0)

    def _serve(self, log: IncidentLog) -> None:
        """Rounds while connected: push, pull, then wait for a reason to go again."""
        assert self._team is not None
        team = self._team
        if not check_server_kept(log, team):
            _log.warning("the team database lost this laptop's pushed events: pushing again")
        last_presence = 0.0
        while not self._stop.is_set():
            result = Round()
            push_all(log, team, result)
            pull_all(
                log,
                team,
                result,
                on_backlog=lambda n: self._set(state=SyncState.CATCHING_UP, behind=n),
            )
            if time.monotonic() - last_presence > PRESENCE_EVERY:
                team.seen(self.person, sorted(team_state.shared_ids(log))[:50], __version__)
                peers = tuple(
                    Peer(d.device_id, d.person, tuple(d.incidents), d.seconds_ago)
                    for d in team.devices()
                )
                last_presence = time.monotonic()
                self._set(peers=peers)
            self._set(
                state=SyncState.ONLINE,
                offline_since=None,
                problem=None,
                behind=0,
                waiting=0,
                refused=team_state.refused_count(log),
            )
            if self._on_round is not None and (result.sent or result.pulled or result.refused):
                self._on_round(result)
            self._wait(log, self._periodic)

    def _wait(self, log: IncidentLog, seconds: float) -> None:
        """Until another laptop pushed, this log changed, `wake`, `stop`, or `seconds`."""
        listen = self._listen
        assert listen is not None
        version = _data_version(log)
        deadline = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            if self._wake.is_set():
                self._wake.clear()
                return
            for note in listen.notifies(timeout=STEP, stop_after=1):
                if note.payload != self.device_id:
                    return
            if _data_version(log) != version:
                return

    def _pause(self, seconds: float) -> None:
        self._stop.wait(seconds)


def _data_version(log: IncidentLog) -> int:
    return int(log.conn.execute("PRAGMA data_version").fetchone()[0])


def _waiting(log: IncidentLog) -> int:
    try:
        return team_state.waiting_count(log)
    except CommanderError:
        return 0


def is_network_problem(problem: Exception) -> bool:
    import psycopg

    return isinstance(problem, psycopg.OperationalError | psycopg.InterfaceError)


# libpq's words when it cannot check the server's certificate (not a link that broke).
_CERTIFICATE_PROBLEMS = (
    "certificate verify failed",
    "root certificate file",
    "does not match host name",
    "server certificate",
)


def refused_by_server(problem: Exception) -> str | None:
    """What a person must fix when the server refused this laptop itself (a wrong
    password, a role it does not know, a certificate it cannot check), else None."""
    import psycopg

    if not isinstance(problem, psycopg.OperationalError):
        return None
    text = plain_problem(problem)
    sqlstate = getattr(problem, "sqlstate", None)
    if sqlstate in ("28P01", "28000") or "authentication failed" in text:
        return (
            f"The team database refused this laptop's login ({text}). Run `commander team "
            "setup` again with the right user and password."
        )
    if any(words in text for words in _CERTIFICATE_PROBLEMS):
        return (
            f"The team database's certificate could not be checked ({text}). Give the CA "
            "with `commander team setup --ca FILE`, or ask who runs the database."
        )
    return None


def plain_problem(problem: Exception) -> str:
    """The first line of libpq's message, bounded: it names the host, never the password."""
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
    return text[:300]
