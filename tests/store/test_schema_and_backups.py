import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from commander_app.core.clock import FixedClock
from commander_app.store.backups import BackupRotation, is_healthy, taken_at
from commander_app.store.database import connect
from commander_app.store.errors import DamagedDatabaseError, NewerSchemaError
from commander_app.store.incident_log import IncidentLog
from commander_app.store.schema import (
    KNOWN_MIGRATIONS,
    SCHEMA_VERSION,
    sqlite_utils_migrations,
)
from commander_app.store.search import search

migrations = sqlite_utils_migrations()


def test_a_new_log_is_at_the_current_schema(log: IncidentLog) -> None:
    assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert migrations.pending(Database(log.conn)) == []


def test_the_schema_version_names_every_migration() -> None:
    pending = migrations.pending(Database(memory=True))
    assert tuple(m.name for m in pending) == KNOWN_MIGRATIONS


def test_opening_a_current_log_does_not_load_the_migrations(db_path: Path) -> None:
    IncidentLog(db_path, device_id="d").close()
    code = (
        "import sys; from commander_app.store.incident_log import IncidentLog; "
        f"IncidentLog(__import__('pathlib').Path({str(db_path)!r}), device_id='d').close(); "
        "print('sqlite_utils' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "False"


def test_a_new_log_is_made_without_sqlite_utils_exactly_as_sqlite_utils_would(
    tmp_path: Path,
) -> None:
    """The fast path for a new log writes the same schema and migration records."""
    code = (
        "import sys; from commander_app.store.incident_log import IncidentLog; "
        f"IncidentLog(__import__('pathlib').Path({str(tmp_path / 'fast.db')!r}), "
        "device_id='d').close(); print('sqlite_utils' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "False"
    slow = connect(tmp_path / "slow.db")
    migrations.apply(Database(slow))
    fast = sqlite3.connect(tmp_path / "fast.db")

    def schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        return [(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows]

    assert schema(fast) == schema(slow)
    assert migrations.pending(Database(fast)) == []
    assert [m.name for m in migrations.applied(Database(fast))] == list(KNOWN_MIGRATIONS)


def test_opening_twice_applies_nothing_twice(db_path: Path, clock: FixedClock) -> None:
    IncidentLog(db_path, device_id="d", clock=clock).close()
    IncidentLog(db_path, device_id="d", clock=clock).close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == SCHEMA_VERSION


def _first_version_db(path: Path) -> None:
    """A log as the first schema wrote it: events and incidents, no search index."""
    conn = connect(path)
    db = Database(conn)
    migrations.apply(db, stop_before="m002_full_text_search")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO events (id, incident_id, kind, body, text, author, device_id, "
        "occurred_at, recorded_at) VALUES ('01JB0000000000000000000001', "
        "'01JB0000000000000000000000', 'note', '{\"text\": \"kafka lag rising\"}', "
        "'kafka lag rising', 'al', 'd', '2026-01-01T00:00:00.000000Z', "
        "'2026-01-01T00:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO incidents (id, title, severity, status, is_drill, roles, last_event_at, "
        "event_count, last_key) VALUES ('01JB0000000000000000000000', 'Queue backlog', 'SEV2', "
        "'investigating', 0, '{}', '2026-01-01T00:00:00.000000Z', 1, '')"
    )
    conn.close()


def test_an_older_log_is_backed_up_then_upgraded(db_path: Path, clock: FixedClock) -> None:
    _first_version_db(db_path)
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        hits = search(log.conn, "kafka")
        assert [h.event_id for h in hits] == ["01JB0000000000000000000001"]
        assert [h.incident_id for h in search(log.conn, "backlog")] == [
            "01JB0000000000000000000000"
        ]
        saved = [p for p in log.backups.all() if p.stem.endswith("before_upgrade")]
    assert len(saved) == 1
    old = sqlite3.connect(saved[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT text FROM events").fetchall() == [("kafka lag rising",)]


def test_a_newer_log_is_refused_and_left_alone(db_path: Path, clock: FixedClock) -> None:
    IncidentLog(db_path, device_id="d", clock=clock).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('commander', 'm099_from_the_future', 'later')"
    )
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(NewerSchemaError, match=r"newer Commander.*Update Commander"):
        IncidentLog(db_path, device_id="d", clock=clock)
    assert db_path.read_bytes() == before


def test_a_damaged_file_names_the_newest_good_backup(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("x", author="a")
        good = log.backup_now()
    clock.advance(timedelta(minutes=1))
    broken_backup = BackupRotation(db_path).directory / "incidents-20991231T000000000000Z.db"
    broken_backup.write_bytes(b"not a database")
    db_path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    (db_path.parent / "incidents.db-wal").unlink(missing_ok=True)
    with pytest.raises(DamagedDatabaseError, match=f"newest good backup is {good}"):
        IncidentLog(db_path, device_id="d", clock=clock)


def test_damage_without_backups_says_so(db_path: Path, clock: FixedClock) -> None:
    db_path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    with pytest.raises(DamagedDatabaseError, match="No good backup was found"):
        IncidentLog(db_path, device_id="d", clock=clock)


def test_backups_on_open_and_periodically_while_the_log_changes(
    db_path: Path, clock: FixedClock
) -> None:
    log = IncidentLog(db_path, device_id="d", clock=clock)
    assert log.backups.all() == []  # nothing worth keeping yet
    assert log.maybe_backup() is None
    incident = log.open_incident("x", author="a")
    assert log.backup_due()  # the first change is worth a backup at once
    assert log.maybe_backup() is not None
    clock.advance(timedelta(minutes=5))
    log.log(incident.id, "soon after", author="a")
    assert not log.backup_due()  # too soon for another
    clock.advance(timedelta(minutes=6))
    assert log.backup_due()
    log.close()
    # Opening the log takes the backup that is due.
    clock.advance(timedelta(minutes=1))
    IncidentLog(db_path, device_id="d", clock=clock).close()
    assert len(log.backups.all()) == 2
    # An hour later with no change since the last backup, opening adds nothing.
    clock.advance(timedelta(hours=1))
    IncidentLog(db_path, device_id="d", clock=clock).close()
    assert len(log.backups.all()) == 2
    newest = log.backups.all()[0]
    assert is_healthy(newest)
    copy = sqlite3.connect(newest)
    assert copy.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_a_worker_can_back_up_through_its_own_connection(log: IncidentLog) -> None:
    log.open_incident("x", author="a")
    made = log.backups.take_from_file(log.path, log.clock.now())
    assert is_healthy(made)
    assert sqlite3.connect(made).execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_rotation_keeps_the_last_ten_but_never_upgrade_backups(
    db_path: Path, clock: FixedClock
) -> None:
    log = IncidentLog(db_path, device_id="d", clock=clock)
    log.open_incident("x", author="a")
    log.backups.take(log.conn, clock.now(), label="before_upgrade")
    for _ in range(14):
        clock.advance(timedelta(minutes=1))
        log.backup_now()
    periodic = log.backups.periodic()
    assert len(periodic) == 10
    assert taken_at(periodic[0]) == clock.now()
    assert any(p.stem.endswith("before_upgrade") for p in log.backups.all())
    log.close()


def test_backup_to_a_chosen_file(log: IncidentLog, tmp_path: Path) -> None:
    log.open_incident("x", author="a")
    target = tmp_path / "usb" / "copy.db"
    assert log.backup_now(target) == target
    assert is_healthy(target)
    assert not list(target.parent.glob("*.partial"))


def test_a_failing_backup_never_blocks_the_log(db_path: Path, clock: FixedClock) -> None:
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        log.open_incident("x", author="a")
    (db_path.parent / "backups").write_text("a file where the folder should be")
    clock.advance(timedelta(hours=1))
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        assert log.backup_problem is not None
        assert "incident log itself is unharmed" in log.backup_problem
        assert log.incidents()[0].title == "x"
        log.log(log.incidents()[0].id, "still writing", author="a")


def test_a_backup_to_a_symlink_replaces_its_target_and_a_fifo_is_written_through(
    log: IncidentLog, tmp_path: Path
) -> None:
    import os
    import sqlite3
    import threading

    log.open_incident("x", author="a")
    target = tmp_path / "kept" / "copy.db"
    target.parent.mkdir()
    target.write_bytes(b"")
    link = tmp_path / "latest.db"
    link.symlink_to(target)
    assert log.backup_now(link) == link
    assert link.is_symlink()
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    log.backup_now(fifo)
    reader.join(timeout=30)
    assert len(received) == 1
    assert received[0].startswith(b"SQLite format 3")


def test_an_interrupted_upgrade_retried_keeps_one_copy_of_that_version(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_version_db(db_path)

    class Interrupted:
        def apply(self, _db: object) -> None:
            raise KeyboardInterrupt  # killed after the copy, before the upgrade committed

    from commander_app.store import schema

    real = schema.sqlite_utils_migrations
    monkeypatch.setattr(schema, "sqlite_utils_migrations", Interrupted)
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            IncidentLog(db_path, device_id="d", clock=clock)
        clock.advance(timedelta(minutes=1))
    monkeypatch.setattr(schema, "sqlite_utils_migrations", real)
    with IncidentLog(db_path, device_id="d", clock=clock) as log:
        assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        saved = [p for p in log.backups.all() if p.stem.endswith("before_upgrade")]
    assert len(saved) == 1
    old = sqlite3.connect(saved[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT text FROM events").fetchall() == [("kafka lag rising",)]
    old.close()
