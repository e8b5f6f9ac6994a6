"""Damage quick_check misses is met by reads: each tells it as damage, in the person's
words with the newest good backup; a bug on the same paths stays a bug."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from commander_app.core.clock import FixedClock
from commander_app.core.model import Kind
from commander_app.store import board as board_actions
from commander_app.store import timeline
from commander_app.store.errors import DamagedDatabaseError, StoredValueError
from commander_app.store.faults import damage_in
from commander_app.store.health import inspect_log
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import INCIDENT_COLUMNS, row_to_event, row_to_state
from tests.support.bit_rot import spoil_text

NEWEST_GOOD = "The newest good backup is"


@pytest.fixture
def spoilt(db_path: Path, clock: FixedClock) -> tuple[str, str, Path]:
    """A log with one entry's body no longer UTF-8 (quick_check passes it) and a backup
    taken before: the incident, the entry and the backup."""
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        incident = log.open_incident("Checkout 500s", author="ada").id
        entry = log.log(incident, "pool exhausted on payments-db", author="ada").id
        log.log(incident, "rolled back 4811", author="ada")
        backup = log.backup_now()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    spoil_text(db_path, '"pool exhausted on payments-db"')
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    conn.close()
    return incident, entry, backup


def test_every_read_of_the_spoilt_entry_says_damaged_with_the_backup(
    db_path: Path, clock: FixedClock, spoilt: tuple[str, str, Path]
) -> None:
    incident, entry, backup = spoilt
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        for read in (
            lambda: log.events(incident),
            lambda: log.event(entry),
            lambda: timeline.timeline_page(log.conn, incident),
            lambda: timeline.rows_after(log.conn, 0),
        ):
            with pytest.raises(DamagedDatabaseError) as told:
                read()
            assert f"The incident log {db_path} is damaged and was not changed" in str(told.value)
            assert f"{NEWEST_GOOD} {backup}" in str(told.value)
        assert board_actions.board(log, incident).hypotheses == []  # not among its rows


def test_after_a_read_met_damage_nothing_more_is_written(
    db_path: Path, clock: FixedClock, spoilt: tuple[str, str, Path]
) -> None:
    incident, _entry, _backup = spoilt
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        log.log(incident, "written before the damage is met", author="ada")
        with pytest.raises(DamagedDatabaseError):
            log.events(incident)
        with pytest.raises(DamagedDatabaseError, match="is damaged"):
            log.log(incident, "typed after", author="ada")
        with pytest.raises(DamagedDatabaseError):
            log.open_incident("another", author="ada")
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        texts = log.conn.execute("SELECT text FROM events WHERE kind = 'note'").fetchall()
    assert ("typed after",) not in texts
    assert ("written before the damage is met",) in texts


def test_check_names_the_entry_though_quick_check_passes(
    db_path: Path, clock: FixedClock, spoilt: tuple[str, str, Path]
) -> None:
    incident, entry, backup = spoilt
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        problems = inspect_log(log).problems
    assert (
        f"entry {entry} of incident {incident} cannot be read: its body is not UTF-8 text"
        in problems
    )
    assert any(f"{NEWEST_GOOD} {backup}" in p for p in problems)
    assert not any("breaks the chain" in p or "stored state differs" in p for p in problems)


def test_a_backup_taken_of_the_damaged_log_is_not_the_newest_good_one(
    db_path: Path, clock: FixedClock, spoilt: tuple[str, str, Path]
) -> None:
    """quick_check passes a copy of such damage; the backup named must really be good."""
    incident, _entry, good = spoilt
    clock.advance(timedelta(minutes=11))
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        copied = log.backup_now()  # before any read has met the damage
        assert copied != good
        assert log.backups.newest_good() == good
        with pytest.raises(DamagedDatabaseError, match=f"{NEWEST_GOOD} {good}"):
            log.events(incident)


def test_a_spoilt_incident_row_is_told_and_check_rebuilds_it(
    db_path: Path, clock: FixedClock
) -> None:
    """The projection is rebuilt from the entries: no backup needed."""
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        incident = log.open_incident("Checkout 500s at the edge", author="ada").id
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    spoil_text(db_path, "Checkout 500s at the edge", table="incidents")
    with (
        IncidentLog(db_path, device_id="laptop", clock=clock) as log,
        pytest.raises(DamagedDatabaseError, match="column 'title'"),
    ):
        log.incidents()
    with IncidentLog(db_path, device_id="laptop", clock=clock) as log:
        problems = inspect_log(log).problems
        assert any(
            f"the stored state of incident {incident} cannot be read" in p
            and "check --rebuild" in p
            for p in problems
        ), problems
        log.rebuild_projection()
        assert inspect_log(log).problems == []
        assert log.incident(incident).title == "Checkout 500s at the edge"


def test_a_bug_on_a_read_path_stays_a_bug(
    log: IncidentLog, incident_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only SQLite's codes for damage and stored values that do not decode count."""
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        log.conn.execute("SELECT nothing_here FROM events").fetchall()

    def broken(row: object) -> object:
        raise TypeError("a bug in a decoder")

    monkeypatch.setattr("commander_app.store.incident_log.row_to_event", broken)
    with pytest.raises(TypeError, match="a bug in a decoder"):
        log.events(incident_id)
    log.log(incident_id, "a bug stops no writes", author="ada")


@pytest.mark.parametrize(
    ("error", "damage"),
    [
        (sqlite3.OperationalError("Could not decode to UTF-8 column 'body' with text 'x'"), True),
        (StoredValueError("its body is not JSON"), True),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), True),
        (sqlite3.OperationalError("no such table: evnets"), False),
        (sqlite3.IntegrityError("UNIQUE constraint failed: events.id"), False),
        (TypeError("unhashable type"), False),
        (ValueError("a bug's value"), False),
        (KeyError("kind"), False),
    ],
)
def test_what_counts_as_damage(error: Exception, damage: bool) -> None:
    assert (damage_in(error) is not None) == damage


def test_sqlite_s_own_codes_for_a_damaged_file_count_as_damage() -> None:
    for name, damage in (
        ("SQLITE_CORRUPT", True),
        ("SQLITE_CORRUPT_INDEX", True),
        ("SQLITE_NOTADB", True),
        ("SQLITE_IOERR_READ", False),
        ("SQLITE_ERROR", False),
    ):
        error = sqlite3.DatabaseError("database disk image is malformed")
        error.sqlite_errorname = name
        assert (damage_in(error) is not None) == damage, name


ROW = (
    "01M8G079R03RWRX5WND608P5WT",
    "01M8FXB4H0AZQY935S6ZNP9VVF",
    "note",
    '{"text": "x"}',
    "ada",
    "laptop",
    "2026-11-28T02:43:00.000000Z",
    "2026-11-28T02:43:00.000000Z",
    None,
)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (2, "nnte", "its kind 'nnte' is not one Commander knows"),
        (2, b"note", "its kind b'note' is not one Commander knows"),
        (3, '{"text": "x"', "its body is not JSON (Expecting ',' delimiter"),
        (3, '["x"]', "its body is JSON but no object (list)"),
        (4, b"ada", "its author is stored as bytes, not text"),
        (6, 20261128, "its occurred at is stored as int, not text"),
        (8, b"01M8", "its supersedes is stored as bytes, not text"),
    ],
)
def test_an_event_row_that_does_not_decode_names_the_entry(
    column: int, value: object, reason: str
) -> None:
    row = list(ROW)
    row[column] = value
    with pytest.raises(StoredValueError) as told:
        row_to_event(row)
    assert str(told.value).startswith(
        f"entry {ROW[0]} of incident {ROW[1]} cannot be read: {reason}"
    )
    assert row_to_event(ROW).kind is Kind.NOTE


def test_an_incident_row_that_does_not_decode_names_the_incident(log: IncidentLog) -> None:
    incident = log.open_incident("x", author="ada")
    (row,) = log.conn.execute(f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents").fetchall()
    assert row_to_state(row) == incident
    for name, value in (
        ("severity", "SEV9"),
        ("roles", "{"),
        ("title", b"x"),
        ("event_count", "1"),
    ):
        spoilt = list(row)
        spoilt[INCIDENT_COLUMNS.index(name)] = value
        with pytest.raises(StoredValueError, match=f"^the stored state of incident {incident.id}"):
            row_to_state(spoilt)
