"""Every test runs in isolation: its own data, config and cache dirs, and a fixed clock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store.incident_log import IncidentLog
from tests.support.memory_keyring import MemoryKeyring, install_memory_keyring

START = datetime(2026, 11, 28, 14, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads or writes the developer's own settings or incident log."""
    home = tmp_path_factory.mktemp("home")
    for name, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        (home / sub).mkdir()
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("COMMANDER_AUTHOR", "tester")
    monkeypatch.delenv("COMMANDER_DB", raising=False)
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    """No test touches the developer's real keyring: each starts with an empty one in memory."""
    return install_memory_keyring()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "incidents.db"


@pytest.fixture
def log(db_path: Path, clock: FixedClock) -> Iterator[IncidentLog]:
    with IncidentLog(db_path, device_id="device-test", clock=clock) as opened:
        yield opened


@pytest.fixture
def incident_id(log: IncidentLog, clock: FixedClock) -> str:
    opened = log.open_incident("Checkout 500s", commander="alice", author="alice")
    # Later entries come a moment after, so they sort after the opening in story order.
    clock.advance(timedelta(seconds=1))
    return opened.id


def run_cli(
    *args: str,
    db: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the real `commander` program as a separate process."""
    command = [sys.executable, "-m", "commander_app"]
    if db is not None:
        command += ["--db", str(db)]
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def ok(*args: str, db: Path) -> str:
    """Run a command that must succeed; its standard output."""
    result = run_cli(*args, db=db)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fails(*args: str, db: Path, code: int = 1) -> str:
    """Run a command that must fail as a user error: one plain line, no traceback."""
    result = run_cli(*args, db=db)
    assert result.returncode == code, result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def empty_log(path: Path) -> Path:
    """A log with no incidents yet: commands other than `new` refuse a log that is not there."""
    IncidentLog(path, device_id="device-test").close()
    return path
