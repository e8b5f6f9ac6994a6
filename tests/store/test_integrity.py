"""The window opens a log at once and checks it on a thread; nothing is written into damage."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store import integrity
from commander_app.store.errors import DamagedDatabaseError
from commander_app.store.incident_log import IncidentLog
from tests.support.damaged_log import write_damaged_log


def test_a_sound_log_passes_the_check_and_takes_writes(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        incident = log.open_incident("x", author="a")
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        check = log.integrity_check
        assert check is not None
        assert check.verdict() is None
        log.log(incident.id, "still writing", author="a")
        assert log.events(incident.id)[-1].body["text"] == "still writing"


def test_a_new_log_is_checked_before_it_is_created(db_path: Path, clock: FixedClock) -> None:
    """Creating or upgrading changes the file, so the check runs first, not on a thread."""
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        assert log.integrity_check is None
        log.open_incident("x", author="a")


def test_damage_found_on_the_thread_refuses_every_write(db_path: Path, clock: FixedClock) -> None:
    incident_id = write_damaged_log(db_path, clock)
    before = db_path.read_bytes()
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        check = log.integrity_check
        assert check is not None
        problem = check.verdict()
        assert problem is not None
        assert "is damaged and was not changed" in str(problem)
        with pytest.raises(DamagedDatabaseError, match="is damaged"):
            log.log(incident_id, "typed after opening", author="a")
        with pytest.raises(DamagedDatabaseError):
            log.open_incident("another", author="a")
    assert db_path.read_bytes() == before


def test_the_check_names_the_newest_good_backup(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("x", author="a")
        good = log.backup_now()
    write_damaged_log(db_path, clock)
    with IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True) as log:
        assert log.integrity_check is not None
        assert f"newest good backup is {good}" in str(log.integrity_check.verdict())


def test_closing_stops_a_check_still_running(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that would run for ever (standing in for a huge file) is interrupted
    when the log closes; being stopped is not reported as damage."""
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("x", author="a")
    endless = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    )
    monkeypatch.setattr(integrity, "damage_found", lambda conn: conn.execute(endless).fetchone())
    log = IncidentLog(db_path, device_id="d", clock=clock, opened_by_window=True)
    check = log.integrity_check
    assert check is not None
    assert not check.finished  # still "checking"
    log.close()
    assert check.finished
    assert check.problem is None
    assert not any(thread.name == "commander-check" for thread in threading.enumerate())
