"""Child processes that write to a real log file, and the checks a log must pass after them."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commander_app.store.backups import BackupRotation, is_healthy
from commander_app.store.health import check_log
from commander_app.store.incident_log import IncidentLog

APPENDER = Path(__file__).with_name("appender.py")
STARTUP_TIMEOUT = 30.0
_NOT_IDS = {"waiting", "done"}


class Child:
    """A child process whose stdout lines are collected as they arrive.

    Only complete lines count: an id is acknowledged once its newline is out.
    """

    def __init__(self, argv: list[str], *, stdin: bool = False) -> None:
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self.stderr = ""
        self._eof = False
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.endswith("\n"):
                with self._changed:
                    self.lines.append(line[:-1])
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def wait_for_lines(self, count: int, timeout: float = STARTUP_TIMEOUT) -> bool:
        """True once `count` lines have arrived; False if the child ended or time ran out."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.lines) >= count or self._eof, timeout)
            return len(self.lines) >= count

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> int:
        """SIGKILL, as the OS does on a hard crash; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.finish()

    def finish(self, timeout: float = 60.0) -> int:
        code = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=timeout)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code

    @property
    def acknowledged(self) -> list[str]:
        """Event ids the child printed after the log accepted them."""
        return [line for line in self.lines if line not in _NOT_IDS and line[:6] != "ready "]

    @property
    def incident_id(self) -> str:
        """The incident the child writes to, from its `ready ID` line."""
        return next(line.split()[1] for line in self.lines if line[:6] == "ready ")


@pytest.fixture
def spawn() -> Iterator[Callable[..., Child]]:
    """Start child processes; any still running when the test ends is killed."""
    children: list[Child] = []

    def start(argv: list[str], *, stdin: bool = False) -> Child:
        child = Child(argv, stdin=stdin)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()


@pytest.fixture
def appender(spawn: Callable[..., Child]) -> Callable[..., Child]:
    """Start `appender.py DB INCIDENT OPTIONS...` as a child process."""

    def start(db: Path, incident: str, *options: str, stdin: bool = False) -> Child:
        argv = [sys.executable, str(APPENDER), str(db), incident, *options]
        return spawn(argv, stdin=stdin)

    return start


@pytest.fixture
def sound_log() -> Iterator[Callable[[Path], IncidentLog]]:
    """A checker: open a log after a crash or a race and assert it is sound."""
    opened: list[IncidentLog] = []

    def check(db: Path) -> IncidentLog:
        log = _assert_sound(db)
        opened.append(log)
        return log

    yield check
    for log in opened:
        log.close()


def _assert_sound(db: Path) -> IncidentLog:
    """SQLite's full integrity check, then Commander's own: the projection is
    a true fold of the events, event counts agree, every backup is usable."""
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        raw.close()
    log = IncidentLog(db, device_id="device-verifier")
    assert check_log(log) == []
    counts = dict(log.conn.execute("SELECT incident_id, count(*) FROM events GROUP BY 1"))
    assert {i.id: i.event_count for i in log.incidents(include_resolved=True)} == counts
    for backup in BackupRotation(db).all():
        assert is_healthy(backup), backup
    return log
