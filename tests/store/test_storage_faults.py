"""Faults of the disk and the file are told by SQLite's error code, each in its own words:
only real damage is sent back to a backup, because copying a backup over a healthy log
loses every entry since it was taken."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.store import database
from commander_app.store.backups import BackupRotation
from commander_app.store.errors import (
    DamagedDatabaseError,
    DiskFullError,
    LogIsFolderError,
    NotALogError,
    ReadOnlyError,
)
from commander_app.store.incident_log import IncidentLog
from tests.store.conftest import count

BACKUP_ADVICE = "copy the backup"


def _open_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection to the log opens it the way a read-only folder or mount would."""

    def read_only(path: Path | str, backups: BackupRotation | None = None) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            factory=database.LogConnection,
        )
        assert isinstance(conn, database.LogConnection)
        conn.log_path = Path(path)
        conn.backups = backups
        return conn

    monkeypatch.setattr(database, "connect", read_only)


def test_a_full_disk_says_so_and_loses_nothing(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        incident = log.open_incident("Checkout 500s", author="a")
        log.backup_now()
        before = count(log)
        (pages,) = log.conn.execute("PRAGMA page_count").fetchone()
        log.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk holds no more
        with pytest.raises(DiskFullError) as refused:
            log.log(incident.id, "pool exhausted " + "x" * 15_000, author="a")
        message = str(refused.value)
        assert "is full" in message
        assert "nothing already in the log was lost" in message
        assert "Free some space" in message
        assert BACKUP_ADVICE not in message
        assert "damaged" not in message
        assert count(log) == before
        log.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
        log.log(incident.id, "pool exhausted", author="a")
        assert count(log) == before + 1


def test_a_folder_given_as_the_log_is_named_a_folder(tmp_path: Path, clock: FixedClock) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    with pytest.raises(LogIsFolderError) as refused:
        IncidentLog(folder, device_id="d", clock=clock)
    message = str(refused.value)
    assert f"{folder} is a folder" in message
    assert str(folder / "incidents.db") in message
    assert "damaged" not in message
    assert BACKUP_ADVICE not in message


def test_a_file_where_the_logs_folder_should_be_is_named(tmp_path: Path, clock: FixedClock) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    with pytest.raises(LogIsFolderError, match=f"{blocker} is a file, not a folder"):
        IncidentLog(blocker / "logs" / "incidents.db", device_id="d", clock=clock)
    assert blocker.read_text() == "not a folder"


def test_a_new_log_in_a_read_only_folder_says_where_and_why(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open_read_only(monkeypatch)
    with pytest.raises(ReadOnlyError) as refused:
        IncidentLog(db_path, device_id="d", clock=clock)
    message = str(refused.value)
    assert f"cannot create the incident log {db_path}" in message
    assert f"its folder {db_path.parent} is read-only" in message
    assert "damaged" not in message
    assert not db_path.exists()


def test_writing_into_a_read_only_log_says_so_and_loses_nothing(
    db_path: Path, clock: FixedClock
) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        incident = log.open_incident("x", author="a")
        log.backup_now()
        before = count(log)
        log.conn.execute("PRAGMA query_only = ON")  # what a read-only mount does to writes
        with pytest.raises(ReadOnlyError) as refused:
            log.log(incident.id, "entry", author="a")
        message = str(refused.value)
        assert f"The incident log {db_path} cannot be written" in message
        assert "nothing already in the log was lost" in message
        assert BACKUP_ADVICE not in message
        assert count(log) == before


def test_a_file_that_is_no_database_is_not_ours_and_is_never_overwritten(
    tmp_path: Path, clock: FixedClock
) -> None:
    sheet = tmp_path / "budget.xlsx"
    sheet.write_bytes(b"PK\x03\x04 this is a spreadsheet" * 100)
    before = sheet.read_bytes()
    with pytest.raises(NotALogError) as refused:
        IncidentLog(sheet, device_id="d", clock=clock)
    message = str(refused.value)
    assert f"{sheet} is not a Commander incident log" in message
    assert "Check the path" in message
    assert BACKUP_ADVICE not in message
    assert sheet.read_bytes() == before


def test_a_destroyed_log_with_backups_is_pointed_at_them_without_overwriting(
    db_path: Path, clock: FixedClock
) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("x", author="a")
        good = log.backup_now()
    (db_path.parent / "incidents.db-wal").unlink(missing_ok=True)
    db_path.write_bytes(b"garbage" * 1000)
    with pytest.raises(NotALogError) as refused:
        IncidentLog(db_path, device_id="d", clock=clock)
    assert f"open its newest good backup where it is: commander --db {good}" in str(refused.value)


def test_a_damaged_sqlite_file_is_still_sent_to_its_backup(
    db_path: Path, clock: FixedClock
) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("x", author="a")
        good = log.backup_now()
    (db_path.parent / "incidents.db-wal").unlink(missing_ok=True)
    db_path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    with pytest.raises(DamagedDatabaseError, match=f"newest good backup is {good}"):
        IncidentLog(db_path, device_id="d", clock=clock)


def test_a_bug_is_not_dressed_up_as_a_disk_fault(db_path: Path, clock: FixedClock) -> None:
    """An SQL mistake (SQLITE_ERROR) rises as itself, to be logged with its traceback."""
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):  # noqa: SIM117
            with database.write_transaction(log.conn):
                log.conn.execute("INSERT INTO no_such_table VALUES (1)")
        assert not log.conn.in_transaction


def test_another_programs_database_is_not_ours_and_is_never_changed(
    tmp_path: Path, clock: FixedClock
) -> None:
    places = tmp_path / "places.sqlite"
    conn = sqlite3.connect(places)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.execute("INSERT INTO bookmarks VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    with pytest.raises(NotALogError, match="another program's SQLite database"):
        IncidentLog(places, device_id="d", clock=clock)
    check = sqlite3.connect(places)
    tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master")}
    rows = check.execute("SELECT url FROM bookmarks").fetchall()
    (journal,) = check.execute("PRAGMA journal_mode").fetchone()
    check.close()
    assert tables == {"bookmarks"}
    assert rows == [("https://example.org",)]
    assert journal == "delete"  # left in its own journal mode
