"""Each log's backups are its own: a log whose name another log's begins with, a shared
or symlinked backups folder, and what killed backups leave behind."""

from __future__ import annotations

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store import backups
from commander_app.store.backups import BackupRotation, backup_origin
from commander_app.store.errors import StorageError
from commander_app.store.incident_log import IncidentLog


def fill(path: Path, clock: FixedClock, count: int) -> list[Path]:
    made = []
    with IncidentLog(path, device_id="d", clock=clock) as log:
        log.open_incident(f"Incident in {path.name}", author="a")
        for _ in range(count):
            clock.advance(timedelta(minutes=11))
            made.append(log.backup_now())
    return made


def test_logs_sharing_a_name_prefix_keep_their_own_backups(
    tmp_path: Path, clock: FixedClock
) -> None:
    old = fill(tmp_path / "team-old.db", clock, 12)
    mine = fill(tmp_path / "team.db", clock, 3)
    rotation = BackupRotation(tmp_path / "team.db")
    assert rotation.periodic() == sorted(mine, reverse=True)
    assert all(p.exists() for p in mine)
    assert len(BackupRotation(tmp_path / "team-old.db").periodic()) == backups.KEEP
    assert rotation.newest_good() == max(mine)
    assert backup_origin(mine[0]) == str((tmp_path / "team.db").resolve())
    assert backup_origin(old[-1]) == str((tmp_path / "team-old.db").resolve())


def test_a_shared_backups_folder_never_loses_the_other_logs_files(
    tmp_path: Path, clock: FixedClock
) -> None:
    """Two folders' team.db with backups/ linked to one place: neither prunes the other's."""
    shared = tmp_path / "shared"
    shared.mkdir()
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "backups").symlink_to(shared)
    theirs = fill(tmp_path / "a" / "team.db", clock, 3)
    fill(tmp_path / "b" / "team.db", clock, 12)
    assert all(p.exists() for p in theirs)
    mine = BackupRotation(tmp_path / "b" / "team.db")
    assert mine.newest_good() is not None
    assert backup_origin(mine.newest_good()) == str((tmp_path / "b" / "team.db").resolve())


def test_a_killed_backups_leftovers_are_swept_by_the_next(
    tmp_path: Path, clock: FixedClock
) -> None:
    fill(tmp_path / "team.db", clock, 1)
    folder = tmp_path / "backups"
    stale = folder / ".team-20261128T140000000000Z.db.abc123.partial"
    journal = folder / ".team-20261128T140000000000Z.db.abc123.partial-journal"
    fresh = folder / ".team-20261128T150000000000Z.db.def456.partial"  # being written now
    foreign = folder / ".team-old-20261128T140000000000Z.db.xyz789.partial"
    for leftover in (stale, journal, fresh, foreign):
        leftover.write_bytes(b"x" * 1000)
    hour_ago = time.time() - 3600
    for leftover in (stale, journal, foreign):
        os.utime(leftover, (hour_ago, hour_ago))
    clock.advance(timedelta(minutes=11))
    fill(tmp_path / "team.db", clock, 1)
    assert not stale.exists()
    assert not journal.exists()
    assert fresh.exists()
    assert foreign.exists()


def test_a_backup_that_would_leave_too_little_space_is_refused(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "team.db"
    fill(path, clock, 1)
    total = 10 * 1024**3  # 5 % of it, 512 MB, is the margin here

    def nearly_full(_folder: Path) -> shutil._ntuple_diskusage:
        free = 500 * backups.MEGABYTE  # less than the margin, whatever the log's size
        return shutil._ntuple_diskusage(total, total - free, free)

    rotation = BackupRotation(path, disk_usage=nearly_full)
    before = rotation.all()
    with IncidentLog(path, device_id="d", clock=clock, backups=rotation) as log:
        clock.advance(timedelta(minutes=11))
        with pytest.raises(StorageError) as refused:
            log.backup_now()
    message = str(refused.value)
    assert "No backup was taken" in message
    assert "512 MB that must stay free" in message
    assert "The incident log itself is unharmed" in message
    assert rotation.all() == before
    assert not [p for p in rotation.directory.iterdir() if "partial" in p.name]


def test_a_backup_with_room_to_spare_is_taken(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "team.db"
    fill(path, clock, 1)

    def roomy(_folder: Path) -> shutil._ntuple_diskusage:
        return shutil._ntuple_diskusage(1024**3, 0, 1024**3)  # 1 GB free: margin 100 MB

    rotation = BackupRotation(path, disk_usage=roomy)
    with IncidentLog(path, device_id="d", clock=clock, backups=rotation) as log:
        clock.advance(timedelta(minutes=11))
        assert log.backup_now() in rotation.all()
