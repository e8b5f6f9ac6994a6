"""Laptops for the team-sync tests: each a log file, a config folder (its own device id)
and real `commander` processes (`team sync`, writers) started and stopped by the test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from commander_app.store.incident_log import IncidentLog
from tests.conftest import empty_log, run_cli
from tests.support import pg_cluster
from tests.support.file_keyring import file_keyring_env
from tests.sync.conftest import TeamDatabase


@dataclass
class Laptop:
    name: str
    folder: Path
    keyring: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # what its stopped processes printed

    @property
    def db(self) -> Path:
        return self.folder / "incidents.db"

    @property
    def env(self) -> dict[str, str]:
        return {**file_keyring_env(self.keyring), "XDG_CONFIG_HOME": str(self.folder / "config")}

    def cli(self, *args: str, stdin: str | None = None) -> str:
        result = run_cli(*args, db=self.db, stdin=stdin, env=self.env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def setup(self, team_db: TeamDatabase) -> None:
        config = self.folder / "config" / "commander"
        config.mkdir(parents=True, exist_ok=True)
        (config / "device-id").write_text(self.name)
        empty_log(self.db)
        self.cli(
            "team", "setup", "--host", "127.0.0.1", "--port", str(team_db.cluster.port),
            "--db", team_db.dbname, "--user", pg_cluster.MEMBER,
            "--ca", str(team_db.cluster.ca_file), "--password-stdin",
            stdin=pg_cluster.MEMBER_PASSWORD + "\n",
        )  # fmt: skip

    def _start(self, *command: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, *command],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        return process

    def start_sync(self) -> subprocess.Popen[str]:
        return self._start("-m", "commander_app", "--db", str(self.db), "team", "sync", "--verbose")

    def start_writer(self, incident_id: str, count: int, batch: int = 1) -> subprocess.Popen[str]:
        return self._start(
            "-m", "tests.sync.write_entries", str(self.db), self.name, incident_id, str(count),
            "--batch", str(batch),
        )  # fmt: skip

    def stop_all(self) -> list[str]:
        """Stop every process this laptop started; what each printed."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        said: list[str] = []
        for process in self.processes:
            try:
                out, err = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
            said.append(out + err)
        self.processes.clear()
        self.said.extend(said)
        return said

    def event_ids(self, incident_id: str) -> set[str]:
        with IncidentLog(self.db, device_id="reader") as log:
            return {e.id for e in log.events(incident_id)}

    def count(self, incident_id: str) -> int:
        with IncidentLog(self.db, device_id="reader") as log:
            row = log.conn.execute(
                "SELECT count(*) FROM events WHERE incident_id = ?", [incident_id]
            ).fetchone()
            return int(row[0])


@contextmanager
def laptops(tmp_path: Path, team_db: TeamDatabase, names: list[str]) -> Iterator[list[Laptop]]:
    """Laptops set up on the team database; every process they started stops at the end."""
    keyring = tmp_path / "keyring.json"
    made = [Laptop(name, tmp_path / name, keyring) for name in names]
    try:
        for laptop in made:
            laptop.setup(team_db)
        yield made
    finally:
        for laptop in made:
            laptop.stop_all()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition the test cannot be told about (other processes' files)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")
